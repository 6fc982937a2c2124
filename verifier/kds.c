/* kds.c - AMD KDS client: URL building, single flight and back-off (see kds.h). */
#include "verifier/kds.h"

#include "verifier/bytes.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MESSAGE_MAX 1024
/* Retry-After is obeyed up to an hour, so a broken answer cannot shut a URL
 * out for days; the caller can always retry after that. */
#define RETRY_AFTER_MAX 3600u
/* Back-off records kept at most. Each needs a failed request, so this is only
 * reached when KDS fails for many platforms at once; then the record that
 * expires first is dropped, which at worst costs one extra request. */
#define BACKOFF_MAX 1024

/* One request in flight, shared by the thread that makes it (the owner) and
 * the threads that asked for the same URL meanwhile. The owner fills the
 * outcome without the lock (nobody reads it before `done`), then sets `done`
 * under the lock; after that it is read-only. Whoever drops the last
 * reference frees it. */
struct flight {
	struct flight *next; /* in kds_client.flights while in flight */
	char url[KDS_URL_MAX];
	unsigned refs;
	bool done;
	enum kds_status status;
	uint8_t *body; /* NUL-terminated past body_len, so PEM can be used as text */
	size_t body_len;
	char message[MESSAGE_MAX];
};

/* A URL that failed recently: no request for it before until_ms. */
struct backoff {
	struct backoff *next;
	char url[KDS_URL_MAX];
	uint64_t until_ms; /* CLOCK_MONOTONIC */
	char cause[64];    /* "429 Too Many Requests", "a network error", ... */
};

struct kds_client {
	char base_url[KDS_BASE_URL_MAX + 1];
	long timeout_ms;
	unsigned backoff_seconds;
	size_t max_response;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t flight_done; /* broadcast whenever a flight finishes */
	struct flight *flights;
	struct backoff *backoffs;
	size_t backoff_count;
	struct kds_stats stats;
};

/* A response body being received, bounded by max. */
struct body {
	uint8_t *data;
	size_t len, cap, max;
	bool too_large, no_memory;
};

const char *kds_status_name(enum kds_status status)
{
	switch (status) {
	case KDS_OK:
		return "KDS_OK";
	case KDS_NOT_FOUND:
		return "KDS_NOT_FOUND";
	case KDS_BAD_REQUEST:
		return "KDS_BAD_REQUEST";
	case KDS_RATE_LIMITED:
		return "KDS_RATE_LIMITED";
	case KDS_BACKING_OFF:
		return "KDS_BACKING_OFF";
	case KDS_HTTP_ERROR:
		return "KDS_HTTP_ERROR";
	case KDS_NETWORK_ERROR:
		return "KDS_NETWORK_ERROR";
	case KDS_INVALID:
		return "KDS_INVALID";
	}
	return "KDS_?";
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_err(char *err, size_t err_len, const char *message)
{
	if (err && err_len)
		snprintf(err, err_len, "%s", message);
}

/* The reason phrase for the statuses KDS is known to send, for messages. */
static const char *reason_phrase(long code)
{
	switch (code) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	}
	return "";
}

struct kds_client *kds_client_new(const struct kds_config *cfg)
{
	static const struct kds_config defaults = { 0 };
	struct kds_client *k;
	const char *base;
	size_t base_len;

	if (!cfg)
		cfg = &defaults;
	base = cfg->base_url && cfg->base_url[0] ? cfg->base_url : KDS_DEFAULT_BASE_URL;
	base_len = strlen(base);
	/* A trailing slash would double the one every path starts with. */
	while (base_len > 1 && base[base_len - 1] == '/')
		base_len--;
	if (base_len > KDS_BASE_URL_MAX)
		return NULL;

	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	memcpy(k->base_url, base, base_len);
	k->base_url[base_len] = '\0';
	k->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : KDS_DEFAULT_TIMEOUT_MS;
	k->backoff_seconds = cfg->backoff_seconds ? cfg->backoff_seconds : KDS_DEFAULT_BACKOFF_SECONDS;
	k->max_response = cfg->max_response ? cfg->max_response : KDS_DEFAULT_MAX_RESPONSE;
	if (pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k);
		return NULL;
	}
	if (pthread_cond_init(&k->flight_done, NULL) != 0) {
		pthread_mutex_destroy(&k->lock);
		free(k);
		return NULL;
	}
	return k;
}

void kds_client_free(struct kds_client *k)
{
	struct backoff *b, *next;

	if (!k)
		return;
	/* Flights belong to the threads running them; freeing a client while a
	 * fetch is running is a caller bug, so only back-off records remain. */
	for (b = k->backoffs; b; b = next) {
		next = b->next;
		free(b);
	}
	pthread_cond_destroy(&k->flight_done);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

void kds_stats(struct kds_client *k, struct kds_stats *out)
{
	pthread_mutex_lock(&k->lock);
	*out = k->stats;
	pthread_mutex_unlock(&k->lock);
}

/* ---- URLs ---- */

static bool vcek_url(const struct kds_client *k, enum snp_product product, const uint8_t chip_id[64],
		     struct snp_tcb tcb, char *out, size_t cap)
{
	/* Turin VCEKs are keyed by the first 8 bytes of CHIP_ID only (SNP.md §8). */
	size_t hwid_len = product == SNP_PRODUCT_TURIN ? 8 : 64;
	char hwid[2 * 64 + 1];
	int n;

	if (cap == 0)
		return false;
	out[0] = '\0';
	if (product != SNP_PRODUCT_MILAN && product != SNP_PRODUCT_GENOA && product != SNP_PRODUCT_TURIN)
		return false;
	bytes_to_hex(chip_id, hwid_len, hwid);
	if (product == SNP_PRODUCT_TURIN)
		n = snprintf(out, cap, "%s/vcek/v1/%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u&fmcSPL=%02u",
			     k->base_url, snp_product_name(product), hwid, (unsigned)tcb.bootloader,
			     (unsigned)tcb.tee, (unsigned)tcb.snp, (unsigned)tcb.microcode, (unsigned)tcb.fmc);
	else
		n = snprintf(out, cap, "%s/vcek/v1/%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
			     k->base_url, snp_product_name(product), hwid, (unsigned)tcb.bootloader,
			     (unsigned)tcb.tee, (unsigned)tcb.snp, (unsigned)tcb.microcode);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return false;
	}
	return true;
}

void kds_vcek_url(const struct kds_client *k, enum snp_product product, const uint8_t chip_id[64],
		  struct snp_tcb tcb, char *out, size_t cap)
{
	vcek_url(k, product, chip_id, tcb, out, cap);
}

/* base/{vcek|vlek}/v1/{P}/{leaf}, for the chain and CRL endpoints. */
static bool product_url(const struct kds_client *k, enum snp_product product, bool vlek, const char *leaf,
			char out[KDS_URL_MAX])
{
	int n;

	out[0] = '\0';
	if (product != SNP_PRODUCT_MILAN && product != SNP_PRODUCT_GENOA && product != SNP_PRODUCT_TURIN)
		return false;
	n = snprintf(out, KDS_URL_MAX, "%s/%s/v1/%s/%s", k->base_url, vlek ? "vlek" : "vcek",
		     snp_product_name(product), leaf);
	if (n < 0 || n >= KDS_URL_MAX) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* ---- one HTTP request ---- */

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb; /* libcurl always passes size 1 */

	if (n > b->max - b->len) {
		b->too_large = true;
		return 0; /* aborts the transfer */
	}
	/* One byte more than the data, for the NUL that makes PEM a string. */
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		grown = realloc(b->data, cap);
		if (!grown) {
			b->no_memory = true;
			return 0;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* Sets the options every KDS request gets. */
static CURLcode configure(CURL *curl, const struct kds_client *k, const char *url, struct body *body,
			  char *curl_err)
{
	CURLcode rc = CURLE_OK;

	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_URL, url);
	/* No signals: libcurl's SIGALRM-based DNS timeout is not thread-safe. */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, k->timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, k->timeout_ms);
	/* https for KDS; plain http is allowed only so tests can use a loopback fake. */
#if LIBCURL_VERSION_NUM >= 0x075500
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
#else
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
	/* KDS does not redirect; a redirect would be a surprise to report, not follow. */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* The defaults, set anyway so nobody has to remember that they are. */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "teev");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	return rc;
}

/* Performs the request for f->url and fills f's outcome. Returns how many
 * seconds the URL must now back off (0: no back-off) and names the cause. */
static unsigned http_get(const struct kds_client *k, struct flight *f, char *cause, size_t cause_len)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct body body = { .max = k->max_response };
	curl_off_t retry_after = 0;
	unsigned backoff = 0;
	long code = 0;
	CURLcode rc;
	CURL *curl;

	curl = curl_easy_init();
	if (!curl) {
		f->status = KDS_INVALID;
		snprintf(f->message, sizeof(f->message), "cannot start a KDS request for %s: out of memory", f->url);
		return 0;
	}
	rc = configure(curl, k, f->url, &body, curl_err);
	if (rc != CURLE_OK) {
		f->status = KDS_INVALID;
		snprintf(f->message, sizeof(f->message), "cannot set up a KDS request for %s: %s", f->url,
			 curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after);

	/* An HTTP status wins over how the body went: an error answer with a
	 * long body is still that error. */
	if (code != 0 && code != 200) {
		if (code == 429 || (code >= 500 && code <= 599)) {
			backoff = k->backoff_seconds;
			if (retry_after > (curl_off_t)backoff)
				backoff = retry_after > (curl_off_t)RETRY_AFTER_MAX ? RETRY_AFTER_MAX
										    : (unsigned)retry_after;
		}
		f->status = code == 404   ? KDS_NOT_FOUND
			    : code == 400 ? KDS_BAD_REQUEST
			    : code == 429 ? KDS_RATE_LIMITED
					  : KDS_HTTP_ERROR;
		snprintf(cause, cause_len, "%ld%s%s", code, reason_phrase(code)[0] ? " " : "",
			 reason_phrase(code));
		if (backoff)
			snprintf(f->message, sizeof(f->message), "KDS answered %s for %s; not asking again for %u s",
				 cause, f->url, backoff);
		else
			snprintf(f->message, sizeof(f->message), "KDS answered %s for %s", cause, f->url);
	} else if (body.too_large) {
		f->status = KDS_INVALID;
		snprintf(f->message, sizeof(f->message), "KDS answer for %s is larger than %zu bytes", f->url,
			 k->max_response);
	} else if (body.no_memory) {
		f->status = KDS_INVALID;
		snprintf(f->message, sizeof(f->message), "out of memory reading the KDS answer for %s", f->url);
	} else if (rc != CURLE_OK) {
		f->status = KDS_NETWORK_ERROR;
		backoff = k->backoff_seconds;
		snprintf(cause, cause_len, "a network error");
		snprintf(f->message, sizeof(f->message), "KDS request for %s failed: %s; not asking again for %u s",
			 f->url, curl_err[0] ? curl_err : curl_easy_strerror(rc), backoff);
	} else if (body.len == 0) {
		f->status = KDS_INVALID;
		snprintf(f->message, sizeof(f->message), "KDS answered 200 OK with an empty body for %s", f->url);
	} else {
		f->status = KDS_OK;
		body.data[body.len] = '\0';
		f->body = body.data;
		f->body_len = body.len;
		body.data = NULL;
		snprintf(f->message, sizeof(f->message), "KDS answered 200 OK with %zu bytes for %s", f->body_len,
			 f->url);
	}
out:
	free(body.data);
	curl_easy_cleanup(curl);
	return backoff;
}

/* ---- the shared tables (called with k->lock held) ---- */

static void backoff_prune(struct kds_client *k, uint64_t now)
{
	struct backoff **p = &k->backoffs;

	while (*p) {
		struct backoff *b = *p;

		if (b->until_ms <= now) {
			*p = b->next;
			free(b);
			k->backoff_count--;
		} else {
			p = &b->next;
		}
	}
}

static struct backoff *backoff_find(struct kds_client *k, const char *url)
{
	for (struct backoff *b = k->backoffs; b; b = b->next)
		if (strcmp(b->url, url) == 0)
			return b;
	return NULL;
}

static void backoff_drop_soonest(struct kds_client *k)
{
	struct backoff **soonest = NULL, *b;

	for (struct backoff **p = &k->backoffs; *p; p = &(*p)->next)
		if (!soonest || (*p)->until_ms < (*soonest)->until_ms)
			soonest = p;
	if (!soonest)
		return;
	b = *soonest;
	*soonest = b->next;
	free(b);
	k->backoff_count--;
}

/* Records a back-off. Without memory for it the URL simply is not held
 * back, which costs at most one extra request. */
static void backoff_add(struct kds_client *k, const char *url, uint64_t until_ms, const char *cause)
{
	struct backoff *b = backoff_find(k, url);

	if (!b) {
		if (k->backoff_count >= BACKOFF_MAX)
			backoff_drop_soonest(k);
		b = calloc(1, sizeof(*b));
		if (!b)
			return;
		snprintf(b->url, sizeof(b->url), "%s", url);
		b->next = k->backoffs;
		k->backoffs = b;
		k->backoff_count++;
	}
	b->until_ms = until_ms;
	snprintf(b->cause, sizeof(b->cause), "%s", cause);
}

static struct flight *flight_find(struct kds_client *k, const char *url)
{
	for (struct flight *f = k->flights; f; f = f->next)
		if (strcmp(f->url, url) == 0)
			return f;
	return NULL;
}

static void flight_unlink(struct kds_client *k, struct flight *f)
{
	for (struct flight **p = &k->flights; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			f->next = NULL;
			return;
		}
}

/* Copies a finished flight's outcome for one caller. */
static enum kds_status outcome_copy(const struct flight *f, uint8_t **out, size_t *out_len, char *err,
				    size_t err_len)
{
	uint8_t *copy;

	if (f->status != KDS_OK) {
		set_err(err, err_len, f->message);
		return f->status;
	}
	copy = malloc(f->body_len + 1);
	if (!copy) {
		if (err && err_len)
			snprintf(err, err_len, "out of memory copying the KDS answer for %s", f->url);
		return KDS_INVALID;
	}
	memcpy(copy, f->body, f->body_len + 1);
	*out = copy;
	*out_len = f->body_len;
	set_err(err, err_len, f->message);
	return KDS_OK;
}

/* GET url, at most one request per URL at a time, honouring back-offs. */
static enum kds_status fetch(struct kds_client *k, const char *url, uint8_t **out, size_t *out_len, char *err,
			     size_t err_len)
{
	enum kds_status status;
	struct backoff *b;
	struct flight *f;
	uint64_t now;
	bool last;

	pthread_mutex_lock(&k->lock);
	now = monotonic_ms();
	backoff_prune(k, now);
	b = backoff_find(k, url);
	if (b) {
		uint64_t wait_s = (b->until_ms - now + 999) / 1000;

		k->stats.backoff_refusals++;
		if (err && err_len)
			snprintf(err, err_len, "backing off from %s after %s; may try again in %llu s", url,
				 b->cause, (unsigned long long)wait_s);
		pthread_mutex_unlock(&k->lock);
		return KDS_BACKING_OFF;
	}

	f = flight_find(k, url);
	if (f) {
		/* Someone is already asking: wait for their answer instead. */
		f->refs++;
		k->stats.coalesced++;
		while (!f->done)
			pthread_cond_wait(&k->flight_done, &k->lock);
	} else {
		char cause[64] = "";
		unsigned backoff;

		f = calloc(1, sizeof(*f));
		if (!f) {
			pthread_mutex_unlock(&k->lock);
			if (err && err_len)
				snprintf(err, err_len, "cannot start a KDS request for %s: out of memory", url);
			return KDS_INVALID;
		}
		snprintf(f->url, sizeof(f->url), "%s", url);
		f->refs = 1;
		f->next = k->flights;
		k->flights = f;
		k->stats.requests++;
		pthread_mutex_unlock(&k->lock);

		backoff = http_get(k, f, cause, sizeof(cause));

		pthread_mutex_lock(&k->lock);
		flight_unlink(k, f);
		if (backoff)
			backoff_add(k, url, monotonic_ms() + (uint64_t)backoff * 1000u, cause);
		if (f->status == KDS_OK)
			k->stats.successes++;
		else if (f->status == KDS_RATE_LIMITED)
			k->stats.rate_limited++;
		else
			k->stats.errors++;
		f->done = true;
		pthread_cond_broadcast(&k->flight_done);
	}
	pthread_mutex_unlock(&k->lock);

	/* A finished flight is read-only and our reference keeps it alive, so
	 * the copy is made without holding the lock. */
	status = outcome_copy(f, out, out_len, err, err_len);

	pthread_mutex_lock(&k->lock);
	last = --f->refs == 0;
	pthread_mutex_unlock(&k->lock);
	if (last) {
		free(f->body);
		free(f);
	}
	return status;
}

/* ---- public fetches ---- */

enum kds_status kds_fetch_vcek(struct kds_client *k, enum snp_product product, const uint8_t chip_id[64],
			       struct snp_tcb tcb, uint8_t **der, size_t *der_len, char *err, size_t err_len)
{
	size_t hwid_len = product == SNP_PRODUCT_TURIN ? 8 : 64;
	char url[KDS_URL_MAX];

	*der = NULL;
	*der_len = 0;
	if (!vcek_url(k, product, chip_id, tcb, url, sizeof(url))) {
		if (err && err_len)
			snprintf(err, err_len, "no KDS VCEK URL for product %s", snp_product_name(product));
		return KDS_INVALID;
	}
	/* KDS has no VCEK for a zero hwid; VLEK-signed reports carry a zero CHIP_ID. */
	if (bytes_all_zero(chip_id, hwid_len)) {
		if (err && err_len)
			snprintf(err, err_len, "CHIP_ID is all zero, so KDS cannot have a VCEK for it (%s)", url);
		return KDS_INVALID;
	}
	return fetch(k, url, der, der_len, err, err_len);
}

enum kds_status kds_fetch_cert_chain(struct kds_client *k, enum snp_product product, bool vlek,
				     char **pem, size_t *pem_len, char *err, size_t err_len)
{
	char url[KDS_URL_MAX];
	enum kds_status status;
	uint8_t *body = NULL;
	size_t len = 0;

	*pem = NULL;
	*pem_len = 0;
	if (!product_url(k, product, vlek, "cert_chain", url)) {
		if (err && err_len)
			snprintf(err, err_len, "no KDS certificate chain URL for product %s",
				 snp_product_name(product));
		return KDS_INVALID;
	}
	status = fetch(k, url, &body, &len, err, err_len);
	if (status != KDS_OK)
		return status;
	/* The chain is handed on as a C string; an embedded NUL would cut it. */
	if (memchr(body, '\0', len)) {
		free(body);
		if (err && err_len)
			snprintf(err, err_len, "KDS certificate chain from %s contains a NUL byte, so it is not PEM", url);
		return KDS_INVALID;
	}
	*pem = (char *)body;
	*pem_len = len;
	return KDS_OK;
}

enum kds_status kds_fetch_crl(struct kds_client *k, enum snp_product product, bool vlek, uint8_t **der,
			      size_t *der_len, char *err, size_t err_len)
{
	char url[KDS_URL_MAX];

	*der = NULL;
	*der_len = 0;
	if (!product_url(k, product, vlek, "crl", url)) {
		if (err && err_len)
			snprintf(err, err_len, "no KDS CRL URL for product %s", snp_product_name(product));
		return KDS_INVALID;
	}
	return fetch(k, url, der, der_len, err, err_len);
}
