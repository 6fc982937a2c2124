/* test_storage_faults.c - the database's storage failing under teev: a disk
 * that fills up while the server runs (verdicts keep coming, policy writes
 * get 503 and change nothing, log records wait in the queue and are written
 * once there is room again), a database on a read-only or full file system
 * (refused at start with a clear message), and SIGKILL while verdicts are being
 * logged (committed records survive, the database stays intact).
 *
 * The small and read-only file systems are tmpfs mounts in this test's own
 * mount namespace, so nothing outside it sees them. That needs root, as
 * `make test` does for installing packages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/policy_store.h"
#include "tests/integration/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#define ALLOW_ANY "{\"allow_any_measurement\": true}"
#define SMALL_DISK "size=8m,mode=0700"

struct suite {
	char fixture[256];
	char *request; /* a passing SNP request body (forged chain) */
};

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char path[400];

	if (!s)
		return -1;
	*state = s;
	if (harness_forge_fixture(s->fixture, sizeof(s->fixture)))
		return -1;
	snprintf(path, sizeof(path), "%s/milan/request.json", s->fixture);
	s->request = harness_read_file(path, NULL);
	return s->request ? 0 : -1;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;

	if (!s)
		return -1;
	const char *rm[] = {"/bin/rm", "-rf", s->fixture, NULL};
	harness_run(rm);
	free(s->request);
	free(s);
	return 0;
}

/* A fresh tmpfs of 8 MiB at a new folder named in dir. */
static void mount_small_disk(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/teev-disk-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, SMALL_DISK) != 0)
		fail_msg("mount tmpfs at %s: %s", dir, strerror(errno));
}

static void unmount_small_disk(const char *dir)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

/* Writes a file until the file system has no room left. */
static void fill_disk(const char *path)
{
	static const char chunk[64 * 1024];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	for (;;) {
		ssize_t n = write(fd, chunk, sizeof(chunk));
		if (n < 0) {
			assert_int_equal(errno, ENOSPC);
			break;
		}
	}
	/* Whatever partial block is left, take it too. */
	while (write(fd, chunk, 1) == 1)
		;
	close(fd);
}

/* A server trusting the fixture's roots with the operations listener, its
 * database at db_path (NULL: the default), and a default policy stored. */
static unsigned start(struct suite *s, struct teev_server *server, struct client_identity *admin,
		      const char *db_path)
{
	unsigned ops_port = harness_start_snp(server, admin, s->fixture, NULL, db_path);

	assert_int_not_equal(ops_port, 0);
	return ops_port;
}

static void verify_passes(struct suite *s, struct teev_server *server,
			  const struct client_identity *id)
{
	struct http_result r;

	harness_request(server, id, "POST", "/v2.5/verify/evidence", s->request,
			strlen(s->request), &r);
	struct json_object *results = NULL, *valid = NULL;

	if (r.status != 200 || !json_object_object_get_ex(r.json, "results", &results) ||
	    !json_object_object_get_ex(results, "valid", &valid) || !json_object_get_boolean(valid))
		fail_msg("verification: %ld %s", r.status, r.body ? r.body : r.error);
	http_result_free(&r);
}

static long long metric(unsigned ops_port, const char *series)
{
	char *scrape = NULL;
	long long value = -1;

	if (harness_ops_get(ops_port, "/metrics", &scrape) == 200)
		value = harness_metric(scrape, series);
	free(scrape);
	return value;
}

/* Polls a metric until it reaches want, for up to timeout_ms. */
static long long wait_metric(unsigned ops_port, const char *series, long long want,
			     int timeout_ms)
{
	long long value = -1;

	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		value = metric(ops_port, series);
		if (value >= want)
			break;
		usleep(50 * 1000);
	}
	return value;
}

static void assert_database_intact(const char *db_path)
{
	struct db *db = NULL;
	char err[512];

	if (db_open(db_path, &db, err, sizeof(err)))
		fail_msg("%s", err);
	if (db_integrity_check(db, err, sizeof(err)))
		fail_msg("%s", err);
	db_close(db);
}

static void assert_log_mentions(const struct teev_server *server, const char *text)
{
	char *log = harness_read_file(server->log_path, NULL);

	if (!log || !strstr(log, text))
		fail_msg("the server log does not say \"%s\":\n%s", text, log ? log : "(none)");
	free(log);
}

/* `teev serve` on db_path exits 1 with a message naming the file and why. */
static void assert_refused_at_start(const struct teev_server *server, const char *db_path,
				    const char *why)
{
	char *errors = NULL;
	const char *serve[] = {harness_env("TEEV_BIN", "build/teev"), "serve", "--config",
			       server->config_path, "--database", db_path, "--port", "0", NULL};

	assert_int_equal(harness_run_capture(serve, NULL, &errors), 1);
	if (!errors || !strstr(errors, db_path) || !strstr(errors, why))
		fail_msg("unclear refusal: %s", errors ? errors : "(nothing)");
	free(errors);
}

/* The disk fills while the server runs: verdicts still come (200, valid),
 * policy writes get 503 and change nothing, stored policies still read, and
 * the verdicts' log records wait in the queue until there is room again,
 * then all of them are written. */
static void test_full_disk_keeps_verifying(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	struct http_result r;
	char disk[64], db_path[128], filler[128];
	const int while_full = 20;

	mount_small_disk(disk, sizeof(disk));
	snprintf(db_path, sizeof(db_path), "%s/teev.db", disk);
	snprintf(filler, sizeof(filler), "%s/filler", disk);
	unsigned ops = start(s, &server, &admin, db_path);
	verify_passes(s, &server, &admin);
	assert_int_equal(wait_metric(ops, "teev_verification_log_written_total", 1, 5000), 1);

	fill_disk(filler);
	assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/teepolicies/other",
					 ALLOW_ANY, strlen(ALLOW_ANY), &r), 0);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "full"));
	assert_non_null(strstr(r.body, "nothing was changed"));
	http_result_free(&r);
	assert_int_equal(harness_request(&server, &admin, "PUT", "/v2.5/teepolicies/default",
					 ALLOW_ANY, strlen(ALLOW_ANY), &r), 0);
	assert_int_equal(r.status, 503);
	http_result_free(&r);
	assert_int_equal(harness_request(&server, &admin, "GET", "/v2.5/teepolicies/default", NULL, 0,
					 &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_object_get_int(json_object_object_get(
				 json_object_object_get(r.json, "results"), "version")),
			 1);
	http_result_free(&r);

	for (int i = 0; i < while_full; i++)
		verify_passes(s, &server, &admin);
	assert_true(wait_metric(ops, "teev_verification_log_write_failures_total", 1, 5000) >= 1);
	assert_int_equal(metric(ops, "teev_verification_log_queue_depth"), while_full);
	assert_int_equal(metric(ops, "teev_verification_log_written_total"), 1);
	assert_int_equal(metric(ops, "teev_verification_log_lost_total"), 0);
	assert_log_mentions(&server, "keeping records queued and retrying");

	/* Room again: the held records are written (the retry pause is at most 5 s). */
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(wait_metric(ops, "teev_verification_log_written_total", 1 + while_full,
				     15000),
			 1 + while_full);
	assert_int_equal(metric(ops, "teev_verification_log_queue_depth"), 0);
	assert_int_equal(metric(ops, "teev_verification_log_dropped_total"), 0);
	assert_log_mentions(&server, "writing again");
	assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/teepolicies/other",
					 ALLOW_ANY, strlen(ALLOW_ANY), &r), 0);
	assert_int_equal(r.status, 201);
	http_result_free(&r);

	assert_true(harness_alive(&server));
	assert_int_equal(harness_terminate(&server), 0);
	assert_int_equal(harness_count_verifications(db_path, "WHERE valid = 1"), 1 + while_full);
	assert_database_intact(db_path);
	const char *rm[] = {"/bin/rm", "-rf", server.dir, NULL};
	harness_run(rm);
	unmount_small_disk(disk);
}

/* A database on a read-only file system: `teev serve` says so and exits 1;
 * the file is unchanged and usable once the file system is writable. */
static void test_read_only_database_refused(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	struct stored_policy p;
	struct db *db = NULL;
	char disk[64], db_path[128], err[512];
	char *errors = NULL;

	mount_small_disk(disk, sizeof(disk));
	snprintf(db_path, sizeof(db_path), "%s/teev.db", disk);
	start(s, &server, &admin, db_path);
	assert_int_equal(harness_terminate(&server), 0);
	if (mount("tmpfs", disk, "tmpfs", MS_REMOUNT | MS_RDONLY, SMALL_DISK) != 0)
		fail_msg("remount %s read-only: %s", disk, strerror(errno));

	assert_refused_at_start(&server, db_path, "is read-only");
	/* The CLI opens it the same way and says the same. */
	const char *list[] = {"policy", "list", "--kind", "snp", "--database", db_path, NULL};
	assert_int_equal(harness_teev(&server, list, NULL, &errors), 1);
	assert_non_null(strstr(errors, "is read-only"));
	free(errors);

	if (mount("tmpfs", disk, "tmpfs", MS_REMOUNT, SMALL_DISK) != 0)
		fail_msg("remount %s read-write: %s", disk, strerror(errno));
	assert_database_intact(db_path);
	assert_int_equal(db_open(db_path, &db, err, sizeof(err)), 0);
	assert_int_equal(policy_store_get(db, "snp", "default", &p, err, sizeof(err)), STORE_OK);
	assert_int_equal(p.version, 1);
	stored_policy_clear(&p);
	db_close(db);
	const char *rm[] = {"/bin/rm", "-rf", server.dir, NULL};
	harness_run(rm);
	unmount_small_disk(disk);
}

/* A database on a file system with no space left at start: a clear refusal
 * (SQLite alone says "disk I/O error"), and the file is intact afterwards. */
static void test_full_disk_at_start_refused(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	char disk[64], db_path[128], filler[128];

	mount_small_disk(disk, sizeof(disk));
	snprintf(db_path, sizeof(db_path), "%s/teev.db", disk);
	snprintf(filler, sizeof(filler), "%s/filler", disk);
	start(s, &server, &admin, db_path);
	assert_int_equal(harness_terminate(&server), 0);
	fill_disk(filler);

	assert_refused_at_start(&server, db_path, "is full");

	assert_int_equal(unlink(filler), 0);
	assert_database_intact(db_path);
	const char *rm[] = {"/bin/rm", "-rf", server.dir, NULL};
	harness_run(rm);
	unmount_small_disk(disk);
}

struct stream {
	struct suite *s;
	struct teev_server *server;
	const struct client_identity *id;
	int verdicts; /* 200 answers received */
};

static void *verify_until_killed(void *arg)
{
	struct stream *st = arg;

	for (int i = 0; i < 100000; i++) {
		struct http_result r;
		harness_request(st->server, st->id, "POST", "/v2.5/verify/evidence", st->s->request,
				strlen(st->s->request), &r);
		long status = r.status;
		http_result_free(&r);
		if (status != 200)
			break; /* the server died under us */
		st->verdicts++;
	}
	return NULL;
}

/* SIGKILL while verdicts stream in and are being logged: after a restart the
 * database is intact, every record committed before is still there, no
 * record is half-written, there are never more records than verdicts, and
 * logging goes on. Records still queued at the kill (under a second's
 * worth) are the documented loss. */
static void test_sigkill_during_log_writes(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	struct stream streams[2];
	pthread_t threads[2];
	const int before = 30;
	int answered = 0;

	unsigned ops = start(s, &server, &admin, NULL);
	for (int i = 0; i < before; i++)
		verify_passes(s, &server, &admin);
	assert_int_equal(wait_metric(ops, "teev_verification_log_written_total", before, 5000),
			 before);

	for (int i = 0; i < 2; i++) {
		streams[i] = (struct stream){.s = s, .server = &server, .id = &admin};
		assert_int_equal(pthread_create(&threads[i], NULL, verify_until_killed, &streams[i]),
				 0);
	}
	usleep(600 * 1000);
	assert_int_equal(harness_kill_and_restart(&server), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(threads[i], NULL);
		answered += streams[i].verdicts;
	}
	assert_true(answered > 0);

	assert_database_intact(server.db_path);
	long long rows = harness_count_verifications(server.db_path, "");
	assert_int_equal(harness_count_verifications(server.db_path, "WHERE id <= 30 AND valid = 1"), before);
	assert_true(rows > before); /* the stream's batches were committing */
	assert_true(rows <= before + answered + 2); /* at most the in-flight ones unanswered */
	assert_int_equal(harness_count_verifications(server.db_path,
				    "WHERE NOT json_valid(failures) OR NOT json_valid(claims)"
				    " OR length(evidence_sha256) != 64"),
			 0);

	/* The restarted server (a new ops port is not needed: same config) logs on. */
	verify_passes(s, &server, &admin);
	assert_int_equal(harness_terminate(&server), 0);
	assert_int_equal(harness_count_verifications(server.db_path, ""), rows + 1);
	assert_database_intact(server.db_path);
	const char *rm[] = {"/bin/rm", "-rf", server.dir, NULL};
	harness_run(rm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_disk_keeps_verifying),
		cmocka_unit_test(test_read_only_database_refused),
		cmocka_unit_test(test_full_disk_at_start_refused),
		cmocka_unit_test(test_sigkill_during_log_writes),
	};

	/* Private mounts: the small file systems vanish with this process. */
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr,
			"test_storage_faults: cannot make a private mount namespace (%s); "
			"this test mounts small file systems and needs root\n",
			strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests_name("integration: storage faults (full, read-only, SIGKILL)",
					   tests, suite_setup, suite_teardown);
}
