/* ops.c - /healthz, /readyz and /metrics on a plain loopback/cluster port (see ops.h). */
#include "server/ops.h"

#include "db/db.h"
#include "db/verification_log.h"
#include "policy/policy_cache.h"
#include "server/app.h"
#include "server/log.h"
#include "server/metrics.h"
#include "verifier/kds.h"
#include "verifier/snp_verify.h"
#include "verifier/vek_cache.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ops_server {
	struct MHD_Daemon *daemon;
	struct app *app;
	unsigned port;
};

int ops_ready(struct app *app)
{
	/* Ready: not stopping, trust anchors present, database answering. */
	return __atomic_load_n(&app->ready, __ATOMIC_RELAXED) && app->snp &&
	       snp_trust_product_count(&app->snp->trust) > 0 && app->db &&
	       db_change_counter(app->db) >= 0;
}

static void collect_gauges(struct app *app, struct metrics_gauges *g)
{
	memset(g, 0, sizeof(*g));
	g->ready = ops_ready(app);
	g->body_memory_bytes = __atomic_load_n(&app->body_bytes, __ATOMIC_RELAXED);
	g->anonymous_in_flight = __atomic_load_n(&app->anonymous_requests, __ATOMIC_RELAXED);
	if (app->kds) {
		struct kds_stats k;
		kds_stats(app->kds, &k);
		g->kds_requests = k.requests;
		g->kds_successes = k.successes;
		g->kds_rate_limited = k.rate_limited;
		g->kds_errors = k.errors;
		g->kds_coalesced = k.coalesced;
	}
	if (app->snp && app->snp->cache) {
		struct vek_cache_stats c;
		vek_cache_stats(app->snp->cache, &c);
		g->vek_cache_hits = c.hits;
		g->vek_cache_misses = c.misses;
	}
	if (app->policies)
		g->policy_compilations = policy_cache_compilations(app->policies);
	if (app->log) {
		struct verification_log_stats l;
		verification_log_stats(app->log, &l);
		g->log_appended = l.appended;
		g->log_written = l.written;
		g->log_dropped = l.dropped;
		g->log_write_failures = l.write_failures;
		g->log_lost = l.lost;
		g->log_queued = l.queued;
	}
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     char *body, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct ops_server *s = cls;
	(void)version;
	(void)upload_data;

	/* Answer on the first call: these routes take no body. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, 405, "text/plain", "only GET\n", MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/healthz") == 0)
		return reply(c, 200, "text/plain", "ok\n", MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/readyz") == 0)
		return ops_ready(s->app) ? reply(c, 200, "text/plain", "ready\n", MHD_RESPMEM_PERSISTENT)
					 : reply(c, 503, "text/plain", "not ready\n", MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") == 0 && s->app->metrics) {
		struct metrics_gauges g;
		char *text;
		collect_gauges(s->app, &g);
		text = metrics_render(s->app->metrics, &g);
		if (!text)
			return reply(c, 500, "text/plain", "out of memory\n", MHD_RESPMEM_PERSISTENT);
		return reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", text,
			     MHD_RESPMEM_MUST_FREE);
	}
	return reply(c, 404, "text/plain", "not found (healthz, readyz, metrics)\n",
		     MHD_RESPMEM_PERSISTENT);
}

struct ops_server *ops_server_start(struct app *app, const char *ip, unsigned port, char *err,
				    size_t err_len)
{
	struct ops_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage addr;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	memset(&addr, 0, sizeof(addr));
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, err_len, "ops_ip \"%s\" is not an IPv4 or IPv6 address", ip);
		free(s);
		return NULL;
	}
	s->app = app;
	s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				     MHD_OPTION_CONNECTION_LIMIT, 64u,
				     MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, err_len, "cannot listen on %s port %u for operations (in use?)", ip, port);
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : port;
	log_info("operations listener on http://%s%s%s:%u/ (healthz, readyz, metrics)",
		 strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "", s->port);
	return s;
}

unsigned ops_server_port(const struct ops_server *s)
{
	return s->port;
}

void ops_server_stop(struct ops_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
