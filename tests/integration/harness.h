/* harness.h - integration-test support: run the real `teev serve` on a
 * loopback port with a fresh `teev certs init` folder, and talk to it over
 * mTLS with libcurl. Paths come from the environment set by `make check`:
 * TEEV_BIN (the binary), SNP_FORGE (the test forge CLI), SHARED_DIR. */
#ifndef TEEV_HARNESS_H
#define TEEV_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;

struct teev_server {
	pid_t pid;
	unsigned port;
	char dir[256];     /* temporary folder owning everything below */
	char ca_dir[320];  /* Keylime-style CA folder made by `teev certs init` */
	char log_path[320];
	char config_path[320];
	char db_path[320];
};

/* A client identity: files of a `certs init` folder, or none at all. */
struct client_identity {
	char cert[400], key[400];
	bool none;
};

struct http_result {
	long status;      /* 0 when the TLS/HTTP exchange failed */
	char *body;       /* NUL-terminated, owned */
	size_t body_len;
	struct json_object *json; /* parsed body or NULL, owned */
	char error[256];  /* libcurl's message when status is 0 */
	char retry_after[32]; /* the Retry-After header, "" when none */
};

/* Options of harness_request_ex. */
struct request_options {
	long timeout_ms;            /* whole exchange; 0: 120 s */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
};

/* Starts a server. extra_config holds more "name = value" lines for the
 * [verifier] section (may be NULL). Returns 0 or -1 (details on stderr). */
int harness_start(struct teev_server *s, const char *extra_config);
/* The same with the database at db_path (NULL: in the server's folder). */
int harness_start_on(struct teev_server *s, const char *extra_config, const char *db_path);
/* SIGTERM, wait, and remove the folder. Returns the exit status (0 = clean). */
int harness_stop(struct teev_server *s);
/* SIGTERM and wait, keeping the folder (database, log) for inspection.
 * Returns the exit status (0 = clean stop). */
int harness_terminate(struct teev_server *s);
/* A TCP port that was free a moment ago on 127.0.0.1. */
unsigned harness_free_port(void);
/* SIGKILL without cleaning up, then start again on the same folder and
 * database (a new port). Returns 0 when the new process serves. */
int harness_kill_and_restart(struct teev_server *s);
/* Runs `teev <args...>` against this server's config (database, tls_dir);
 * returns the exit status, with stdout and stderr in *out and *err when those are non-NULL. */
int harness_teev(const struct teev_server *s, const char *const args[], char **out, char **err);
/* Checks the process still runs (a crash is a test failure). */
bool harness_alive(struct teev_server *s);

void harness_identity(const char *ca_dir, const char *prefix, struct client_identity *id);

/* One HTTPS request; body may be NULL. The server certificate is checked
 * against the server's own CA. */
int harness_request(const struct teev_server *s, const struct client_identity *id,
		    const char *method, const char *path, const char *body, size_t body_len,
		    struct http_result *out);
/* The same with options (NULL: as harness_request). */
int harness_request_ex(const struct teev_server *s, const struct client_identity *id,
		       const char *method, const char *path, const char *body, size_t body_len,
		       const struct request_options *options, struct http_result *out);
void http_result_free(struct http_result *r);

/* How much slower than a plain build the server runs: 10 in AddressSanitizer
 * builds, 30 under `make valgrind`, else 1. Tests scale upper bounds of
 * time with it; memory figures are not comparable there at all. */
double harness_slowdown(void);

/* Helpers for tests. */
const char *harness_env(const char *name, const char *fallback);
char *harness_read_file(const char *path, size_t *len); /* malloc'd, NUL-terminated */
int harness_run(const char *const argv[]); /* runs a program, returns its exit status */
/* Runs a program and returns its exit status; *out (malloc'd) holds its
 * stdout and *err its stderr (either may be NULL if not wanted). */
int harness_run_capture(const char *const argv[], char **out, char **err);

/* A fresh folder (name in dir) holding `snp-forge fixture`: fake AMD roots
 * under amd/ and passing requests under milan/, genoa/, turin/ and
 * milan-vlek/. Returns 0 or -1. */
int harness_forge_fixture(char *dir, size_t cap);
/* Starts a server that trusts such a fixture's roots, with the operations
 * listener, extra config lines (or NULL), its database at db_path (NULL:
 * the default) and a permissive "default" SNP policy stored by the admin
 * (the "client" identity, filled in). Returns the operations port, 0 when
 * anything failed. */
unsigned harness_start_snp(struct teev_server *s, struct client_identity *admin,
			   const char *fixture, const char *extra, const char *db_path);

/* Plain HTTP GET on an operations port (ops_port). Returns the status;
 * the body (malloc'd) in *out. */
long harness_ops_get(unsigned port, const char *path, char **out);
/* The value of the sample line "series value" in a /metrics scrape, or -1. */
long long harness_metric(const char *scrape, const char *series);

/* Rows of the verification log in a database file, "WHERE ..." (or "")
 * added to the count; -1 when it cannot be read. */
long long harness_count_verifications(const char *db_path, const char *where);

/* Failure ids of a verification answer, "a,b,c" (empty when none). */
void harness_failure_types(struct json_object *envelope, char *out, size_t cap);

#endif
