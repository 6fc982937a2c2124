/* metrics.c - bounded, locked counters and their Prometheus rendering (see metrics.h). */
#include "server/metrics.h"

#include "server/commands.h"
#include "verifier/failures.h"
#include "verifier/p384.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REQUEST_SERIES 64
#define MAX_VERDICT_SERIES 16
#define MAX_FAILURE_SERIES 256

static const double latency_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					 0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
#define BUCKETS (sizeof(latency_buckets) / sizeof(latency_buckets[0]))

struct request_series {
	char route[32];
	int status;
	uint64_t count;
};

struct latency_series {
	char route[32];
	uint64_t buckets[BUCKETS];
	uint64_t count;
	double sum;
};

struct verdict_series {
	char type[8];
	char result[12];
	uint64_t count;
};

struct failure_series {
	char id[FAILURE_TYPE_MAX];
	uint64_t count;
};

struct metrics {
	pthread_mutex_t lock;
	size_t n_requests, n_latencies, n_verdicts, n_failures;
	struct request_series requests[MAX_REQUEST_SERIES];
	struct latency_series latencies[MAX_REQUEST_SERIES];
	struct verdict_series verdicts[MAX_VERDICT_SERIES];
	struct failure_series failures[MAX_FAILURE_SERIES];
	uint64_t events[METRICS_EVENT_COUNT]; /* atomic */
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void metrics_event(struct metrics *m, enum metrics_event e)
{
	if (m && e < METRICS_EVENT_COUNT)
		__atomic_add_fetch(&m->events[e], 1, __ATOMIC_RELAXED);
}

static uint64_t event_count(struct metrics *m, enum metrics_event e)
{
	return __atomic_load_n(&m->events[e], __ATOMIC_RELAXED);
}

void metrics_route_label(const char *path, char *out, size_t cap)
{
	static const char *const known[] = {"verify/evidence", "teepolicies", "tpmpolicies",
					    "allowlists", "mbpolicies", "verifications"};
	const char *rest;

	if (strcmp(path, "/version") == 0) {
		snprintf(out, cap, "/version");
		return;
	}
	rest = path[0] == '/' ? strchr(path + 1, '/') : NULL;
	for (size_t i = 0; rest && i < sizeof(known) / sizeof(known[0]); i++) {
		size_t n = strlen(known[i]);
		if (strncmp(rest + 1, known[i], n) == 0 && (rest[1 + n] == '\0' || rest[1 + n] == '/')) {
			snprintf(out, cap, "/%s", known[i]);
			return;
		}
	}
	snprintf(out, cap, "other");
}

void metrics_request(struct metrics *m, const char *route, int status, double seconds)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_requests; i++)
		if (m->requests[i].status == status && strcmp(m->requests[i].route, route) == 0)
			break;
	if (i == m->n_requests && m->n_requests < MAX_REQUEST_SERIES) {
		snprintf(m->requests[i].route, sizeof(m->requests[i].route), "%s", route);
		m->requests[i].status = status;
		m->n_requests++;
	}
	if (i < m->n_requests)
		m->requests[i].count++;

	for (i = 0; i < m->n_latencies; i++)
		if (strcmp(m->latencies[i].route, route) == 0)
			break;
	if (i == m->n_latencies && m->n_latencies < MAX_REQUEST_SERIES) {
		snprintf(m->latencies[i].route, sizeof(m->latencies[i].route), "%s", route);
		m->n_latencies++;
	}
	if (i < m->n_latencies) {
		struct latency_series *l = &m->latencies[i];
		for (size_t b = 0; b < BUCKETS; b++)
			if (seconds <= latency_buckets[b])
				l->buckets[b]++;
		l->count++;
		l->sum += seconds;
	}
	pthread_mutex_unlock(&m->lock);
}

static void count_failure(struct metrics *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->n_failures; i++)
		if (strcmp(m->failures[i].id, id) == 0)
			break;
	if (i == m->n_failures) {
		if (m->n_failures == MAX_FAILURE_SERIES - 1)
			id = "other"; /* the last slot collects the rest */
		for (i = 0; i < m->n_failures; i++)
			if (strcmp(m->failures[i].id, id) == 0)
				break;
		if (i == m->n_failures) {
			snprintf(m->failures[i].id, sizeof(m->failures[i].id), "%s", id);
			m->n_failures++;
		}
	}
	m->failures[i].count++;
}

void metrics_verdict(struct metrics *m, const char *type, const char *result,
		     const struct failures *f)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_verdicts; i++)
		if (strcmp(m->verdicts[i].type, type) == 0 && strcmp(m->verdicts[i].result, result) == 0)
			break;
	if (i == m->n_verdicts && m->n_verdicts < MAX_VERDICT_SERIES) {
		snprintf(m->verdicts[i].type, sizeof(m->verdicts[i].type), "%s", type);
		snprintf(m->verdicts[i].result, sizeof(m->verdicts[i].result), "%s", result);
		m->n_verdicts++;
	}
	if (i < m->n_verdicts)
		m->verdicts[i].count++;
	for (size_t j = 0; f && j < f->count; j++)
		count_failure(m, f->items[j].type);
	pthread_mutex_unlock(&m->lock);
}

/* A growing text buffer for the exposition. */
struct text {
	char *data;
	size_t len, cap;
	bool failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		char *grown = realloc(t->data, t->cap * 2);
		if (!grown) {
			t->failed = true;
			return;
		}
		t->data = grown;
		t->cap *= 2;
	}
}

static void counter(struct text *t, const char *name, const char *help, uint64_t value)
{
	put(t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
	    (unsigned long long)value);
}

static void gauge(struct text *t, const char *name, const char *help, uint64_t value)
{
	put(t, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name,
	    (unsigned long long)value);
}

char *metrics_render(struct metrics *m, const struct metrics_gauges *g)
{
	struct text t = {.data = malloc(8192), .cap = 8192};
	uint64_t closed, admitted;

	if (!t.data)
		return NULL;
	t.data[0] = '\0';
	put(&t,
	    "# HELP teev_build_info The version of this teev and what checks SNP report "
	    "signatures (nettle or openssl).\n# TYPE teev_build_info gauge\n"
	    "teev_build_info{version=\"%s\",p384=\"%s\"} 1\n",
	    TEEV_VERSION, p384_implementation());
	gauge(&t, "teev_ready", "1 when the server is ready to answer (database, trust anchors, not stopping).",
	      (uint64_t)g->ready);

	pthread_mutex_lock(&m->lock);
	put(&t, "# HELP teev_http_requests_total HTTP requests by route and status.\n"
		"# TYPE teev_http_requests_total counter\n");
	for (size_t i = 0; i < m->n_requests; i++)
		put(&t, "teev_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", m->requests[i].route,
		    m->requests[i].status, (unsigned long long)m->requests[i].count);
	put(&t, "# HELP teev_http_request_duration_seconds Time from request to answer, by route.\n"
		"# TYPE teev_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->n_latencies; i++) {
		const struct latency_series *l = &m->latencies[i];
		for (size_t b = 0; b < BUCKETS; b++)
			put(&t, "teev_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    l->route, latency_buckets[b], (unsigned long long)l->buckets[b]);
		put(&t, "teev_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
		    l->route, (unsigned long long)l->count);
		put(&t, "teev_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", l->route, l->sum);
		put(&t, "teev_http_request_duration_seconds_count{route=\"%s\"} %llu\n", l->route,
		    (unsigned long long)l->count);
	}
	put(&t, "# HELP teev_verdicts_total Verdicts by evidence type and result.\n"
		"# TYPE teev_verdicts_total counter\n");
	for (size_t i = 0; i < m->n_verdicts; i++)
		put(&t, "teev_verdicts_total{type=\"%s\",result=\"%s\"} %llu\n", m->verdicts[i].type,
		    m->verdicts[i].result, (unsigned long long)m->verdicts[i].count);
	put(&t, "# HELP teev_verdict_failures_total Failures in verdicts, by failure id.\n"
		"# TYPE teev_verdict_failures_total counter\n");
	for (size_t i = 0; i < m->n_failures; i++)
		put(&t, "teev_verdict_failures_total{id=\"%s\"} %llu\n", m->failures[i].id,
		    (unsigned long long)m->failures[i].count);
	pthread_mutex_unlock(&m->lock);

	counter(&t, "teev_kds_requests_total", "Requests sent to AMD KDS.", g->kds_requests);
	counter(&t, "teev_kds_successes_total", "KDS requests answered 200.", g->kds_successes);
	counter(&t, "teev_kds_rate_limited_total", "KDS requests answered 429.", g->kds_rate_limited);
	counter(&t, "teev_kds_errors_total", "KDS requests that failed otherwise.", g->kds_errors);
	counter(&t, "teev_kds_coalesced_total", "Fetches that joined one already in flight.",
		g->kds_coalesced);
	counter(&t, "teev_vek_cache_hits_total", "Endorsement keys served from the in-memory cache.",
		g->vek_cache_hits);
	counter(&t, "teev_vek_cache_misses_total", "Endorsement keys not in the in-memory cache.",
		g->vek_cache_misses);
	counter(&t, "teev_verification_log_appended_total", "Verdicts offered to the verification log.",
		g->log_appended);
	counter(&t, "teev_verification_log_written_total", "Verdicts written to the database.",
		g->log_written);
	counter(&t, "teev_verification_log_dropped_total", "Verdicts dropped because the queue was full.",
		g->log_dropped);
	counter(&t, "teev_verification_log_write_failures_total",
		"Batch writes that failed (disk full, read-only, busy); their verdicts stay queued.",
		g->log_write_failures);
	counter(&t, "teev_verification_log_lost_total",
		"Verdicts given up: not storable, or storage still failing at shutdown.", g->log_lost);
	gauge(&t, "teev_verification_log_queue_depth", "Verdicts waiting to be written.", g->log_queued);
	put(&t, "# HELP teev_connections_refused_total Connections closed at accept, by the limit "
		"reached.\n# TYPE teev_connections_refused_total counter\n"
		"teev_connections_refused_total{reason=\"max_connections\"} %llu\n"
		"teev_connections_refused_total{reason=\"per_ip_connection_limit\"} %llu\n",
	    (unsigned long long)event_count(m, METRICS_CONN_REFUSED_MAX),
	    (unsigned long long)event_count(m, METRICS_CONN_REFUSED_PER_IP));
	/* Closed first: every connection is admitted before it closes, so the
	 * difference cannot go below zero. */
	closed = event_count(m, METRICS_CONN_CLOSED);
	admitted = event_count(m, METRICS_CONN_ADMITTED);
	counter(&t, "teev_connections_accepted_total", "Connections admitted on the API port.",
		admitted);
	gauge(&t, "teev_connections_open", "Connections open on the API port now.",
	      admitted - closed);
	counter(&t, "teev_handshake_timeouts_total",
		"Connections closed for not finishing the TLS handshake and first request line in "
		"tls_handshake_timeout.",
		event_count(m, METRICS_CONN_HANDSHAKE_TIMEOUT));
	counter(&t, "teev_body_memory_refusals_total",
		"Requests answered 503 because their body would exceed max_body_memory.",
		event_count(m, METRICS_BODY_MEMORY_REFUSED));
	gauge(&t, "teev_body_memory_bytes", "Bytes reserved for request bodies now.",
	      g->body_memory_bytes);
	counter(&t, "teev_anonymous_refusals_total",
		"Anonymous requests answered 503 because anonymous_max_requests were in flight.",
		event_count(m, METRICS_ANONYMOUS_REFUSED));
	gauge(&t, "teev_anonymous_requests_in_flight", "Anonymous requests being served now.",
	      g->anonymous_in_flight);
	counter(&t, "teev_policy_compilations_total",
		"Stored policies compiled (again after each policy change).", g->policy_compilations);
	if (t.failed) {
		free(t.data);
		return NULL;
	}
	return t.data;
}
