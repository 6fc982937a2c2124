/* acceptor.h - accepts TCP connections for the mTLS listener, enforces the
 * connection limits, and hands each admitted connection to libmicrohttpd
 * with MHD_add_connection.
 *
 * With its own listening socket, each MHD worker thread accepted from the
 * shared socket and kept what it accepted: 8 keep-alive connections opened
 * together often all went to one thread, and the server then used one core
 * of two for as long as they lived. Handed over by this thread, connections
 * are spread over the workers by MHD.
 *
 * The limits live here, not in MHD. libmicrohttpd 0.9.75 refuses a
 * connection added this way that is over its own limit on a path that
 * leaves the worker's cleanup mutex locked (new_connection_process_ jumps
 * to its cleanup without unlocking); the worker then blocks on that mutex
 * for good, and with every worker blocked the server never answers again
 * and cannot stop. So every limit is enforced before a socket reaches MHD,
 * and MHD is configured so that its own limit can never be reached.
 */
#ifndef TEEV_ACCEPTOR_H
#define TEEV_ACCEPTOR_H

#include <stddef.h>
#include <sys/socket.h>

struct acceptor;
struct metrics;
struct MHD_Daemon;

struct acceptor_limits {
	unsigned max_connections; /* open connections at once (at least 1) */
	unsigned per_ip;          /* open connections from one address; 0: no limit */
	/* Seconds a new connection has to complete its TLS handshake and send
	 * its first request line; 0: no deadline of its own. */
	unsigned handshake_seconds;
	struct metrics *metrics; /* refusals and deadlines are counted here; may be NULL */
};

/* Binds and listens on addr. No SO_REUSEPORT: a second teev (or anything
 * else) on the same address and port is refused with "Address already in
 * use" instead of silently sharing the connections; a TLS reload keeps
 * this socket (acceptor_switch). Returns NULL with err. */
struct acceptor *acceptor_open(const struct sockaddr *addr, socklen_t len, char *err,
			       size_t err_len);
/* The port bound (the one the kernel chose for port 0). */
unsigned acceptor_port(const struct acceptor *a);
/* Sets the limits; call before acceptor_run. Without it: 1024 connections,
 * no per-address limit, no handshake deadline. */
void acceptor_set_limits(struct acceptor *a, const struct acceptor_limits *limits);
/* Starts the thread that accepts connections and gives them to daemon
 * (started with MHD_USE_NO_LISTEN_SOCKET). Returns 0 or -1. */
int acceptor_run(struct acceptor *a, struct MHD_Daemon *daemon);

/* From the daemon's threads, about a connection this acceptor handed over
 * (fd is its socket): its first request line arrived (the handshake
 * deadline no longer applies), or MHD is about to close it (its place is
 * free again). Safe for any fd; unknown ones are ignored. */
void acceptor_connection_active(struct acceptor *a, int fd);
void acceptor_connection_closed(struct acceptor *a, int fd);

/* From now on hands connections to daemon instead (a TLS reload: the new
 * daemon has the new certificates). When it returns, no connection is being
 * or will be handed to the previous daemon. */
void acceptor_switch(struct acceptor *a, struct MHD_Daemon *daemon);
/* Stops accepting and closes the listening socket; connections already
 * handed over are the daemon's, and their bookkeeping stays valid until
 * acceptor_free (stop the daemon first). NULL is fine; safe to call twice. */
void acceptor_stop(struct acceptor *a);
void acceptor_free(struct acceptor *a);

#endif
