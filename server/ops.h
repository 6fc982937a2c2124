/* ops.h - the operations listener: plain HTTP, no client certificate, for
 * the kubelet and Prometheus. GET /healthz (the process answers), GET
 * /readyz (database usable, trust anchors loaded, not shutting down: 200,
 * else 503), GET /metrics (Prometheus text). Off unless ops_port is set. */
#ifndef TEEV_OPS_H
#define TEEV_OPS_H

#include <stddef.h>

struct app;
struct ops_server;

struct ops_server *ops_server_start(struct app *app, const char *ip, unsigned port, char *err,
				    size_t err_len);
unsigned ops_server_port(const struct ops_server *s);
void ops_server_stop(struct ops_server *s);

/* 1 when the application may take requests (also used by metrics). */
int ops_ready(struct app *app);

#endif
