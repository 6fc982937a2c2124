/* test_listener.c - the listening socket and SIGHUP: a second `teev serve`
 * on a port a teev already serves is refused with "address in use" (it
 * used to share the port through SO_REUSEPORT and take half of the
 * connections), while the process's own SIGHUP reload keeps serving on
 * that port; SIGHUP reads policy_admins again with the TLS files (a renewed
 * admin certificate works without a restart), and a reload whose files do
 * not load keeps the old ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A server a failed assertion left running (cmocka longjmps past the
 * test's own harness_stop) is stopped by the test's teardown. */
static struct teev_server *running;

static struct teev_server *track(struct teev_server *s)
{
	running = s;
	return s;
}

static int stop_running(void **state)
{
	(void)state;
	if (running && running->pid > 0)
		harness_stop(running);
	running = NULL;
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* Occurrences of needle in the server's log. */
static int log_count(const struct teev_server *s, const char *needle)
{
	char *log = harness_read_file(s->log_path, NULL);
	int n = 0;

	for (const char *p = log; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(log);
	return n;
}

/* SIGHUP, then waits for the n-th line that says how the reload went. */
static void sighup(struct teev_server *s, const char *outcome, int n)
{
	kill(s->pid, SIGHUP);
	for (int i = 0; i < 250 && log_count(s, outcome) < n; i++)
		pause_ms(20);
	if (log_count(s, outcome) < n)
		fail_msg("no \"%s\" (#%d) in the log after SIGHUP", outcome, n);
}

static long get_version(const struct teev_server *s, const struct client_identity *id)
{
	struct http_result r;
	long status;

	assert_int_equal(harness_request(s, id, "GET", "/version", NULL, 0, &r), 0);
	status = r.status;
	http_result_free(&r);
	return status;
}

static void test_second_serve_on_the_same_port_is_refused(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	struct client_identity client;
	char port[16], other_db[400], *err = NULL;
	(void)state;

	assert_int_equal(harness_start(track(&server), NULL), 0);
	harness_identity(server.ca_dir, "client", &client);
	snprintf(port, sizeof(port), "%u", server.port);
	snprintf(other_db, sizeof(other_db), "%s/other.db", server.dir);
	/* Bounded: a second server that wrongly binds would serve forever. */
	const char *second[] = {"/usr/bin/timeout", "10", harness_env("TEEV_BIN", "build/teev"), "serve",
				"--config", server.config_path, "--port", port, "--database",
				other_db, NULL};
	for (int round = 0; round < 2; round++) {
		int rc = harness_run_capture(second, NULL, &err);
		if (rc != 1 || !strstr(err, "Address already in use"))
			fail_msg("round %d: second teev serve on port %s exited %d: %s", round, port,
				 rc, err ? err : "");
		assert_non_null(strstr(err, port));
		free(err);
		err = NULL;
		/* The process's own reload binds nothing new: it still serves on
		 * the port, and the next intruder is refused as well. */
		sighup(&server, "SIGHUP: TLS certificates reloaded", round + 1);
		for (int i = 0; i < 8; i++)
			assert_int_equal(get_version(&server, &client), 200);
	}
	assert_true(harness_alive(&server));
	assert_int_equal(harness_stop(&server), 0);
}

/* A client certificate for a new key, signed by the folder's CA. */
static void issue_client(const struct teev_server *s, const char *name)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && openssl req -new -newkey rsa:2048 -nodes -keyout %s-private.pem "
		 "-subj /CN=%s -out %s.csr 2>/dev/null && printf 'extendedKeyUsage=clientAuth\\n' "
		 ">%s.ext && openssl x509 -req -in %s.csr -CA cacert.crt -CAkey ca-private.pem "
		 "-CAcreateserial -days 2 -extfile %s.ext -out %s-cert.crt 2>/dev/null",
		 s->ca_dir, name, name, name, name, name, name, name);
	assert_int_equal(system(cmd), 0);
}

static long post_policy(const struct teev_server *s, const struct client_identity *id,
			const char *name)
{
	static const char doc[] = "{\"allow_any_measurement\": true}";
	char path[128];
	struct http_result r;
	long status;

	snprintf(path, sizeof(path), "/v2.5/teepolicies/%s", name);
	assert_int_equal(harness_request(s, id, "POST", path, doc, strlen(doc), &r), 0);
	status = r.status;
	http_result_free(&r);
	return status;
}

/* deploy/README's renewal recipe: replace the files, kill -HUP. */
static void test_sighup_reloads_policy_admins(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	struct client_identity old_admin, renewed;
	char cmd[1024];
	(void)state;

	assert_int_equal(harness_start(track(&server), NULL), 0);
	issue_client(&server, "renewed");
	/* The old admin keeps its files under other names. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && cp client-cert.crt old-cert.crt && cp client-private.pem old-private.pem",
		 server.ca_dir);
	assert_int_equal(system(cmd), 0);
	harness_identity(server.ca_dir, "old", &old_admin);
	harness_identity(server.ca_dir, "renewed", &renewed);

	assert_int_equal(post_policy(&server, &old_admin, "before"), 201);
	assert_int_equal(post_policy(&server, &renewed, "early"), 403);

	/* Renewal: the admin certificate (policy_admins = default, i.e.
	 * client-cert.crt) is replaced, then SIGHUP. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && cp renewed-cert.crt client-cert.crt", server.ca_dir);
	assert_int_equal(system(cmd), 0);
	sighup(&server, "SIGHUP: TLS certificates reloaded", 1);
	assert_int_equal(post_policy(&server, &renewed, "after"), 201);
	assert_int_equal(post_policy(&server, &old_admin, "stale"), 403);

	/* An admin file that does not load: the old listener and admins stay. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && : >client-cert.crt", server.ca_dir);
	assert_int_equal(system(cmd), 0);
	sighup(&server, "SIGHUP: keeping the old TLS certificates and policy_admins", 1);
	assert_int_equal(post_policy(&server, &renewed, "still"), 201);
	assert_int_equal(get_version(&server, &old_admin), 200);
	assert_int_equal(harness_stop(&server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_second_serve_on_the_same_port_is_refused, stop_running),
		cmocka_unit_test_teardown(test_sighup_reloads_policy_admins, stop_running),
	};
	return cmocka_run_group_tests_name("integration: listener and SIGHUP", tests, NULL, NULL);
}
