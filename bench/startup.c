/*
 * startup.c - how long `teev serve` takes to start, for `make bench`.
 *
 * Starts the server R times on a prepared config (port = 0) and measures,
 * from just before exec: the "listening on https://127.0.0.1:PORT/" log line
 * (read from a pipe as it is written), and the first successful GET /version
 * over mTLS (a new connection per try, retried every millisecond). Then stops
 * it with SIGTERM. Prints the median, min and max of each.
 *
 *   startup --teev BIN --config FILE --cacert F --cert F --key F [--runs R] [--json FILE]
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 50
#define START_TIMEOUT 10.0 /* seconds */
#define LOG_MAX 65536
#define LISTEN_TEXT "listening on https://127.0.0.1:"

struct options {
	const char *teev, *config, *cacert, *cert, *key, *json;
	unsigned runs;
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *data, size_t size, size_t n, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * n;
}

static bool version_answers(const struct options *o, unsigned port)
{
	CURL *curl = curl_easy_init();
	char url[128];
	long status = 0;
	CURLcode rc;

	if (!curl)
		return false;
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/version", port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(curl, CURLOPT_SSLCERT, o->cert);
	curl_easy_setopt(curl, CURLOPT_SSLKEY, o->key);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	return status == 200;
}

/* Reads what the server wrote so far; returns the port once the listening
 * line is complete, else 0. */
static unsigned read_log(int fd, char *log, size_t *len)
{
	const char *at;

	for (int i = 0; i < 64 && *len + 1 < LOG_MAX; i++) {
		ssize_t n = read(fd, log + *len, LOG_MAX - 1 - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	log[*len] = '\0';
	at = strstr(log, LISTEN_TEXT);
	if (!at || !strchr(at, '\n'))
		return 0;
	return (unsigned)strtoul(at + strlen(LISTEN_TEXT), NULL, 10);
}

static void stop(pid_t pid, int fd)
{
	char sink[4096];
	int status;

	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		for (int j = 0; j < 64 && read(fd, sink, sizeof(sink)) > 0; j++)
			; /* keep the pipe drained so the server never blocks on its log */
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* One start: seconds to the listening line and to the first /version. */
static int measure_once(const struct options *o, double *to_listen, double *to_version)
{
	int pipefd[2];
	char *log = malloc(LOG_MAX);
	size_t len = 0;
	unsigned port = 0;
	double t0, deadline;
	pid_t pid;
	int rc = -1;

	if (!log || pipe(pipefd) != 0) {
		free(log);
		return -1;
	}
	t0 = now_seconds();
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(o->teev, o->teev, "serve", "--config", o->config, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0)
		goto out;
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	deadline = t0 + START_TIMEOUT;
	while (!port && now_seconds() < deadline) {
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		poll(&p, 1, 100);
		port = read_log(pipefd[0], log, &len);
		if (!port && waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
	}
	if (!port) {
		fprintf(stderr, "startup: the server did not start; its output:\n%s\n", log);
		goto out;
	}
	*to_listen = now_seconds() - t0;
	while (now_seconds() < deadline) {
		if (version_answers(o, port)) {
			*to_version = now_seconds() - t0;
			rc = 0;
			break;
		}
		usleep(1000);
	}
	if (rc)
		fprintf(stderr, "startup: /version never answered 200\n");
out:
	if (pid > 0)
		stop(pid, pipefd[0]);
	close(pipefd[0]);
	free(log);
	return rc;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct options o = {.runs = 5};
	double listen_ms[MAX_RUNS], version_ms[MAX_RUNS];

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];
		if (strcmp(opt, "--teev") == 0)
			o.teev = val;
		else if (strcmp(opt, "--config") == 0)
			o.config = val;
		else if (strcmp(opt, "--cacert") == 0)
			o.cacert = val;
		else if (strcmp(opt, "--cert") == 0)
			o.cert = val;
		else if (strcmp(opt, "--key") == 0)
			o.key = val;
		else if (strcmp(opt, "--json") == 0)
			o.json = val;
		else if (strcmp(opt, "--runs") == 0)
			o.runs = (unsigned)strtoul(val, NULL, 10);
		else
			o.teev = NULL;
	}
	if (argc % 2 == 0 || !o.teev || !o.config || !o.cacert || !o.cert || !o.key || o.runs < 1 ||
	    o.runs > MAX_RUNS) {
		fprintf(stderr, "usage: startup --teev BIN --config FILE --cacert F --cert F --key F "
				"[--runs 1-%d] [--json FILE]\n",
			MAX_RUNS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_ALL);
	for (unsigned r = 0; r < o.runs; r++) {
		double l, v;
		if (measure_once(&o, &l, &v))
			return 1;
		listen_ms[r] = l * 1000;
		version_ms[r] = v * 1000;
	}
	curl_global_cleanup();
	qsort(listen_ms, o.runs, sizeof(double), compare_double);
	qsort(version_ms, o.runs, sizeof(double), compare_double);
	printf("start-up to \"listening\"   median %.1f ms (min %.1f, max %.1f, %u runs)\n",
	       listen_ms[o.runs / 2], listen_ms[0], listen_ms[o.runs - 1], o.runs);
	printf("start-up to first /version median %.1f ms (min %.1f, max %.1f)\n",
	       version_ms[o.runs / 2], version_ms[0], version_ms[o.runs - 1]);
	if (o.json) {
		FILE *json = fopen(o.json, "w");
		if (!json) {
			fprintf(stderr, "startup: %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		fprintf(json,
			"{\n  \"runs\": %u,\n  \"listen_ms_median\": %.2f,\n  \"listen_ms_min\": %.2f,\n"
			"  \"listen_ms_max\": %.2f,\n  \"version_ms_median\": %.2f,\n"
			"  \"version_ms_min\": %.2f,\n  \"version_ms_max\": %.2f\n}\n",
			o.runs, listen_ms[o.runs / 2], listen_ms[0], listen_ms[o.runs - 1],
			version_ms[o.runs / 2], version_ms[0], version_ms[o.runs - 1]);
		if (fclose(json) != 0)
			return 1;
	}
	return 0;
}
