/* test_kds.c - unit tests for verifier/kds.c, the AMD KDS client, against the
 * fake KDS (tests/support/fake_kds.c) running in this process.
 *
 * Every test gets a fresh mkdtemp root served by a fresh fake on an ephemeral
 * loopback port. The real VCEKs in $SHARED_DIR/testdata/snp/<vector>/vcek.der
 * are placed at the URL the client builds from the vector's own report, so
 * a fetch only succeeds when the URL is byte for byte the expected one.
 * URL formats are also compared with what others recorded: Keylime's Milan
 * URL (testdata/keylime/golden/tee-cases.json) and Oak's Turin URL
 * (testdata/snp/README.md). Back-off tests sleep for about a second each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/kds.h"
#include "verifier/snp_report.h"

/* The Makefile links unit tests with libteev.a and snp_forge.o only, so the
 * fake is compiled into this test directly. Drop this line (and link
 * build/obj/tests/support/fake_kds.o) if a Makefile rule ever does that. */
#include "tests/support/fake_kds.h"
#include "tests/support/test_cleanup.h"

#define KDS_HOST "https://kdsintf.amd.com"

/* The Milan URL Keylime requested for its golden tee cases (chip id
 * 00 01 .. 3f, reported TCB bl 3, tee 0, snp 8, ucode 115). */
#define KEYLIME_MILAN_URL                                                                         \
	KDS_HOST "/vcek/v1/Milan/"                                                                \
		 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"               \
		 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"               \
		 "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115"

/* Oak's comment in turin_oc_endorsements.textproto, copied into the README. */
#define OAK_TURIN_URL KDS_HOST "/vcek/v1/Turin/3b42092f69c656d3?ucodeSPL=71&snpSPL=2&teeSPL=0&blSPL=1&fmcSPL=0"

static const char *const vcek_vectors[] = {
	"milan-v2-trustee", "milan-v2-gosevguest", "milan-v2-virtee",	   "milan-v3-azure",
	"milan-v3-oak",	    "genoa-v3-trustee-e2e", "genoa-v5-oak", "turin-v5-oak",
};
#define VECTOR_COUNT (sizeof(vcek_vectors) / sizeof(vcek_vectors[0]))

/* ---- fixture ---- */

enum { KEEP_MAX = 64 };

struct fixture {
	char root[64];
	char base_url[64];
	struct fake_kds *fake;
	struct kds_client *kds;
	/* Whatever a test allocates is freed by the teardown, which cmocka
	 * runs even when an assertion left the test early. */
	void *kept[KEEP_MAX];
	size_t kept_count;
};

static void *keep(struct fixture *fx, void *p)
{
	if (fx->kept_count == KEEP_MAX)
		fail_msg("more than %d kept allocations in one test", KEEP_MAX);
	fx->kept[fx->kept_count++] = p;
	return p;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->root, sizeof(fx->root), "/tmp/test_kds.XXXXXX");
	if (!mkdtemp(fx->root)) {
		free(fx);
		return -1;
	}
	fx->fake = fake_kds_start(fx->root);
	if (!fx->fake) {
		rmdir(fx->root);
		free(fx);
		return -1;
	}
	snprintf(fx->base_url, sizeof(fx->base_url), "http://127.0.0.1:%u", fake_kds_port(fx->fake));
	*state = fx;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	kds_client_free(fx->kds);
	fake_kds_stop(fx->fake);
	while (fx->kept_count > 0)
		free(fx->kept[--fx->kept_count]);
	nftw(fx->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* The client under test, talking to this test's fake. */
static struct kds_client *client(struct fixture *fx, unsigned backoff_seconds, size_t max_response)
{
	struct kds_config cfg = {
		.base_url = fx->base_url,
		.timeout_ms = 10000,
		.backoff_seconds = backoff_seconds,
		.max_response = max_response,
	};

	assert_null(fx->kds);
	fx->kds = kds_client_new(&cfg);
	assert_non_null(fx->kds);
	return fx->kds;
}

/* ---- helpers ---- */

static uint8_t *read_shared(struct fixture *fx, const char *relative, size_t *len)
{
	char path[1024], err[256] = "";
	uint8_t *data;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), relative);
	data = bytes_read_file(path, 16u << 20, len, err, sizeof(err));
	if (!data)
		fail_msg("%s", err);
	return keep(fx, data);
}

static void mkdir_parents(char *path)
{
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
}

/* Writes data where the fake serves the request target ("/path?query"). */
static void put_target(struct fixture *fx, const char *target, const void *data, size_t len)
{
	char path[4096];
	FILE *fp;

	assert_int_equal(fake_kds_path(fx->root, target, path, sizeof(path)), 0);
	mkdir_parents(path);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The request target of a URL on the fake (the URL without the base). */
static const char *target_of(const struct fixture *fx, const char *url)
{
	size_t n = strlen(fx->base_url);

	if (strncmp(url, fx->base_url, n) != 0)
		fail_msg("%s is not on %s", url, fx->base_url);
	return url + n;
}

struct vector {
	enum snp_product product;
	uint8_t chip_id[64];
	struct snp_tcb tcb;
};

/* Product from the vector's name (v2 reports carry no CPUID), chip id and
 * reported TCB from its report. */
static struct vector load_vector(struct fixture *fx, const char *name)
{
	struct vector v = { 0 };
	struct snp_report report;
	struct failures failures;
	char relative[256];
	uint8_t *buf;
	size_t len;

	snprintf(relative, sizeof(relative), "testdata/snp/%s/report.bin", name);
	buf = read_shared(fx, relative, &len);
	failures_init(&failures);
	if (snp_report_parse(buf, len, &report, &failures) != 0)
		fail_msg("%s does not parse", relative);
	failures_clear(&failures);
	v.product = strncmp(name, "milan", 5) == 0   ? SNP_PRODUCT_MILAN
		    : strncmp(name, "genoa", 5) == 0 ? SNP_PRODUCT_GENOA
						     : SNP_PRODUCT_TURIN;
	memcpy(v.chip_id, report.chip_id, sizeof(v.chip_id));
	v.tcb = snp_tcb_decode(report.reported_tcb, v.product);
	return v;
}

static struct vector keylime_vector(void)
{
	struct vector v = { .product = SNP_PRODUCT_MILAN, .tcb = { .bootloader = 3, .snp = 8, .microcode = 115 } };

	for (int i = 0; i < 64; i++)
		v.chip_id[i] = (uint8_t)i;
	return v;
}

/* Places a VCEK where the fake serves the vector's URL; returns the target. */
static const char *serve_vcek(struct fixture *fx, const struct vector *v, const void *der, size_t len)
{
	char url[KDS_URL_MAX];
	char *target;

	kds_vcek_url(fx->kds, v->product, v->chip_id, v->tcb, url, sizeof(url));
	assert_true(url[0] != '\0');
	target = keep(fx, strdup(target_of(fx, url)));
	assert_non_null(target);
	put_target(fx, target, der, len);
	return target;
}

static enum kds_status fetch_vcek(struct fixture *fx, const struct vector *v, uint8_t **der, size_t *len,
				  char *err, size_t err_len)
{
	enum kds_status status = kds_fetch_vcek(fx->kds, v->product, v->chip_id, v->tcb, der, len, err, err_len);

	if (*der)
		keep(fx, *der);
	return status;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* The numeric value of each of the five SPL parameters in a query. */
static void query_values(const char *url, long values[5])
{
	static const char *const names[5] = { "blSPL", "teeSPL", "snpSPL", "ucodeSPL", "fmcSPL" };
	const char *query = strchr(url, '?');

	assert_non_null(query);
	for (int i = 0; i < 5; i++) {
		char key[16];
		const char *at;

		values[i] = -1;
		snprintf(key, sizeof(key), "%s=", names[i]);
		for (at = strstr(query, key); at; at = strstr(at + 1, key))
			if (at[-1] == '?' || at[-1] == '&')
				break;
		if (at)
			values[i] = strtol(at + strlen(key), NULL, 10);
	}
}

/* ---- URL format ---- */

static void test_url_milan_matches_keylime(void **state)
{
	struct fixture *fx = *state;
	struct kds_config cfg = { 0 };
	struct vector v = keylime_vector();
	char url[KDS_URL_MAX];
	uint8_t *golden;
	size_t len;

	(void)fx;
	fx->kds = kds_client_new(&cfg); /* all defaults: the real KDS */
	assert_non_null(fx->kds);
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
	assert_string_equal(url, KEYLIME_MILAN_URL);

	/* And it is really what Keylime recorded. */
	golden = read_shared(fx, "testdata/keylime/golden/tee-cases.json", &len);
	assert_contains((const char *)golden, url);
}

static void test_url_turin_matches_oak(void **state)
{
	struct fixture *fx = *state;
	struct kds_config cfg = { .base_url = KDS_HOST "/" }; /* a trailing slash is dropped */
	struct vector v = load_vector(fx, "turin-v5-oak");
	long ours[5], oaks[5];
	char url[KDS_URL_MAX];
	size_t path_len;

	fx->kds = kds_client_new(&cfg);
	assert_non_null(fx->kds);
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
	/* Our fixed order and padding; KDS accepts any order. */
	assert_string_equal(url, KDS_HOST "/vcek/v1/Turin/3b42092f69c656d3"
					  "?blSPL=01&teeSPL=00&snpSPL=02&ucodeSPL=71&fmcSPL=00");

	/* The same resource Oak fetched: same path, same five values. */
	path_len = (size_t)(strchr(OAK_TURIN_URL, '?') - OAK_TURIN_URL);
	assert_memory_equal(url, OAK_TURIN_URL, path_len);
	assert_int_equal(url[path_len], '?');
	query_values(url, ours);
	query_values(OAK_TURIN_URL, oaks);
	for (int i = 0; i < 5; i++) {
		assert_true(oaks[i] >= 0);
		assert_int_equal(ours[i], oaks[i]);
	}
}

static void test_url_every_vector(void **state)
{
	struct fixture *fx = *state;

	client(fx, 1, 0);
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		struct vector v = load_vector(fx, vcek_vectors[i]);
		size_t hwid_bytes = v.product == SNP_PRODUCT_TURIN ? 8 : 64;
		char url[KDS_URL_MAX], expected[512], hwid[129];
		long values[5];

		kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
		bytes_to_hex(v.chip_id, hwid_bytes, hwid);
		assert_int_equal(strlen(hwid), v.product == SNP_PRODUCT_TURIN ? 16 : 128);
		snprintf(expected, sizeof(expected), "%s/vcek/v1/%s/%s?blSPL=", fx->base_url,
			 snp_product_name(v.product), hwid);
		if (strncmp(url, expected, strlen(expected)) != 0)
			fail_msg("%s: %s does not start with %s", vcek_vectors[i], url, expected);
		query_values(url, values);
		assert_int_equal(values[0], v.tcb.bootloader);
		assert_int_equal(values[1], v.tcb.tee);
		assert_int_equal(values[2], v.tcb.snp);
		assert_int_equal(values[3], v.tcb.microcode);
		assert_int_equal(values[4], v.product == SNP_PRODUCT_TURIN ? v.tcb.fmc : -1);
	}
}

static void test_url_unknown_product_or_small_buffer(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char url[KDS_URL_MAX], small[40];

	client(fx, 1, 0);
	memset(url, 'x', sizeof(url));
	kds_vcek_url(fx->kds, SNP_PRODUCT_UNKNOWN, v.chip_id, v.tcb, url, sizeof(url));
	assert_string_equal(url, "");
	memset(small, 'x', sizeof(small));
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, small, sizeof(small));
	assert_string_equal(small, "");
}

static void test_client_config(void **state)
{
	struct fixture *fx = *state;
	char long_base[KDS_BASE_URL_MAX + 16];
	struct kds_config cfg = { .base_url = long_base };
	struct vector v = keylime_vector();
	struct kds_client *k;
	char url[KDS_URL_MAX];

	(void)fx;
	k = kds_client_new(NULL);
	assert_non_null(k);
	kds_vcek_url(k, v.product, v.chip_id, v.tcb, url, sizeof(url));
	assert_string_equal(url, KEYLIME_MILAN_URL);
	kds_client_free(k);

	memset(long_base, 'a', sizeof(long_base) - 1);
	long_base[sizeof(long_base) - 1] = '\0';
	assert_null(kds_client_new(&cfg));
	kds_client_free(NULL);
}

/* ---- fetching VCEKs ---- */

static void test_fetch_every_vector_exact_bytes(void **state)
{
	struct fixture *fx = *state;
	struct kds_stats stats;

	client(fx, 1, 0);
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		struct vector v = load_vector(fx, vcek_vectors[i]);
		char relative[256], err[1024] = "";
		const char *target;
		uint8_t *want, *der = NULL;
		size_t want_len, len = 0;

		snprintf(relative, sizeof(relative), "testdata/snp/%s/vcek.der", vcek_vectors[i]);
		want = read_shared(fx, relative, &want_len);
		target = serve_vcek(fx, &v, want, want_len);
		if (fetch_vcek(fx, &v, &der, &len, err, sizeof(err)) != KDS_OK)
			fail_msg("%s: %s", vcek_vectors[i], err);
		assert_int_equal(len, want_len);
		assert_memory_equal(der, want, len);
		assert_int_equal(der[len], 0); /* every body is NUL-terminated */
		assert_int_equal(fake_kds_hits(fx->fake, target), 1);
		assert_contains(err, "200 OK");
		assert_contains(err, target);
	}
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, VECTOR_COUNT);
	assert_int_equal(stats.successes, VECTOR_COUNT);
	assert_int_equal(stats.errors + stats.rate_limited + stats.coalesced + stats.backoff_refusals, 0);
}

static void test_not_found(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char url[KDS_URL_MAX], err[1024] = "";
	uint8_t *der = (uint8_t *)"junk";
	size_t len = 99;
	struct kds_stats stats;

	client(fx, 1, 0);
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_NOT_FOUND);
	assert_null(der);
	assert_int_equal(len, 0);
	assert_contains(err, "404 Not Found");
	assert_contains(err, url);
	/* 404 is an answer, not trouble: no back-off, the next call asks again. */
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_NOT_FOUND);
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/v1/Milan/"), 2);
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.errors, 2);
	assert_int_equal(stats.backoff_refusals, 0);
}

static void test_rate_limited_then_backing_off(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char url[KDS_URL_MAX], err[1024] = "";
	struct kds_stats stats;
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 1, 0);
	serve_vcek(fx, &v, "vcek", 4);
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
	/* Retry-After (2 s) longer than backoff_seconds (1 s) wins. */
	fake_kds_set_status(fx->fake, 429, 1, 2);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_RATE_LIMITED);
	assert_null(der);
	assert_contains(err, "KDS answered 429 Too Many Requests for ");
	assert_contains(err, url);
	assert_contains(err, "not asking again for 2 s");

	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BACKING_OFF);
	assert_null(der);
	assert_contains(err, url);
	assert_contains(err, "429 Too Many Requests");
	assert_contains(err, "may try again in 2 s");
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 1);

	/* Past backoff_seconds but not past Retry-After: still backing off. */
	pause_ms(1200);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BACKING_OFF);
	assert_contains(err, "may try again in 1 s");
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 1);

	pause_ms(1000);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_OK);
	assert_int_equal(len, 4);
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 2);

	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 2);
	assert_int_equal(stats.rate_limited, 1);
	assert_int_equal(stats.successes, 1);
	assert_int_equal(stats.backoff_refusals, 2);
	assert_int_equal(stats.errors, 0);
}

static void test_retry_after_shorter_than_backoff(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char err[1024] = "";
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 30, 0);
	fake_kds_set_status(fx->fake, 429, 1, 1);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_RATE_LIMITED);
	assert_contains(err, "not asking again for 30 s");
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BACKING_OFF);
	assert_contains(err, "may try again in 30 s");
}

static void test_backoff_expires_after_500(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char url[KDS_URL_MAX], err[1024] = "";
	struct kds_stats stats;
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 1, 0);
	serve_vcek(fx, &v, "vcek", 4);
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
	fake_kds_set_status(fx->fake, 500, 1, 0);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_HTTP_ERROR);
	assert_contains(err, "KDS answered 500 Internal Server Error for ");
	assert_contains(err, url);
	assert_contains(err, "not asking again for 1 s");
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BACKING_OFF);
	assert_contains(err, "500 Internal Server Error");
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 1);

	/* Another URL is not held back by this one's failure. */
	assert_int_equal(kds_fetch_crl(fx->kds, SNP_PRODUCT_MILAN, false, &der, &len, err, sizeof(err)),
			 KDS_NOT_FOUND);

	pause_ms(1100);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_OK);
	assert_memory_equal(der, "vcek", 4);
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/v1/Milan/0001"), 2);
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 3);
	assert_int_equal(stats.errors, 2);
	assert_int_equal(stats.successes, 1);
	assert_int_equal(stats.backoff_refusals, 1);
}

static void test_503_backs_off_other_4xx_does_not(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char err[1024] = "";
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 5, 0);
	fake_kds_set_status(fx->fake, 403, 1, 0);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_HTTP_ERROR);
	assert_contains(err, "403 Forbidden");
	/* 400 has its own status: for a v2 report it means "not this
	 * product's chip", and the next product is asked. */
	fake_kds_set_status(fx->fake, 400, 1, 0);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BAD_REQUEST);
	assert_contains(err, "400 Bad Request");
	fake_kds_set_status(fx->fake, 503, 1, 0);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_HTTP_ERROR);
	assert_contains(err, "503 Service Unavailable");
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BACKING_OFF);
	assert_contains(err, "may try again in 5 s");
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 3);
}

static void test_network_error_backs_off(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char url[KDS_URL_MAX], err[1024] = "";
	struct kds_stats stats;
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 1, 0);
	/* Nothing listens on the fake's port once it is stopped. */
	fake_kds_stop(fx->fake);
	fx->fake = NULL;
	kds_vcek_url(fx->kds, v.product, v.chip_id, v.tcb, url, sizeof(url));
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_NETWORK_ERROR);
	assert_null(der);
	assert_contains(err, "KDS request for ");
	assert_contains(err, url);
	assert_contains(err, "not asking again for 1 s");
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_BACKING_OFF);
	assert_contains(err, "a network error");
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 1);
	assert_int_equal(stats.errors, 1);
	assert_int_equal(stats.backoff_refusals, 1);
}

static void test_body_larger_than_max_response(void **state)
{
	struct fixture *fx = *state;
	struct vector v = load_vector(fx, "milan-v2-trustee");
	char err[1024] = "";
	uint8_t *want, *der = NULL;
	size_t want_len, len = 0;

	client(fx, 1, 1000);
	want = read_shared(fx, "testdata/snp/milan-v2-trustee/vcek.der", &want_len);
	assert_true(want_len > 1000);
	serve_vcek(fx, &v, want, want_len);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_INVALID);
	assert_null(der);
	assert_int_equal(len, 0);
	assert_contains(err, "larger than 1000 bytes");
	assert_contains(err, "/vcek/v1/Milan/");
	/* An oversized body is not KDS being unwell: no back-off. */
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_INVALID);
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 2);
}

static void test_empty_body_is_invalid(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char err[1024] = "";
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 1, 0);
	serve_vcek(fx, &v, "", 0);
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_INVALID);
	assert_contains(err, "empty body");
}

static void test_zero_chip_id_refused(void **state)
{
	struct fixture *fx = *state;
	struct vector v = keylime_vector();
	char err[1024] = "";
	struct kds_stats stats;
	uint8_t *der = NULL;
	size_t len = 0;

	client(fx, 1, 0);
	memset(v.chip_id, 0, sizeof(v.chip_id));
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_INVALID);
	assert_contains(err, "CHIP_ID is all zero");
	assert_contains(err, "/vcek/v1/Milan/0000");

	/* Turin's hwid is the first 8 bytes: zero there is zero, whatever follows. */
	v.product = SNP_PRODUCT_TURIN;
	v.chip_id[8] = 1;
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_INVALID);
	assert_contains(err, "/vcek/v1/Turin/0000000000000000?");

	v.product = SNP_PRODUCT_UNKNOWN;
	v.chip_id[0] = 1;
	assert_int_equal(fetch_vcek(fx, &v, &der, &len, err, sizeof(err)), KDS_INVALID);
	assert_contains(err, "unknown");
	assert_int_equal(kds_fetch_crl(fx->kds, SNP_PRODUCT_UNKNOWN, false, &der, &len, NULL, 0), KDS_INVALID);

	assert_null(der);
	assert_int_equal(fake_kds_hits(fx->fake, "/"), 0);
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 0);
}

/* ---- concurrency ---- */

enum { THREADS = 8 };

struct worker {
	struct kds_client *kds;
	pthread_barrier_t *start;
	struct vector v;
	enum kds_status status;
	uint8_t *der;
	size_t len;
	char err[1024];
};

static void *worker_fetch(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->status = kds_fetch_vcek(w->kds, w->v.product, w->v.chip_id, w->v.tcb, &w->der, &w->len, w->err,
				   sizeof(w->err));
	return NULL;
}

/* Runs n workers at once (a barrier lines them up) and waits for all. */
static void run_workers(struct fixture *fx, struct worker *workers, size_t n)
{
	pthread_t threads[THREADS];
	pthread_barrier_t start;

	assert_true(n <= THREADS);
	assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (size_t i = 0; i < n; i++) {
		workers[i].kds = fx->kds;
		workers[i].start = &start;
		assert_int_equal(pthread_create(&threads[i], NULL, worker_fetch, &workers[i]), 0);
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	for (size_t i = 0; i < n; i++)
		if (workers[i].der)
			keep(fx, workers[i].der);
}

static void test_single_flight(void **state)
{
	struct fixture *fx = *state;
	struct worker workers[THREADS] = { 0 };
	struct vector v = load_vector(fx, "genoa-v5-oak");
	struct kds_stats stats;
	uint8_t *want;
	size_t want_len;

	client(fx, 1, 0);
	want = read_shared(fx, "testdata/snp/genoa-v5-oak/vcek.der", &want_len);
	serve_vcek(fx, &v, want, want_len);
	fake_kds_set_delay_ms(fx->fake, 300);
	for (size_t i = 0; i < THREADS; i++)
		workers[i].v = v;
	run_workers(fx, workers, THREADS);

	for (size_t i = 0; i < THREADS; i++) {
		if (workers[i].status != KDS_OK)
			fail_msg("worker %zu: %s: %s", i, kds_status_name(workers[i].status), workers[i].err);
		assert_int_equal(workers[i].len, want_len);
		assert_memory_equal(workers[i].der, want, want_len);
		/* Each caller owns its own copy. */
		for (size_t j = 0; j < i; j++)
			assert_ptr_not_equal(workers[i].der, workers[j].der);
	}
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 1);
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 1);
	assert_int_equal(stats.successes, 1);
	assert_int_equal(stats.coalesced, THREADS - 1);
}

static void test_single_flight_shares_failure(void **state)
{
	struct fixture *fx = *state;
	struct worker workers[4] = { 0 };
	struct kds_stats stats;

	client(fx, 1, 0);
	fake_kds_set_status(fx->fake, 429, 1, 0);
	fake_kds_set_delay_ms(fx->fake, 300);
	for (size_t i = 0; i < 4; i++)
		workers[i].v = keylime_vector();
	run_workers(fx, workers, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(workers[i].status, KDS_RATE_LIMITED);
		assert_null(workers[i].der);
		assert_contains(workers[i].err, "429 Too Many Requests");
	}
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 1);
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 1);
	assert_int_equal(stats.rate_limited, 1);
	assert_int_equal(stats.coalesced, 3);
}

static void test_different_urls_in_parallel(void **state)
{
	struct fixture *fx = *state;
	struct worker workers[4] = { 0 };
	struct kds_stats stats;

	client(fx, 1, 0);
	fake_kds_set_delay_ms(fx->fake, 400);
	for (size_t i = 0; i < 4; i++) {
		char der[16];

		workers[i].v = keylime_vector();
		workers[i].v.tcb.microcode = (uint8_t)(200 + i); /* four distinct URLs */
		snprintf(der, sizeof(der), "vcek-%zu", i);
		serve_vcek(fx, &workers[i].v, der, strlen(der));
	}
	run_workers(fx, workers, 4);
	for (size_t i = 0; i < 4; i++) {
		char der[16];

		if (workers[i].status != KDS_OK)
			fail_msg("worker %zu: %s", i, workers[i].err);
		snprintf(der, sizeof(der), "vcek-%zu", i);
		assert_int_equal(workers[i].len, strlen(der));
		assert_memory_equal(workers[i].der, der, workers[i].len);
	}
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 4);
	/* Single flight is per URL: distinct URLs overlapped at the fake. */
	assert_true(fake_kds_peak_concurrency(fx->fake) > 1);
	kds_stats(fx->kds, &stats);
	assert_int_equal(stats.requests, 4);
	assert_int_equal(stats.coalesced, 0);
}

/* ---- chains and CRLs ---- */

static void test_cert_chain_paths(void **state)
{
	struct fixture *fx = *state;
	static const enum snp_product products[] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA, SNP_PRODUCT_TURIN };

	client(fx, 1, 0);
	for (size_t i = 0; i < 3; i++) {
		for (int vlek = 0; vlek <= 1; vlek++) {
			const char *kind = vlek ? "vlek" : "vcek";
			char relative[256], target[128], err[1024] = "";
			char *pem = (char *)"junk";
			size_t want_len, pem_len = 99;
			uint8_t *want;

			snprintf(relative, sizeof(relative), "testdata/snp/amd/%s_%s_cert_chain.pem",
				 snp_product_file_name(products[i]), kind);
			want = read_shared(fx, relative, &want_len);
			snprintf(target, sizeof(target), "/%s/v1/%s/cert_chain", kind, snp_product_name(products[i]));
			put_target(fx, target, want, want_len);
			if (kds_fetch_cert_chain(fx->kds, products[i], vlek, &pem, &pem_len, err, sizeof(err)) !=
			    KDS_OK)
				fail_msg("%s: %s", target, err);
			keep(fx, pem);
			assert_int_equal(pem_len, want_len);
			assert_memory_equal(pem, want, want_len);
			assert_int_equal(strlen(pem), pem_len);
			assert_contains(err, target);
			assert_int_equal(fake_kds_hits(fx->fake, target), 1);
		}
	}
	assert_int_equal(fake_kds_hits(fx->fake, "/vcek/"), 3);
	assert_int_equal(fake_kds_hits(fx->fake, "/vlek/"), 3);
}

static void test_cert_chain_with_nul_is_invalid(void **state)
{
	struct fixture *fx = *state;
	char err[1024] = "";
	char *pem = NULL;
	size_t len = 0;

	client(fx, 1, 0);
	put_target(fx, "/vcek/v1/Milan/cert_chain", "-----BEGIN\0", 11);
	assert_int_equal(kds_fetch_cert_chain(fx->kds, SNP_PRODUCT_MILAN, false, &pem, &len, err, sizeof(err)),
			 KDS_INVALID);
	assert_null(pem);
	assert_contains(err, "NUL");
	assert_int_equal(kds_fetch_cert_chain(fx->kds, SNP_PRODUCT_GENOA, true, &pem, &len, err, sizeof(err)),
			 KDS_NOT_FOUND);
	assert_contains(err, "/vlek/v1/Genoa/cert_chain");
}

static void test_crl_paths(void **state)
{
	struct fixture *fx = *state;
	static const enum snp_product products[] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA, SNP_PRODUCT_TURIN };

	client(fx, 1, 0);
	for (size_t i = 0; i < 3; i++) {
		for (int vlek = 0; vlek <= 1; vlek++) {
			/* Not a real CRL (none is in testdata): the client does not parse
			 * it, and the NUL bytes show DER passes through untouched. */
			uint8_t want[] = { 0x30, 0x82, 0x00, 0x04, 0x00, (uint8_t)i, (uint8_t)vlek, 0xff };
			char target[128], err[1024] = "";
			uint8_t *der = NULL;
			size_t len = 0;

			snprintf(target, sizeof(target), "/%s/v1/%s/crl", vlek ? "vlek" : "vcek",
				 snp_product_name(products[i]));
			put_target(fx, target, want, sizeof(want));
			if (kds_fetch_crl(fx->kds, products[i], vlek, &der, &len, err, sizeof(err)) != KDS_OK)
				fail_msg("%s: %s", target, err);
			keep(fx, der);
			assert_int_equal(len, sizeof(want));
			assert_memory_equal(der, want, sizeof(want));
			assert_int_equal(fake_kds_hits(fx->fake, target), 1);
		}
	}
}

/* ---- fake KDS itself ---- */

static void test_fake_kds_path_rule(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(fake_kds_path("/r", "/vcek/v1/Milan/crl", out, sizeof(out)), 0);
	assert_string_equal(out, "/r/vcek/v1/Milan/crl");
	assert_int_equal(fake_kds_path("/r", "/vcek/v1/Milan/ab?blSPL=03&x=1", out, sizeof(out)), 0);
	assert_string_equal(out, "/r/vcek/v1/Milan/ab.blSPL=03&x=1");
	assert_int_equal(fake_kds_path("/r", "/vcek/v1/Milan/ab?", out, sizeof(out)), 0);
	assert_string_equal(out, "/r/vcek/v1/Milan/ab");
	assert_int_equal(fake_kds_path("/r", "/../etc/passwd", out, sizeof(out)), -1);
	assert_int_equal(fake_kds_path("/r", "/a?b/c", out, sizeof(out)), -1);
	assert_int_equal(fake_kds_path("/r", "/a%2e", out, sizeof(out)), -1);
	assert_int_equal(fake_kds_path("/r", "a", out, sizeof(out)), -1);
	assert_int_equal(fake_kds_path("/r", "/abc", out, 4), -1);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_url_milan_matches_keylime),
		TEST(test_url_turin_matches_oak),
		TEST(test_url_every_vector),
		TEST(test_url_unknown_product_or_small_buffer),
		TEST(test_client_config),
		TEST(test_fetch_every_vector_exact_bytes),
		TEST(test_not_found),
		TEST(test_rate_limited_then_backing_off),
		TEST(test_retry_after_shorter_than_backoff),
		TEST(test_backoff_expires_after_500),
		TEST(test_503_backs_off_other_4xx_does_not),
		TEST(test_network_error_backs_off),
		TEST(test_body_larger_than_max_response),
		TEST(test_empty_body_is_invalid),
		TEST(test_zero_chip_id_refused),
		TEST(test_single_flight),
		TEST(test_single_flight_shares_failure),
		TEST(test_different_urls_in_parallel),
		TEST(test_cert_chain_paths),
		TEST(test_cert_chain_with_nul_is_invalid),
		TEST(test_crl_paths),
		TEST(test_fake_kds_path_rule),
	};
	int failed;

	/* libcurl's global init is not thread-safe everywhere: once, first. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return failed;
}
