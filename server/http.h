/* http.h - the mTLS listener (libmicrohttpd + GnuTLS).
 *
 * TLS 1.2+ only. Every request's connection must present a client certificate
 * that chains to trusted_client_ca and is valid for TLS client use; the check
 * runs once per connection, before any route sees the request. Bodies are
 * bounded by max_upload_size; idle connections time out.
 */
#ifndef TEEV_HTTP_H
#define TEEV_HTTP_H

#include <stddef.h>

struct app;
struct http_server;

/* Reads the TLS files named by the configuration and listens on port (the
 * configured one, or the one a previous listener bound, for a reload). */
struct http_server *http_server_start(struct app *app, unsigned port, char *err, size_t err_len);
/* SIGHUP: reads the TLS files and policy_admins again into a new daemon
 * that takes over old's listening socket (the port is never bound twice).
 * Then quiesce and stop old. On failure (err says why) old keeps serving. */
struct http_server *http_server_reload(struct http_server *old, char *err, size_t err_len);
/* How many policy_admins certificates this listener read. */
size_t http_server_admin_count(const struct http_server *s);
/* The port actually bound (useful when the configured port is 0). */
unsigned http_server_port(const struct http_server *s);
/* Stops accepting new connections and waits (up to deadline_ms) for the
 * requests in flight to finish: the first half of a graceful stop. */
void http_server_quiesce(struct http_server *s, unsigned deadline_ms);
void http_server_stop(struct http_server *s);

#endif
