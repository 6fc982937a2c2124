/* acceptor.c - the listener's accept loop and connection limits (see acceptor.h). */
#include "server/acceptor.h"

#include "server/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How often the accept thread looks for connections past their handshake
 * deadline: the deadline is kept to within this much. */
#define SWEEP_MS 250

/* One connection handed to MHD, indexed by its descriptor: a descriptor
 * number belongs to one open socket at a time. */
struct tracked {
	bool used;
	bool active; /* its first request line arrived */
	bool cut;    /* shut down for missing the handshake deadline */
	uint8_t ip_len;
	uint8_t ip[16];
	ino_t ino; /* the socket's inode, to tell it from a later socket with the same number */
	long long since_ms;
};

struct acceptor {
	int fd;
	unsigned port;
	/* Under daemon_lock, which only the accept thread and acceptor_switch
	 * take: a reload changes it, and once acceptor_switch returns nothing is
	 * being handed to the old daemon. Never held together with MHD's own
	 * locks by MHD's threads, so MHD_add_connection may run under it. */
	struct MHD_Daemon *daemon;
	pthread_mutex_t daemon_lock;
	pthread_t thread;
	bool running;
	int stopping; /* atomic */
	struct acceptor_limits limits;
	/* Connections handed over and not yet closed; guarded by lock, which
	 * MHD's worker threads take too (acceptor_connection_*). */
	pthread_mutex_t lock;
	struct tracked *table;
	size_t table_cap;
	unsigned open;
	long long last_sweep_ms;
};

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned port_of(const struct sockaddr_storage *bound)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	if (bound->ss_family == AF_INET6) {
		memcpy(&v6, bound, sizeof(v6));
		return ntohs(v6.sin6_port);
	}
	memcpy(&v4, bound, sizeof(v4));
	return ntohs(v4.sin_port);
}

struct acceptor *acceptor_open(const struct sockaddr *addr, socklen_t len, char *err,
			       size_t err_len)
{
	struct acceptor *a = calloc(1, sizeof(*a));
	struct sockaddr_storage bound = {0};
	socklen_t bound_len = sizeof(bound);
	int on = 1;

	if (!a) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->daemon_lock, NULL);
	a->limits.max_connections = 1024;
	/* SO_REUSEADDR only lets a restart bind while old connections are in
	 * TIME_WAIT; it never lets two listeners share the port. */
	a->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->fd < 0 || setsockopt(a->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    (addr->sa_family == AF_INET6 &&
	     setsockopt(a->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on))) ||
	    bind(a->fd, addr, len) || listen(a->fd, SOMAXCONN) ||
	    getsockname(a->fd, (struct sockaddr *)&bound, &bound_len)) {
		snprintf(err, err_len, "%s", strerror(errno));
		acceptor_free(a);
		return NULL;
	}
	a->port = port_of(&bound);
	return a;
}

unsigned acceptor_port(const struct acceptor *a)
{
	return a->port;
}

void acceptor_set_limits(struct acceptor *a, const struct acceptor_limits *limits)
{
	a->limits = *limits;
	if (a->limits.max_connections == 0)
		a->limits.max_connections = 1;
}

static void pause_ms(long ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

/* The peer's address bytes (4 for IPv4, 16 for IPv6), for the per-address count. */
static void peer_ip(const struct sockaddr_storage *peer, uint8_t ip[16], uint8_t *len)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(ip, 0, 16);
	if (peer->ss_family == AF_INET6) {
		memcpy(&v6, peer, sizeof(v6));
		memcpy(ip, &v6.sin6_addr, 16);
		*len = 16;
	} else {
		memcpy(&v4, peer, sizeof(v4));
		memcpy(ip, &v4.sin_addr, 4);
		*len = 4;
	}
}

/* Caller holds the lock. */
static void forget(struct acceptor *a, int fd)
{
	if (fd < 0 || (size_t)fd >= a->table_cap || !a->table[fd].used)
		return;
	memset(&a->table[fd], 0, sizeof(a->table[fd]));
	a->open--;
	metrics_event(a->limits.metrics, METRICS_CONN_CLOSED);
}

/* Caller holds the lock. Room in the table for descriptor fd. */
static bool table_fits(struct acceptor *a, int fd)
{
	size_t cap = a->table_cap ? a->table_cap : 64;
	struct tracked *grown;

	if ((size_t)fd < a->table_cap)
		return true;
	while (cap <= (size_t)fd)
		cap *= 2;
	grown = realloc(a->table, cap * sizeof(*grown));
	if (!grown)
		return false;
	memset(grown + a->table_cap, 0, (cap - a->table_cap) * sizeof(*grown));
	a->table = grown;
	a->table_cap = cap;
	return true;
}

/* Caller holds the lock. Open connections from this address. */
static unsigned count_from(const struct acceptor *a, const uint8_t ip[16], uint8_t ip_len)
{
	unsigned n = 0;

	for (size_t i = 0; i < a->table_cap; i++)
		n += a->table[i].used && a->table[i].ip_len == ip_len &&
		     memcmp(a->table[i].ip, ip, ip_len) == 0;
	return n;
}

/* Caller holds the lock. Records fd, or says which limit refuses it. */
static enum metrics_event admit_locked(struct acceptor *a, int fd, const uint8_t ip[16],
				       uint8_t ip_len, ino_t ino)
{
	struct tracked *t;

	if (!table_fits(a, fd))
		return METRICS_CONN_REFUSED_MAX;
	/* A socket MHD closed without telling us (it does so only when a
	 * connection could not even be set up) left its number here. */
	forget(a, fd);
	if (a->open >= a->limits.max_connections)
		return METRICS_CONN_REFUSED_MAX;
	if (a->limits.per_ip && count_from(a, ip, ip_len) >= a->limits.per_ip)
		return METRICS_CONN_REFUSED_PER_IP;
	t = &a->table[fd];
	t->used = true;
	t->ip_len = ip_len;
	memcpy(t->ip, ip, 16);
	t->ino = ino;
	t->since_ms = now_ms();
	a->open++;
	metrics_event(a->limits.metrics, METRICS_CONN_ADMITTED);
	return METRICS_EVENT_COUNT;
}

static void admit(struct acceptor *a, int fd, struct sockaddr_storage *peer, socklen_t peer_len)
{
	uint8_t ip[16], ip_len;
	struct stat st;
	enum metrics_event refusal = METRICS_CONN_REFUSED_MAX;

	peer_ip(peer, ip, &ip_len);
	if (fstat(fd, &st) == 0) {
		pthread_mutex_lock(&a->lock);
		refusal = admit_locked(a, fd, ip, ip_len, st.st_ino);
		pthread_mutex_unlock(&a->lock);
	}
	if (refusal != METRICS_EVENT_COUNT) {
		/* Over a limit: closed before MHD ever sees it (see acceptor.h). */
		metrics_event(a->limits.metrics, refusal);
		close(fd);
		return;
	}
	pthread_mutex_lock(&a->daemon_lock);
	if (MHD_add_connection(a->daemon, fd, (struct sockaddr *)peer, peer_len) != MHD_YES) {
		/* MHD closed the socket. */
		pthread_mutex_lock(&a->lock);
		forget(a, fd);
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&a->daemon_lock);
}

/* Shuts down connections that have not sent a request line within the
 * handshake deadline. shutdown(), not close(): the descriptor stays MHD's,
 * which sees the end of the stream and closes the connection itself. The
 * lock keeps MHD from closing (and the kernel from reusing) a tracked
 * descriptor meanwhile, since MHD tells acceptor_connection_closed first. */
static void sweep_deadlines(struct acceptor *a)
{
	long long now = now_ms();
	long long limit = (long long)a->limits.handshake_seconds * 1000;

	if (!a->limits.handshake_seconds || now - a->last_sweep_ms < SWEEP_MS)
		return;
	a->last_sweep_ms = now;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->table_cap; i++) {
		struct tracked *t = &a->table[i];
		struct stat st;
		if (!t->used || t->active || t->cut || now - t->since_ms < limit)
			continue;
		if (fstat((int)i, &st) != 0 || st.st_ino != t->ino) {
			forget(a, (int)i); /* closed by MHD without a word (see admit_locked) */
			continue;
		}
		shutdown((int)i, SHUT_RDWR);
		t->cut = true;
		metrics_event(a->limits.metrics, METRICS_CONN_HANDSHAKE_TIMEOUT);
	}
	pthread_mutex_unlock(&a->lock);
}

static void *accept_loop(void *arg)
{
	struct acceptor *a = arg;
	struct pollfd listener = {.fd = a->fd, .events = POLLIN};

	while (!__atomic_load_n(&a->stopping, __ATOMIC_SEQ_CST)) {
		int ready = poll(&listener, 1, SWEEP_MS);
		sweep_deadlines(a);
		if (ready <= 0)
			continue;
		/* The listening socket is non-blocking: take what is waiting. */
		for (;;) {
			struct sockaddr_storage peer = {0};
			socklen_t peer_len = sizeof(peer);
			int fd = accept4(a->fd, (struct sockaddr *)&peer, &peer_len,
					 SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0) {
				/* Out of descriptors: wait for some to close rather than spin. */
				if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
				    errno == ENOMEM)
					pause_ms(10);
				break; /* EAGAIN, EINTR, ECONNABORTED, and the wake-up at stop */
			}
			admit(a, fd, &peer, peer_len);
		}
	}
	return NULL;
}

int acceptor_run(struct acceptor *a, struct MHD_Daemon *daemon)
{
	int flags = fcntl(a->fd, F_GETFL);

	a->daemon = daemon;
	if (flags < 0 || fcntl(a->fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return -1;
	if (pthread_create(&a->thread, NULL, accept_loop, a) != 0)
		return -1;
	a->running = true;
	return 0;
}

void acceptor_connection_active(struct acceptor *a, int fd)
{
	if (!a || fd < 0)
		return;
	pthread_mutex_lock(&a->lock);
	if ((size_t)fd < a->table_cap && a->table[fd].used)
		a->table[fd].active = true;
	pthread_mutex_unlock(&a->lock);
}

void acceptor_connection_closed(struct acceptor *a, int fd)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	forget(a, fd);
	pthread_mutex_unlock(&a->lock);
}

void acceptor_switch(struct acceptor *a, struct MHD_Daemon *daemon)
{
	pthread_mutex_lock(&a->daemon_lock);
	a->daemon = daemon;
	pthread_mutex_unlock(&a->daemon_lock);
}

void acceptor_stop(struct acceptor *a)
{
	if (!a || a->fd < 0)
		return;
	__atomic_store_n(&a->stopping, 1, __ATOMIC_SEQ_CST);
	/* Wakes the thread out of poll() at once. */
	shutdown(a->fd, SHUT_RDWR);
	if (a->running)
		pthread_join(a->thread, NULL);
	a->running = false;
	close(a->fd);
	a->fd = -1;
}

void acceptor_free(struct acceptor *a)
{
	if (!a)
		return;
	acceptor_stop(a);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->daemon_lock);
	free(a->table);
	free(a);
}
