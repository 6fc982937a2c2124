/* acceptor.c - the listener's accept loop (see acceptor.h). */
#include "server/acceptor.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct acceptor {
	int fd;
	unsigned port;
	struct MHD_Daemon *daemon; /* under lock: acceptor_switch changes it */
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	int stopping; /* atomic */
};

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

static void pause_ms(long ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

static void *accept_loop(void *arg)
{
	struct acceptor *a = arg;

	while (!__atomic_load_n(&a->stopping, __ATOMIC_SEQ_CST)) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		int fd = accept4(a->fd, (struct sockaddr *)&peer, &peer_len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors: wait for some to close rather than spin. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_ms(10);
			continue; /* EINTR, ECONNABORTED, and the wake-up at stop */
		}
		/* MHD closes the socket itself when it cannot take it (limits). */
		pthread_mutex_lock(&a->lock);
		MHD_add_connection(a->daemon, fd, (struct sockaddr *)&peer, peer_len);
		pthread_mutex_unlock(&a->lock);
	}
	return NULL;
}

int acceptor_run(struct acceptor *a, struct MHD_Daemon *daemon)
{
	a->daemon = daemon;
	if (pthread_create(&a->thread, NULL, accept_loop, a) != 0)
		return -1;
	a->running = true;
	return 0;
}

void acceptor_switch(struct acceptor *a, struct MHD_Daemon *daemon)
{
	pthread_mutex_lock(&a->lock);
	a->daemon = daemon;
	pthread_mutex_unlock(&a->lock);
}

void acceptor_stop(struct acceptor *a)
{
	if (!a || a->fd < 0)
		return;
	__atomic_store_n(&a->stopping, 1, __ATOMIC_SEQ_CST);
	/* Wakes the thread out of accept() (Linux answers EINVAL). */
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
	free(a);
}
