/* harness.c - run the real server and talk to it (see harness.h). */
#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 10000

double harness_slowdown(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 10.0;
#endif
	/* make valgrind runs the server under memcheck and sets this. */
	if (getenv("VALGRIND_LOGS"))
		return 30.0;
	return 1.0;
}

const char *harness_env(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && v[0] ? v : fallback;
}

char *harness_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, fp) == (size_t)size) {
			buf[size] = '\0';
			if (len)
				*len = (size_t)size;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return buf;
}

int harness_run(const char *const argv[])
{
	pid_t pid = fork();
	int status = 0;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			close(devnull);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int harness_run_capture(const char *const argv[], char **out, char **err)
{
	char out_path[] = "/tmp/teev-out-XXXXXX";
	char err_path[] = "/tmp/teev-err-XXXXXX";
	int out_fd = mkstemp(out_path);
	int err_fd = mkstemp(err_path);
	int status = 0;
	pid_t pid;

	if (out_fd < 0 || err_fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out_fd);
	close(err_fd);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = -1;
	if (out)
		*out = harness_read_file(out_path, NULL);
	if (err)
		*err = harness_read_file(err_path, NULL);
	unlink(out_path);
	unlink(err_path);
	if (status < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void harness_identity(const char *ca_dir, const char *prefix, struct client_identity *id)
{
	memset(id, 0, sizeof(*id));
	snprintf(id->cert, sizeof(id->cert), "%s/%s-cert.crt", ca_dir, prefix);
	snprintf(id->key, sizeof(id->key), "%s/%s-private.pem", ca_dir, prefix);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The server logs "listening on https://127.0.0.1:PORT/" once it accepts. */
static unsigned port_from_log(const char *log_path)
{
	char *log = harness_read_file(log_path, NULL);
	const char *at;
	unsigned port = 0;

	if (!log)
		return 0;
	at = strstr(log, "listening on https://127.0.0.1:");
	if (at)
		port = (unsigned)strtoul(at + strlen("listening on https://127.0.0.1:"), NULL, 10);
	free(log);
	return port;
}

/* Starts `teev serve` on the prepared folder and waits for its port. */
static int launch(struct teev_server *s)
{
	const char *teev = harness_env("TEEV_BIN", "build/teev");

	s->port = 0;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int log = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (log >= 0) {
			dup2(log, STDERR_FILENO);
			dup2(log, STDOUT_FILENO);
			close(log);
		}
		execl(teev, teev, "serve", "--config", s->config_path, (char *)NULL);
		_exit(127);
	}
	for (long waited = 0; waited < START_TIMEOUT_MS; waited += 20) {
		s->port = port_from_log(s->log_path);
		if (s->port)
			return 0;
		if (!harness_alive(s))
			break;
		sleep_ms(20);
	}
	char *log = harness_read_file(s->log_path, NULL);
	fprintf(stderr, "harness: server did not start; its log:\n%s\n", log ? log : "(none)");
	free(log);
	return -1;
}

int harness_start(struct teev_server *s, const char *extra_config)
{
	return harness_start_on(s, extra_config, NULL);
}

int harness_start_on(struct teev_server *s, const char *extra_config, const char *db_path)
{
	const char *teev = harness_env("TEEV_BIN", "build/teev");
	FILE *fp;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/teev-it-XXXXXX");
	if (!mkdtemp(s->dir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(s->ca_dir, sizeof(s->ca_dir), "%s/cv_ca", s->dir);
	snprintf(s->log_path, sizeof(s->log_path), "%s/server.log", s->dir);
	snprintf(s->config_path, sizeof(s->config_path), "%s/verifier.conf", s->dir);
	if (db_path)
		snprintf(s->db_path, sizeof(s->db_path), "%s", db_path);
	else
		snprintf(s->db_path, sizeof(s->db_path), "%s/teev.db", s->dir);

	const char *init[] = {teev, "certs", "init", s->ca_dir, NULL};
	if (harness_run(init) != 0) {
		fprintf(stderr, "harness: %s certs init failed\n", teev);
		return -1;
	}
	fp = fopen(s->config_path, "w");
	if (!fp)
		return -1;
	fprintf(fp, "[verifier]\nip = 127.0.0.1\nport = 0\ntls_dir = %s\ndatabase = %s\n"
		    "threads = 2\nconnection_timeout = 5\n%s\n",
		s->ca_dir, s->db_path, extra_config ? extra_config : "");
	fclose(fp);
	if (launch(s)) {
		harness_stop(s);
		return -1;
	}
	return 0;
}

int harness_terminate(struct teev_server *s)
{
	int status = 0;
	int rc = -1;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 3000; i++) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		sleep_ms(10);
	}
	if (rc == -1) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	}
	s->pid = 0;
	return rc;
}

unsigned harness_free_port(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port = 0;

	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
		port = ntohs(addr.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int harness_kill_and_restart(struct teev_server *s)
{
	int status;

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = 0;
	}
	/* The old start-up line must not be mistaken for the new one. */
	if (truncate(s->log_path, 0) != 0)
		return -1;
	return launch(s);
}

int harness_teev(const struct teev_server *s, const char *const args[], char **out, char **err)
{
	const char *argv[32] = {harness_env("TEEV_BIN", "build/teev")};
	size_t n = 1;

	for (size_t i = 0; args[i] && n < 29; i++)
		argv[n++] = args[i];
	argv[n++] = "--config";
	argv[n++] = s->config_path;
	argv[n] = NULL;
	return harness_run_capture(argv, out, err);
}

bool harness_alive(struct teev_server *s)
{
	int status;

	if (s->pid <= 0)
		return false;
	if (waitpid(s->pid, &status, WNOHANG) == 0)
		return true;
	s->pid = 0;
	return false;
}

static void remove_tree(const char *dir)
{
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

int harness_stop(struct teev_server *s)
{
	int status = 0;
	int rc = -1;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 500; i++) {
			pid_t done = waitpid(s->pid, &status, WNOHANG);
			if (done == s->pid) {
				rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
				break;
			}
			sleep_ms(10);
		}
		if (rc == -1) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
		}
		s->pid = 0;
	}
	if (s->dir[0])
		remove_tree(s->dir);
	return rc;
}

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct http_result *r = userdata;
	size_t add = size * n;
	char *grown = realloc(r->body, r->body_len + add + 1);

	if (!grown)
		return 0;
	r->body = grown;
	memcpy(r->body + r->body_len, data, add);
	r->body_len += add;
	r->body[r->body_len] = '\0';
	return add;
}

/* Keeps the Retry-After header of the answer. */
static size_t collect_header(char *data, size_t size, size_t n, void *userdata)
{
	struct http_result *r = userdata;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		size_t start = sizeof(name) - 1, end = len;
		while (start < end && data[start] == ' ')
			start++;
		while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n'))
			end--;
		snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)(end - start),
			 data + start);
	}
	return len;
}

int harness_request(const struct teev_server *s, const struct client_identity *id,
		    const char *method, const char *path, const char *body, size_t body_len,
		    struct http_result *out)
{
	return harness_request_ex(s, id, method, path, body, body_len, NULL, out);
}

int harness_request_ex(const struct teev_server *s, const struct client_identity *id,
		       const char *method, const char *path, const char *body, size_t body_len,
		       const struct request_options *options, struct http_result *out)
{
	CURL *curl = curl_easy_init();
	char url[512], cacert[400];
	struct curl_slist *headers = NULL;
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	if (!curl)
		return -1;
	snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", s->port, path);
	snprintf(cacert, sizeof(cacert), "%s/cacert.crt", s->ca_dir);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	/* Generous: sanitizer builds move 28 MB policies slowly. Tests that care
	 * about latency measure it themselves. */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
	if (options && options->timeout_ms)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options->timeout_ms);
	for (size_t i = 0; options && options->headers && options->headers[i]; i++)
		headers = curl_slist_append(headers, options->headers[i]);
	if (id && !id->none) {
		curl_easy_setopt(curl, CURLOPT_SSLCERT, id->cert);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, id->key);
	}
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		headers = curl_slist_append(headers, "Content-Type: application/json");
	}
	if (headers)
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
		if (out->body)
			out->json = json_tokener_parse(out->body);
	} else {
		snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return 0;
}

void http_result_free(struct http_result *r)
{
	free(r->body);
	json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

void harness_failure_types(struct json_object *envelope, char *out, size_t cap)
{
	struct json_object *results, *failures;
	size_t used = 0;

	out[0] = '\0';
	if (!json_object_object_get_ex(envelope, "results", &results) ||
	    !json_object_object_get_ex(results, "failures", &failures))
		return;
	for (size_t i = 0; i < json_object_array_length(failures); i++) {
		struct json_object *type;
		if (!json_object_object_get_ex(json_object_array_get_idx(failures, i), "type", &type))
			continue;
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s",
					 i ? "," : "", json_object_get_string(type));
		if (used >= cap)
			return;
	}
}

long harness_ops_get(unsigned port, const char *path, char **out)
{
	CURL *curl = curl_easy_init();
	char url[128];
	long status = 0;
	FILE *mem;
	size_t size = 0;

	*out = NULL;
	mem = open_memstream(out, &size);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, mem);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	fclose(mem);
	return status;
}

long long harness_metric(const char *scrape, const char *series)
{
	const char *p = scrape;
	size_t n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == scrape || p[-1] == '\n') && p[n] == ' ')
			return atoll(p + n + 1);
		p += n;
	}
	return -1;
}

long long harness_count_verifications(const char *db_path, const char *where)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	char sql[256];
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM verifications %s", where);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

int harness_forge_fixture(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/teev-fx-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	const char *forge[] = {harness_env("SNP_FORGE", "build/snp-forge"), "fixture", "--out", dir,
			       NULL};
	return harness_run(forge) == 0 ? 0 : -1;
}

unsigned harness_start_snp(struct teev_server *s, struct client_identity *admin,
			   const char *fixture, const char *extra, const char *db_path)
{
	static const char allow_any[] = "{\"allow_any_measurement\": true}";
	char config[1024];
	unsigned ops_port = harness_free_port();
	struct http_result r;
	long status;

	snprintf(config, sizeof(config), "amd_root_dir = %s/amd\nops_port = %u\n%s", fixture,
		 ops_port, extra ? extra : "");
	if (harness_start_on(s, config, db_path))
		return 0;
	harness_identity(s->ca_dir, "client", admin);
	harness_request(s, admin, "POST", "/v2.5/teepolicies/default", allow_any,
			sizeof(allow_any) - 1, &r);
	status = r.status;
	http_result_free(&r);
	if (status != 201) {
		fprintf(stderr, "harness: storing the default SNP policy answered %ld\n", status);
		return 0;
	}
	return ops_port;
}
