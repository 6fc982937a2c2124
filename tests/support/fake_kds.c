/* fake_kds.c - a fake AMD KDS over plain HTTP for tests (see fake_kds.h). */
#include "tests/support/fake_kds.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

/* Largest file served; real KDS answers are a few KiB, but tests of the
 * client's size limit need something bigger than its limit. */
#define FAKE_KDS_FILE_MAX (16u << 20)

struct fake_kds {
	struct MHD_Daemon *daemon;
	char *root;
	FILE *log;
	unsigned port;

	pthread_mutex_t lock; /* guards everything below (MHD runs a thread per connection) */
	unsigned forced_status, forced_count, forced_retry_after;
	unsigned delay_ms;
	char **targets; /* every request target seen, in order */
	size_t target_count, target_cap;
	unsigned in_flight, peak_in_flight;
};

int fake_kds_path(const char *root_dir, const char *target, char *out, size_t cap)
{
	const char *query = strchr(target, '?');
	size_t path_len = query ? (size_t)(query - target) : strlen(target);
	int n;

	if (path_len == 0 || target[0] != '/' || strstr(target, "..") || strchr(target, '%'))
		return -1;
	if (query && strchr(query, '/'))
		return -1;
	if (query && query[1])
		n = snprintf(out, cap, "%s%.*s.%s", root_dir, (int)path_len, target, query + 1);
	else
		n = snprintf(out, cap, "%s%.*s", root_dir, (int)path_len, target);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Reads a regular file whole; NULL when missing, not regular or too big. */
static char *read_whole(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	struct stat st;

	if (!fp)
		return NULL;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > FAKE_KDS_FILE_MAX)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	if (fread(buf, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = (size_t)st.st_size;
out:
	fclose(fp);
	return buf;
}

/* MHD hands the raw target (path and query, not unescaped) to this callback
 * before parsing it; what it returns is the request's context pointer. */
static void *remember_target(void *cls, const char *uri, struct MHD_Connection *connection)
{
	(void)cls;
	(void)connection;
	return strdup(uri);
}

static void forget_target(void *cls, struct MHD_Connection *connection, void **req_cls,
			  enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)connection;
	(void)toe;
	free(*req_cls);
	*req_cls = NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	struct fake_kds *k = cls;
	const char *target = *req_cls ? (const char *)*req_cls : url;
	unsigned status = 200, retry_after = 0, delay;
	struct MHD_Response *response;
	char path[4096];
	enum MHD_Result result;
	char *body = NULL;
	size_t len = 0;
	char *copy;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;

	pthread_mutex_lock(&k->lock);
	if (k->target_count == k->target_cap) {
		size_t cap = k->target_cap ? 2 * k->target_cap : 64;
		char **grown = realloc(k->targets, cap * sizeof(*grown));

		if (grown) {
			k->targets = grown;
			k->target_cap = cap;
		}
	}
	copy = k->target_count < k->target_cap ? strdup(target) : NULL;
	if (copy)
		k->targets[k->target_count++] = copy;
	if (k->forced_count) {
		k->forced_count--;
		status = k->forced_status;
		retry_after = k->forced_retry_after;
	}
	delay = k->delay_ms;
	k->in_flight++;
	if (k->in_flight > k->peak_in_flight)
		k->peak_in_flight = k->in_flight;
	pthread_mutex_unlock(&k->lock);

	if (delay)
		sleep_ms(delay);

	if (strcmp(method, "GET") != 0) {
		status = 405;
	} else if (status == 200) {
		if (fake_kds_path(k->root, target, path, sizeof(path)) == 0)
			body = read_whole(path, &len);
		if (!body)
			status = 404;
	}
	if (body) {
		response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!response)
			free(body);
	} else {
		static const char text[] = "fake KDS: no such file, or an error status was asked for\n";

		response = MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
	}

	pthread_mutex_lock(&k->lock);
	k->in_flight--;
	if (k->log) {
		fprintf(k->log, "%s %s -> %u\n", method, target, status);
		fflush(k->log);
	}
	pthread_mutex_unlock(&k->lock);

	if (!response)
		return MHD_NO;
	if (retry_after) {
		char header[32];

		snprintf(header, sizeof(header), "%u", retry_after);
		MHD_add_response_header(response, "Retry-After", header);
	}
	result = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return result;
}

struct fake_kds *fake_kds_start_on(const char *root_dir, unsigned port, FILE *log)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	struct fake_kds *k;

	if (port > 65535)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->root = strdup(root_dir);
	k->log = log;
	if (!k->root || pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k->root);
		free(k);
		return NULL;
	}
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A thread per connection, so a delayed answer does not hold up others
	 * (the client's parallel fetches must really run in parallel). */
	k->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
					     MHD_USE_ERROR_LOG,
				     0, NULL, NULL, answer, k, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				     MHD_OPTION_URI_LOG_CALLBACK, remember_target, NULL,
				     MHD_OPTION_NOTIFY_COMPLETED, forget_target, NULL,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	if (!k->daemon)
		goto fail;
	info = MHD_get_daemon_info(k->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || info->port == 0)
		goto fail;
	k->port = info->port;
	return k;
fail:
	fake_kds_stop(k);
	return NULL;
}

struct fake_kds *fake_kds_start(const char *root_dir)
{
	return fake_kds_start_on(root_dir, 0, NULL);
}

unsigned fake_kds_port(const struct fake_kds *k)
{
	return k->port;
}

void fake_kds_set_status(struct fake_kds *k, unsigned status, unsigned count, unsigned retry_after)
{
	pthread_mutex_lock(&k->lock);
	k->forced_status = status;
	k->forced_count = count;
	k->forced_retry_after = retry_after;
	pthread_mutex_unlock(&k->lock);
}

void fake_kds_set_delay_ms(struct fake_kds *k, unsigned ms)
{
	pthread_mutex_lock(&k->lock);
	k->delay_ms = ms;
	pthread_mutex_unlock(&k->lock);
}

unsigned fake_kds_hits(struct fake_kds *k, const char *path_prefix)
{
	size_t prefix_len = strlen(path_prefix);
	unsigned hits = 0;

	pthread_mutex_lock(&k->lock);
	for (size_t i = 0; i < k->target_count; i++)
		if (strncmp(k->targets[i], path_prefix, prefix_len) == 0)
			hits++;
	pthread_mutex_unlock(&k->lock);
	return hits;
}

unsigned fake_kds_peak_concurrency(struct fake_kds *k)
{
	unsigned peak;

	pthread_mutex_lock(&k->lock);
	peak = k->peak_in_flight;
	pthread_mutex_unlock(&k->lock);
	return peak;
}

void fake_kds_stop(struct fake_kds *k)
{
	if (!k)
		return;
	/* Stopping joins the connection threads, so nothing uses k after it. */
	if (k->daemon)
		MHD_stop_daemon(k->daemon);
	for (size_t i = 0; i < k->target_count; i++)
		free(k->targets[i]);
	free(k->targets);
	pthread_mutex_destroy(&k->lock);
	free(k->root);
	free(k);
}
