/* acceptor.h - accepts TCP connections for the mTLS listener and hands each
 * to libmicrohttpd with MHD_add_connection.
 *
 * With its own listening socket, each MHD worker thread accepted from the
 * shared socket and kept what it accepted: 8 keep-alive connections opened
 * together often all went to one thread, and the server then used one core
 * of two for as long as they lived. Handed over by this thread, connections
 * are spread over the workers by MHD.
 */
#ifndef TEEV_ACCEPTOR_H
#define TEEV_ACCEPTOR_H

#include <stddef.h>
#include <sys/socket.h>

struct acceptor;
struct MHD_Daemon;

/* Binds and listens on addr. No SO_REUSEPORT: a second teev (or anything
 * else) on the same address and port is refused with "Address already in
 * use" instead of silently sharing the connections; a TLS reload keeps
 * this socket (acceptor_switch). Returns NULL with err. */
struct acceptor *acceptor_open(const struct sockaddr *addr, socklen_t len, char *err,
			       size_t err_len);
/* The port bound (the one the kernel chose for port 0). */
unsigned acceptor_port(const struct acceptor *a);
/* Starts the thread that accepts connections and gives them to daemon
 * (started with MHD_USE_NO_LISTEN_SOCKET). Returns 0 or -1. */
int acceptor_run(struct acceptor *a, struct MHD_Daemon *daemon);
/* From now on hands connections to daemon instead (a TLS reload: the new
 * daemon has the new certificates). When it returns, no connection is being
 * or will be handed to the previous daemon. */
void acceptor_switch(struct acceptor *a, struct MHD_Daemon *daemon);
/* Stops accepting and closes the socket; connections already handed over
 * are the daemon's. NULL is fine; safe to call twice. */
void acceptor_stop(struct acceptor *a);
void acceptor_free(struct acceptor *a);

#endif
