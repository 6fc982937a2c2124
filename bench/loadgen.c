/*
 * loadgen.c - an HTTP/1.1 load generator for Keylime-compatible verifiers.
 *
 * N connections on libcurl's multi interface, each sending one request at a
 * time (keep-alive by default, or a fresh TCP+TLS connection per request),
 * for a fixed duration or a fixed number of requests, cycling through one or
 * more request bodies. Reports requests/s, latency percentiles and errors by
 * kind, as text and optionally JSON. `make bench` drives teev with it; any
 * other verifier speaking POST /vX.Y/verify/evidence over (m)TLS works too.
 *
 * Latency is measured from the moment a request is handed to libcurl to the
 * moment its answer is complete, so with keep-alive it is the server's
 * answer time plus one loopback round trip, and with --new-connection it
 * includes the full TLS handshake. Closed loop: a connection sends its next
 * request when the previous answer arrived (--rate caps the total).
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_CONNECTIONS 4096
#define MAX_FILES 64
#define MAX_FILE_SIZE (256L * 1024 * 1024)
#define MAX_SAMPLES ((size_t)200 * 1000 * 1000) /* latencies kept for percentiles */
#define MAX_KINDS 32                      /* distinct status / error kinds */
#define ERROR_SAMPLES 3                   /* error answers echoed to stderr */
#define VALID_SCAN_MAX 4096               /* bytes searched for "valid" */

struct options {
	const char *url;
	const char *cert, *key, *cacert;
	bool insecure;
	unsigned connections;
	double duration;  /* seconds; 0 = use requests */
	uint64_t requests; /* 0 = use duration */
	double warmup;
	double rate; /* requests/s over all connections; 0 = unlimited */
	bool new_connection;
	bool expect_valid;
	long timeout;
	const char *method;
	const char *json_path;
	double interval; /* progress lines on stderr; 0 = none */
	bool quiet;
	const char *files[MAX_FILES];
	size_t n_files;
};

struct body {
	char *data;
	size_t len;
	const char *path;
};

/* A counter per answer kind: "200", "500", "transport", "invalid", ... */
struct kind_count {
	char name[48];
	uint64_t count;
	bool error;
};

struct slot {
	CURL *easy;
	bool busy;
	bool counted; /* started after the warm-up */
	double started;
	char *answer;
	size_t answer_len, answer_cap;
	char error[CURL_ERROR_SIZE];
};

struct stats {
	uint32_t *latency_us;
	size_t n_latency, cap_latency;
	uint64_t done, ok, errors;
	uint64_t warmup_done; /* answers to warm-up requests, not measured */
	double max_ms, sum_ms;
	struct kind_count kinds[MAX_KINDS];
	size_t n_kinds;
	unsigned error_samples;
	double first_start, last_end;
	/* Progress interval. */
	uint64_t interval_done, interval_errors;
	double interval_max_ms;
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fputs("usage: loadgen [options] URL [REQUEST_FILE...]\n"
	      "\n"
	      "Sends requests to URL over HTTP/1.1 and reports throughput, latency and errors.\n"
	      "Each REQUEST_FILE is a request body (e.g. a Keylime verify/evidence JSON); they\n"
	      "are POSTed in turn. Without files, URL is fetched with GET.\n"
	      "\n"
	      "  URL                   e.g. https://127.0.0.1:8881/v2.5/verify/evidence\n"
	      "  --cert FILE           client certificate (PEM), e.g. cv_ca/client-cert.crt\n"
	      "  --key FILE            its private key (PEM), e.g. cv_ca/client-private.pem\n"
	      "  --cacert FILE         CA that signed the server certificate, e.g. cv_ca/cacert.crt\n"
	      "  -k, --insecure        do not verify the server certificate\n"
	      "  -c, --connections N   concurrent connections, 1-4096 (default 1)\n"
	      "  -d, --duration S      measure for S seconds (default 10)\n"
	      "  -n, --requests N      measure N requests instead of a duration\n"
	      "  -w, --warmup S        send load for S seconds first, not measured (default 0)\n"
	      "  -r, --rate R          at most R requests/s in total (default: as fast as answered)\n"
	      "  --new-connection      a fresh TCP+TLS connection (full handshake, no session\n"
	      "                        resumption) for every request; default is keep-alive\n"
	      "  --expect-valid        count a 2xx answer whose results.valid is not true as an\n"
	      "                        error (\"invalid\"); without it only non-2xx and transport\n"
	      "                        failures are errors\n"
	      "  -X, --method M        HTTP method (default POST with files, GET without)\n"
	      "  --timeout S           per-request timeout in seconds (default 60)\n"
	      "  --interval S          print a progress line to stderr every S seconds\n"
	      "  --json FILE           also write the summary as JSON to FILE ('-' = stdout)\n"
	      "  -q, --quiet           no text summary (use with --json)\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "Exit status: 0 when every measured request succeeded, 1 when any failed,\n"
	      "2 on bad usage or unreadable files.\n"
	      "\n"
	      "Example (teev or Keylime's verifier with a Keylime cv_ca folder):\n"
	      "  loadgen --cert cv_ca/client-cert.crt --key cv_ca/client-private.pem \\\n"
	      "          --cacert cv_ca/cacert.crt -c 8 -d 10 --expect-valid \\\n"
	      "          https://127.0.0.1:8881/v2.5/verify/evidence request1.json request2.json\n",
	      out);
}

static int parse_number(const char *text, double min, double max, double *out)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || !end || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Returns 0, or 2 after printing why the arguments are wrong. */
static int parse_args(int argc, char **argv, struct options *o)
{
	double v;

	*o = (struct options){.connections = 1, .timeout = 60};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "-k") == 0 || strcmp(a, "--insecure") == 0) {
			o->insecure = true;
			continue;
		}
		if (strcmp(a, "--new-connection") == 0) {
			o->new_connection = true;
			continue;
		}
		if (strcmp(a, "--expect-valid") == 0) {
			o->expect_valid = true;
			continue;
		}
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (!o->url)
				o->url = a;
			else if (o->n_files < MAX_FILES)
				o->files[o->n_files++] = a;
			else {
				fprintf(stderr, "loadgen: at most %d request files\n", MAX_FILES);
				return 2;
			}
			continue;
		}
		if (!next) {
			fprintf(stderr, "loadgen: %s needs a value\n", a);
			return 2;
		}
		if (strcmp(a, "--cert") == 0)
			o->cert = next;
		else if (strcmp(a, "--key") == 0)
			o->key = next;
		else if (strcmp(a, "--cacert") == 0)
			o->cacert = next;
		else if (strcmp(a, "-X") == 0 || strcmp(a, "--method") == 0)
			o->method = next;
		else if (strcmp(a, "--json") == 0)
			o->json_path = next;
		else if ((strcmp(a, "-c") == 0 || strcmp(a, "--connections") == 0) &&
			 parse_number(next, 1, MAX_CONNECTIONS, &v) == 0)
			o->connections = (unsigned)v;
		else if ((strcmp(a, "-d") == 0 || strcmp(a, "--duration") == 0) &&
			 parse_number(next, 0.001, 7 * 86400.0, &v) == 0)
			o->duration = v;
		else if ((strcmp(a, "-n") == 0 || strcmp(a, "--requests") == 0) &&
			 parse_number(next, 1, 1e12, &v) == 0)
			o->requests = (uint64_t)v;
		else if ((strcmp(a, "-w") == 0 || strcmp(a, "--warmup") == 0) &&
			 parse_number(next, 0, 3600, &v) == 0)
			o->warmup = v;
		else if ((strcmp(a, "-r") == 0 || strcmp(a, "--rate") == 0) &&
			 parse_number(next, 0.001, 1e7, &v) == 0)
			o->rate = v;
		else if (strcmp(a, "--timeout") == 0 && parse_number(next, 1, 3600, &v) == 0)
			o->timeout = (long)v;
		else if (strcmp(a, "--interval") == 0 && parse_number(next, 0.1, 3600, &v) == 0)
			o->interval = v;
		else
			takes = false;
		if (!takes) {
			fprintf(stderr, "loadgen: bad option or value: %s %s (see --help)\n", a, next);
			return 2;
		}
		i++;
	}
	if (!o->url) {
		usage(stderr);
		return 2;
	}
	if (o->duration > 0 && o->requests > 0) {
		fprintf(stderr, "loadgen: give -d or -n, not both\n");
		return 2;
	}
	if (o->duration == 0 && o->requests == 0)
		o->duration = 10;
	if (!o->method)
		o->method = o->n_files ? "POST" : "GET";
	return 0;
}

static int read_body(const char *path, struct body *b)
{
	FILE *fp = fopen(path, "rb");
	long size = -1;

	b->path = path;
	if (!fp) {
		fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) == 0)
		size = ftell(fp);
	if (size < 0 || size > MAX_FILE_SIZE || fseek(fp, 0, SEEK_SET) != 0) {
		fprintf(stderr, "loadgen: %s: unreadable or larger than %ld bytes\n", path,
			MAX_FILE_SIZE);
		fclose(fp);
		return -1;
	}
	b->data = malloc((size_t)size + 1);
	if (!b->data || fread(b->data, 1, (size_t)size, fp) != (size_t)size) {
		fprintf(stderr, "loadgen: %s: read failed\n", path);
		fclose(fp);
		return -1;
	}
	b->data[size] = '\0';
	b->len = (size_t)size;
	fclose(fp);
	return 0;
}

static size_t collect_answer(char *data, size_t size, size_t n, void *userdata)
{
	struct slot *s = userdata;
	size_t add = size * n;

	if (s->answer_len + add + 1 > s->answer_cap) {
		size_t cap = s->answer_cap ? s->answer_cap : 16384;
		char *grown;
		while (cap < s->answer_len + add + 1 && cap < SIZE_MAX / 2)
			cap *= 2;
		grown = realloc(s->answer, cap);
		if (!grown)
			return 0; /* libcurl reports a write error */
		s->answer = grown;
		s->answer_cap = cap;
	}
	memcpy(s->answer + s->answer_len, data, add);
	s->answer_len += add;
	s->answer[s->answer_len] = '\0';
	return add;
}

/* Keylime's envelope puts "results" after "code" and "status", and "valid"
 * first in it, so the first "valid" key near the start is the verdict,
 * whatever the claims echo later. Accepts both compact and ", "-style JSON. */
static bool answer_is_valid(const char *answer, size_t len)
{
	static const char key[] = "\"valid\"";
	size_t scan = len < VALID_SCAN_MAX ? len : VALID_SCAN_MAX;
	const char *at = memmem(answer, scan, key, sizeof(key) - 1);
	const char *end = answer + scan;

	if (!at)
		return false;
	at += sizeof(key) - 1;
	while (at < end && (*at == ' ' || *at == ':'))
		at++;
	/* cppcheck assumes an empty answer from the call site's reset. */
	// cppcheck-suppress knownConditionTrueFalse
	return end - at >= 4 && memcmp(at, "true", 4) == 0;
}

static struct kind_count *find_kind(struct stats *st, const char *name)
{
	for (size_t i = 0; i < st->n_kinds; i++)
		if (strcmp(st->kinds[i].name, name) == 0)
			return &st->kinds[i];
	return NULL;
}

/* Counts an answer kind; the last slot, "other", collects kinds beyond the
 * table (only "other" can take it, so the table never overflows). */
static void count_kind(struct stats *st, const char *name, bool error)
{
	struct kind_count *k = find_kind(st, name);

	if (!k && st->n_kinds >= MAX_KINDS - 1) {
		name = "other";
		k = find_kind(st, name);
	}
	if (!k) {
		k = &st->kinds[st->n_kinds++];
		snprintf(k->name, sizeof(k->name), "%s", name);
	}
	k->count++;
	k->error |= error;
}

static void record_latency(struct stats *st, double ms)
{
	if (st->n_latency == st->cap_latency && st->cap_latency < MAX_SAMPLES) {
		size_t cap = st->cap_latency ? st->cap_latency * 2 : 65536;
		uint32_t *grown;
		if (cap > MAX_SAMPLES)
			cap = MAX_SAMPLES;
		grown = realloc(st->latency_us, cap * sizeof(*grown));
		if (grown) {
			st->latency_us = grown;
			st->cap_latency = cap;
		}
	}
	if (st->n_latency < st->cap_latency) {
		double us = ms * 1000.0;
		st->latency_us[st->n_latency++] = us > (double)UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	}
	st->sum_ms += ms;
	if (ms > st->max_ms)
		st->max_ms = ms;
	if (ms > st->interval_max_ms)
		st->interval_max_ms = ms;
}

/* Classifies one finished request: status and, with --expect-valid, the verdict. */
static void finish(const struct options *o, struct stats *st, struct slot *s, CURLcode rc,
		   double end)
{
	long status = 0;
	char kind[48];
	bool error;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		snprintf(kind, sizeof(kind), "transport");
		error = true;
	} else if (status < 200 || status > 299) {
		snprintf(kind, sizeof(kind), "%ld", status);
		error = true;
	} else if (o->expect_valid && !answer_is_valid(s->answer ? s->answer : "", s->answer_len)) {
		snprintf(kind, sizeof(kind), "invalid");
		error = true;
	} else {
		snprintf(kind, sizeof(kind), "%ld", status);
		error = false;
	}
	if (!s->counted) {
		st->warmup_done++;
		return;
	}
	st->done++;
	st->interval_done++;
	if (error) {
		st->errors++;
		st->interval_errors++;
		if (st->error_samples < ERROR_SAMPLES) {
			st->error_samples++;
			fprintf(stderr, "loadgen: error (%s, HTTP %ld): %s%.300s\n", kind, status,
				rc != CURLE_OK ? s->error : "", rc == CURLE_OK && s->answer ? s->answer : "");
		}
	} else {
		st->ok++;
	}
	count_kind(st, kind, error);
	record_latency(st, (end - s->started) * 1000.0);
	if (end > st->last_end)
		st->last_end = end;
}

static int setup_slot(const struct options *o, struct slot *s, struct curl_slist *headers)
{
	s->easy = curl_easy_init();
	if (!s->easy)
		return -1;
	curl_easy_setopt(s->easy, CURLOPT_URL, o->url);
	curl_easy_setopt(s->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT, o->timeout);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->error);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, collect_answer);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(s->easy, CURLOPT_CUSTOMREQUEST, o->method);
	if (o->cert)
		curl_easy_setopt(s->easy, CURLOPT_SSLCERT, o->cert);
	if (o->key)
		curl_easy_setopt(s->easy, CURLOPT_SSLKEY, o->key);
	if (o->cacert)
		curl_easy_setopt(s->easy, CURLOPT_CAINFO, o->cacert);
	if (o->insecure) {
		curl_easy_setopt(s->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(s->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->new_connection) {
		/* Full handshakes: no reuse and no TLS session resumption. */
		curl_easy_setopt(s->easy, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(s->easy, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(s->easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	return 0;
}

static void start_request(const struct options *o, const struct body *bodies, uint64_t seq,
			  struct slot *s, CURLM *multi, bool counted)
{
	if (o->n_files) {
		const struct body *b = &bodies[seq % o->n_files];
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, b->data);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	}
	s->answer_len = 0;
	s->error[0] = '\0';
	s->busy = true;
	s->counted = counted;
	s->started = now_seconds();
	curl_multi_add_handle(multi, s->easy);
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples, in milliseconds. */
static double percentile(const struct stats *st, double p)
{
	size_t rank;

	if (st->n_latency == 0)
		return 0;
	rank = (size_t)(p * (double)st->n_latency + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > st->n_latency)
		rank = st->n_latency;
	return st->latency_us[rank - 1] / 1000.0;
}

struct summary {
	double seconds, rps, mean, p50, p90, p99, max, min, client_cpu;
};

static void summarize(struct stats *st, struct summary *sum)
{
	struct rusage ru;

	if (st->n_latency > 1)
		qsort(st->latency_us, st->n_latency, sizeof(*st->latency_us), compare_u32);
	*sum = (struct summary){0};
	sum->seconds = st->last_end > st->first_start ? st->last_end - st->first_start : 0;
	sum->rps = sum->seconds > 0 ? (double)st->done / sum->seconds : 0;
	sum->mean = st->done ? st->sum_ms / (double)st->done : 0;
	sum->p50 = percentile(st, 0.50);
	sum->p90 = percentile(st, 0.90);
	sum->p99 = percentile(st, 0.99);
	sum->max = st->max_ms;
	sum->min = st->n_latency ? st->latency_us[0] / 1000.0 : 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		sum->client_cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void print_text(const struct options *o, const struct stats *st, const struct summary *s)
{
	printf("loadgen: %s %s, %u connection%s, %s, %zu request file%s\n", o->method, o->url,
	       o->connections, o->connections == 1 ? "" : "s",
	       o->new_connection ? "new TLS connection per request" : "keep-alive", o->n_files,
	       o->n_files == 1 ? "" : "s");
	printf("  requests    %" PRIu64 " in %.2f s (%" PRIu64 " ok, %" PRIu64 " errors)\n",
	       st->done, s->seconds, st->ok, st->errors);
	printf("  throughput  %.1f requests/s\n", s->rps);
	printf("  latency ms  mean %.2f  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", s->mean, s->p50,
	       s->p90, s->p99, s->max);
	printf("  answers    ");
	for (size_t i = 0; i < st->n_kinds; i++)
		printf(" %s%s: %" PRIu64, st->kinds[i].name, st->kinds[i].error ? " (error)" : "",
		       st->kinds[i].count);
	printf("%s\n", st->n_kinds ? "" : " none");
	printf("  client CPU  %.2f s\n", s->client_cpu);
}

static int write_json(const struct options *o, const struct stats *st, const struct summary *s)
{
	FILE *fp = strcmp(o->json_path, "-") == 0 ? stdout : fopen(o->json_path, "w");
	bool first = true;

	if (!fp) {
		fprintf(stderr, "loadgen: %s: %s\n", o->json_path, strerror(errno));
		return -1;
	}
	fprintf(fp, "{\n");
	fprintf(fp, "  \"url\": \"%s\",\n", o->url); /* URLs carry no quotes or backslashes */
	fprintf(fp, "  \"method\": \"%s\",\n", o->method);
	fprintf(fp, "  \"connections\": %u,\n", o->connections);
	fprintf(fp, "  \"new_connection\": %s,\n", o->new_connection ? "true" : "false");
	fprintf(fp, "  \"request_files\": %zu,\n", o->n_files);
	fprintf(fp, "  \"requests\": %" PRIu64 ",\n", st->done);
	fprintf(fp, "  \"ok\": %" PRIu64 ",\n", st->ok);
	fprintf(fp, "  \"warmup_requests\": %" PRIu64 ",\n", st->warmup_done);
	fprintf(fp, "  \"errors\": %" PRIu64 ",\n", st->errors);
	fprintf(fp, "  \"seconds\": %.4f,\n", s->seconds);
	fprintf(fp, "  \"requests_per_second\": %.2f,\n", s->rps);
	fprintf(fp, "  \"latency_ms_mean\": %.3f,\n", s->mean);
	fprintf(fp, "  \"latency_ms_min\": %.3f,\n", s->min);
	fprintf(fp, "  \"latency_ms_p50\": %.3f,\n", s->p50);
	fprintf(fp, "  \"latency_ms_p90\": %.3f,\n", s->p90);
	fprintf(fp, "  \"latency_ms_p99\": %.3f,\n", s->p99);
	fprintf(fp, "  \"latency_ms_max\": %.3f,\n", s->max);
	fprintf(fp, "  \"client_cpu_seconds\": %.3f,\n", s->client_cpu);
	fprintf(fp, "  \"answers\": {");
	for (size_t i = 0; i < st->n_kinds; i++) {
		fprintf(fp, "%s\"%s\": %" PRIu64, first ? "" : ", ", st->kinds[i].name,
			st->kinds[i].count);
		first = false;
	}
	fprintf(fp, "},\n  \"error_kinds\": {");
	first = true;
	for (size_t i = 0; i < st->n_kinds; i++) {
		if (!st->kinds[i].error)
			continue;
		fprintf(fp, "%s\"%s\": %" PRIu64, first ? "" : ", ", st->kinds[i].name,
			st->kinds[i].count);
		first = false;
	}
	fprintf(fp, "}\n}\n");
	if (fp != stdout && fclose(fp) != 0)
		return -1;
	return 0;
}

/* True while the run may start another measured or warm-up request. */
static bool may_start(const struct options *o, uint64_t started_measured, double now,
		      double measure_start)
{
	if (now < measure_start)
		return true; /* warm-up */
	if (o->requests)
		return started_measured < o->requests;
	return now < measure_start + o->duration;
}

static void progress(const struct options *o, struct stats *st, double now, double t0,
		     double *next_report)
{
	if (o->interval <= 0 || now < *next_report)
		return;
	fprintf(stderr, "loadgen: t=%.0fs  %.1f requests/s  errors %" PRIu64 "  max %.1f ms\n",
		now - t0, (double)st->interval_done / o->interval, st->interval_errors,
		st->interval_max_ms);
	fflush(stderr);
	st->interval_done = st->interval_errors = 0;
	st->interval_max_ms = 0;
	*next_report += o->interval;
}

/* Gives up on requests still in flight at the hard stop: each is an error. */
static void abandon(const struct options *o, struct slot *slots, CURLM *multi, struct stats *st,
		    unsigned in_flight)
{
	fprintf(stderr, "loadgen: %u requests still in flight at the hard stop\n", in_flight);
	for (unsigned i = 0; i < o->connections; i++) {
		if (!slots[i].busy)
			continue;
		curl_multi_remove_handle(multi, slots[i].easy);
		slots[i].busy = false;
		if (slots[i].counted) {
			st->done++;
			st->errors++;
			count_kind(st, "timeout", true);
		}
	}
}

/* The run: keeps every idle connection busy until the measured part is done,
 * then waits for the answers in flight. It ends by itself: no new request
 * after the duration or count, and the loop never runs past hard_stop (the
 * planned end plus one per-request timeout; with -n, a budget of one timeout
 * per request). */
static int run(const struct options *o, const struct body *bodies, struct slot *slots,
	       CURLM *multi, struct stats *st)
{
	double t0 = now_seconds();
	double measure_start = t0 + o->warmup;
	double planned_end = o->requests ? measure_start + (double)o->requests * (double)o->timeout
					 : measure_start + o->duration;
	double hard_stop = planned_end + (double)o->timeout + 5;
	double next_report = measure_start + o->interval;
	double now = t0;
	uint64_t seq = 0, started_measured = 0, started_total = 0;
	unsigned in_flight = 0;

	st->first_start = measure_start;
	while (now <= hard_stop) {
		int running = 0;
		unsigned freed = 0;
		CURLMsg *msg;
		int left;

		for (unsigned i = 0; i < o->connections; i++) {
			bool counted;
			if (slots[i].busy || !may_start(o, started_measured, now, measure_start))
				continue;
			if (o->rate > 0 && (double)started_total > (now - t0) * o->rate)
				break; /* ahead of the requested rate */
			counted = now >= measure_start;
			if (counted && started_measured == 0 && o->requests)
				st->first_start = now;
			start_request(o, bodies, seq++, &slots[i], multi, counted);
			started_total++;
			started_measured += counted;
			in_flight++;
		}
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			return -1;
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *s = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			finish(o, st, s, msg->data.result, now_seconds());
			curl_multi_remove_handle(multi, msg->easy_handle);
			s->busy = false;
			in_flight--;
			freed++;
		}
		now = now_seconds();
		progress(o, st, now, measure_start, &next_report);
		if (in_flight == 0 && !may_start(o, started_measured, now, measure_start))
			break;
		/* A freed connection starts its next request at once; otherwise
		 * wait for sockets (or the next slot of --rate). */
		if (freed == 0 || o->rate > 0)
			curl_multi_poll(multi, NULL, 0, o->rate > 0 ? 1 : 100, NULL);
		now = now_seconds();
	}
	if (in_flight > 0)
		abandon(o, slots, multi, st, in_flight);
	if (st->last_end == 0)
		st->last_end = now_seconds();
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct body bodies[MAX_FILES] = {0};
	struct slot *slots = NULL;
	struct stats st = {0};
	struct summary sum;
	struct curl_slist *headers = NULL;
	CURLM *multi = NULL;
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc;
	for (size_t i = 0; i < o.n_files; i++)
		if (read_body(o.files[i], &bodies[i]))
			return 2;
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		return 2;
	/* No "Expect: 100-continue" round trip for large bodies. */
	headers = curl_slist_append(headers, "Expect:");
	if (o.n_files)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	multi = curl_multi_init();
	slots = calloc(o.connections, sizeof(*slots));
	if (!multi || !slots || !headers) {
		rc = 2;
		goto out;
	}
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o.connections);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o.connections);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)o.connections);
	for (unsigned i = 0; i < o.connections; i++) {
		if (setup_slot(&o, &slots[i], headers)) {
			rc = 2;
			goto out;
		}
	}
	if (run(&o, bodies, slots, multi, &st)) {
		fprintf(stderr, "loadgen: libcurl's multi interface failed\n");
		rc = 2;
		goto out;
	}
	summarize(&st, &sum);
	if (!o.quiet)
		print_text(&o, &st, &sum);
	if (o.json_path && write_json(&o, &st, &sum)) {
		rc = 2;
		goto out;
	}
	rc = st.errors || st.done == 0 ? 1 : 0;
out:
	for (unsigned i = 0; slots && i < o.connections; i++) {
		if (slots[i].easy)
			curl_easy_cleanup(slots[i].easy);
		free(slots[i].answer);
	}
	free(slots);
	if (multi)
		curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	for (size_t i = 0; i < o.n_files; i++)
		free(bodies[i].data);
	free(st.latency_us);
	curl_global_cleanup();
	return rc;
}
