/* test_config.c - unit tests for server/config.c: built-in defaults, the INI
 * file (only its [verifier] section counts; errors name file:line), numbers
 * with ranges and K/M/G size suffixes, TEEV_<OPTION> environment overrides,
 * the trusted_client_ca list forms Keylime writes, and tls_dir-relative paths.
 * Each test gets its own mkdtemp folder for config files, removed (with any
 * TEEV_ variables the test set) by the teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"

#define ERR_LEN 512

static const char *const env_vars[] = {"TEEV_PORT", "TEEV_MAX_UPLOAD_SIZE", "TEEV_IP",
				       "TEEV_THREADS"};

struct fixture {
	char dir[64];
	char path[128]; /* the last file written */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/teev-config-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	DIR *dir = opendir(fx->dir);
	struct dirent *ent;

	while (dir && (ent = readdir(dir)) != NULL) {
		char file[512];

		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", fx->dir, ent->d_name);
		unlink(file);
	}
	if (dir)
		closedir(dir);
	rmdir(fx->dir);
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	free(fx);
	return 0;
}

/* Writes text to <dir>/verifier.conf and returns its path. */
static const char *write_conf(struct fixture *fx, const char *text)
{
	FILE *fp;

	snprintf(fx->path, sizeof(fx->path), "%s/verifier.conf", fx->dir);
	fp = fopen(fx->path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return fx->path;
}

/* Loads text over the defaults and asserts it fails with an error holding
 * "<path>:<line>:" and want_text. */
static void assert_file_error(struct fixture *fx, const char *text, unsigned line,
			      const char *want_text)
{
	struct teev_config c;
	char err[ERR_LEN] = "";
	char where[256];
	const char *path = write_conf(fx, text);

	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -1);
	snprintf(where, sizeof(where), "%s:%u:", path, line);
	if (!strstr(err, where) || !strstr(err, want_text))
		fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, where, want_text);
}

/* Loads text over the defaults, asserting success. */
static void load_ok(struct fixture *fx, const char *text, struct teev_config *c)
{
	char err[ERR_LEN] = "";

	config_defaults(c);
	if (config_load_file(c, write_conf(fx, text), err, sizeof(err)) != 0)
		fail_msg("config_load_file: %s", err);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	struct teev_config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.ip, "127.0.0.1");
	assert_int_equal(c.port, 8881);
	assert_string_equal(c.tls_dir, "var/cv_ca");
	assert_string_equal(c.server_key, "default");
	assert_string_equal(c.server_cert, "default");
	assert_string_equal(c.trusted_client_ca, "default");
	assert_int_equal(c.max_upload_size, 32ull * 1024 * 1024);
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.connection_timeout, 30);
	assert_int_equal(c.max_connections, 1024);
	/* Issue 12: a sane per-address limit and a handshake deadline by default. */
	assert_int_equal(c.per_ip_connection_limit, 128);
	assert_int_equal(c.tls_handshake_timeout, 10);
	assert_int_equal(c.max_body_memory, 256ull * 1024 * 1024);
	assert_string_equal(c.evidence_client_auth, "required");
	assert_int_equal(c.anonymous_max_upload_size, 8ull * 1024 * 1024);
	assert_int_equal(c.anonymous_max_requests, 2);
	assert_string_equal(c.database, "var/teev.db");
	assert_string_equal(c.amd_root_dir, "");
	assert_string_equal(c.vcek_offline_dir, "");
	assert_int_equal(c.vek_cache_slots, 4096);
}

/* ---- the INI file ---- */

/* Keylime's files hold other components' sections: their options (even
 * unknown ones or bad values) are not ours to judge. */
static void test_file_verifier_section_only(void **state)
{
	struct teev_config c;

	load_ok(*state,
		"# teev test config\n"
		"; another comment style\n"
		"[general]\n"
		"port = not-a-number\n"
		"receive_revocation_ip = 1.2.3.4\n"
		"\n"
		"[ verifier ]\n"
		"ip = 0.0.0.0\n"
		"port=9001\n"
		"  threads   =   4  \n"
		"database = /var/lib/teev/teev.db\n"
		"trusted_client_ca = a.crt, b.crt\n"
		"amd_root_dir = /etc/teev/amd\n"
		"\n"
		"[registrar]\n"
		"port = 8891\n"
		"ip = 10.0.0.1\n",
		&c);
	assert_string_equal(c.ip, "0.0.0.0");
	assert_int_equal(c.port, 9001);
	assert_int_equal(c.threads, 4);
	assert_string_equal(c.database, "/var/lib/teev/teev.db");
	assert_string_equal(c.trusted_client_ca, "a.crt, b.crt");
	assert_string_equal(c.amd_root_dir, "/etc/teev/amd");
	/* Untouched options keep their defaults. */
	assert_int_equal(c.connection_timeout, 30);
	assert_string_equal(c.tls_dir, "var/cv_ca");
}

/* Options before any section header belong to no section and are ignored. */
static void test_file_options_outside_sections_ignored(void **state)
{
	struct teev_config c;

	load_ok(*state, "port = 1234\nbogus = 1\n[verifier]\nthreads = 2\n", &c);
	assert_int_equal(c.port, 8881);
	assert_int_equal(c.threads, 2);
}

/* A file edited on Windows still loads: '\r' is trailing whitespace. */
static void test_file_crlf_line_endings(void **state)
{
	struct teev_config c;

	load_ok(*state, "[verifier]\r\nport = 9002\r\ndatabase = x.db\r\n", &c);
	assert_int_equal(c.port, 9002);
	assert_string_equal(c.database, "x.db");
}

static void test_file_unknown_option(void **state)
{
	assert_file_error(*state,
			  "[verifier]\n"
			  "# a comment\n"
			  "\n"
			  "port = 9001\n"
			  "colour = blue\n",
			  5, "unknown option \"colour\"");
}

static void test_file_bad_numbers(void **state)
{
	struct fixture *fx = *state;

	assert_file_error(fx, "[verifier]\nport = abc\n", 2, "port");
	assert_file_error(fx, "[verifier]\nport = 70000\n", 2, "65535");
	assert_file_error(fx, "[verifier]\nport = 65536\n", 2, "port");
	assert_file_error(fx, "[verifier]\nport = -1\n", 2, "port");
	assert_file_error(fx, "[verifier]\nport = 80x\n", 2, "port");
	assert_file_error(fx, "[verifier]\nport =\n", 2, "port");
	assert_file_error(fx, "[verifier]\nthreads = 257\n", 2, "threads");
	assert_file_error(fx, "[verifier]\nconnection_timeout = 3601\n", 2,
			  "connection_timeout");
	assert_file_error(fx, "[verifier]\nvek_cache_slots = 7\n", 2, "vek_cache_slots");
	/* Wider than unsigned: must not wrap into range. */
	assert_file_error(fx, "[verifier]\nport = 4294975497\n", 2, "port");
	assert_file_error(fx, "[verifier]\nport = 99999999999999999999999\n", 2, "port");
	/* Suffixes are for sizes only. */
	assert_file_error(fx, "[verifier]\nport = 8K\n", 2, "port");
}

static void test_file_size_suffixes(void **state)
{
	static const struct {
		const char *value;
		unsigned long long want;
	} good[] = {
		{"16M", 16ull << 20},   {"16m", 16ull << 20}, {"16MiB", 16ull << 20},
		{"64K", 64ull << 10},   {"1G", 1ull << 30},   {"4G", 4ull << 30},
		{"1024", 1024},         {"2048k", 2ull << 20},
	};
	static const char *const bad[] = {"16X", "1023", "5G", "M", "16 M", "-16M", "0"};
	struct fixture *fx = *state;
	char text[128];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct teev_config c;

		snprintf(text, sizeof(text), "[verifier]\nmax_upload_size = %s\n", good[i].value);
		load_ok(fx, text, &c);
		assert_int_equal(c.max_upload_size, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[verifier]\nmax_upload_size = %s\n", bad[i]);
		print_message("  max_upload_size = %s\n", bad[i]);
		assert_file_error(fx, text, 2, "max_upload_size");
	}
}

static void test_file_malformed_lines(void **state)
{
	struct fixture *fx = *state;

	assert_file_error(fx, "[verifier]\nport 9001\n", 2, "name = value");
	assert_file_error(fx, "[verifier\nport = 9001\n", 1, "section");
	assert_file_error(fx, "\n\n[verifier] trailing\n", 3, "section");
}

static void test_file_string_too_long(void **state)
{
	char text[CONFIG_PATH_MAX + 64];
	size_t n = (size_t)snprintf(text, sizeof(text), "[verifier]\ndatabase = ");

	memset(text + n, 'a', CONFIG_PATH_MAX);
	snprintf(text + n + CONFIG_PATH_MAX, sizeof(text) - n - CONFIG_PATH_MAX, "\n");
	assert_file_error(*state, text, 2, "database");
}

static void test_file_missing(void **state)
{
	struct fixture *fx = *state;
	struct teev_config c;
	char err[ERR_LEN] = "";
	char path[256];

	snprintf(path, sizeof(path), "%s/absent.conf", fx->dir);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

/* A failed load leaves the error in err and stops at the first bad line. */
static void test_file_stops_at_first_error(void **state)
{
	struct fixture *fx = *state;
	struct teev_config c;
	char err[ERR_LEN] = "";

	config_defaults(&c);
	assert_int_equal(config_load_file(&c,
					  write_conf(fx, "[verifier]\nport = 9001\nport = x\n"
							 "threads = 9\n"),
					  err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, ":3:"));
	assert_int_equal(c.threads, 0);
}

/* ---- environment ---- */

static void test_env_overrides_file(void **state)
{
	struct teev_config c;
	char err[ERR_LEN] = "";

	load_ok(*state, "[verifier]\nport = 9001\nthreads = 3\n", &c);
	assert_int_equal(setenv("TEEV_PORT", "9443", 1), 0);
	assert_int_equal(setenv("TEEV_MAX_UPLOAD_SIZE", "2M", 1), 0);
	assert_int_equal(config_load_env(&c, err, sizeof(err)), 0);
	assert_int_equal(c.port, 9443);
	assert_int_equal(c.max_upload_size, 2ull << 20);
	assert_int_equal(c.threads, 3); /* no TEEV_THREADS: the file's value stays */
}

static void test_env_bad_value(void **state)
{
	struct teev_config c;
	char err[ERR_LEN] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(setenv("TEEV_PORT", "http", 1), 0);
	assert_int_equal(config_load_env(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TEEV_PORT"));
	assert_int_equal(c.port, 8881);
}

/* ---- config_set ---- */

static void test_set_by_name(void **state)
{
	struct teev_config c;
	char err[ERR_LEN] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "per_ip_connection_limit", "16", err, sizeof(err)), 0);
	assert_int_equal(c.per_ip_connection_limit, 16);
	assert_int_equal(config_set(&c, "max_body_memory", "512M", err, sizeof(err)), 0);
	assert_int_equal(c.max_body_memory, 512ull * 1024 * 1024);
	/* Less than 1 MiB of bodies in flight would refuse nearly everything. */
	assert_int_equal(config_set(&c, "max_body_memory", "1000", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "anonymous_max_requests", "0", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "ip", "::1", err, sizeof(err)), 0);
	assert_string_equal(c.ip, "::1");
	assert_int_equal(config_set(&c, "no_such", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no_such"));
}

/* ---- trusted_client_ca ---- */

struct collected {
	char names[8][64];
	size_t count;
	size_t stop_after; /* 0: never stop */
};

static int collect(const char *file, void *arg)
{
	struct collected *out = arg;

	if (out->count == 8)
		return -1;
	snprintf(out->names[out->count], sizeof(out->names[0]), "%s", file);
	out->count++;
	return out->stop_after && out->count == out->stop_after ? -1 : 0;
}

static void each_client_ca(const char *value, struct collected *out)
{
	struct teev_config c;

	config_defaults(&c);
	snprintf(c.trusted_client_ca, sizeof(c.trusted_client_ca), "%s", value);
	memset(out, 0, sizeof(*out));
	assert_int_equal(config_each_client_ca(&c, collect, out), 0);
}

static void test_client_ca_forms(void **state)
{
	struct collected got;

	(void)state;
	each_client_ca("default", &got);
	assert_int_equal(got.count, 1);
	assert_string_equal(got.names[0], "cacert.crt");

	each_client_ca("a.crt, b.crt", &got);
	assert_int_equal(got.count, 2);
	assert_string_equal(got.names[0], "a.crt");
	assert_string_equal(got.names[1], "b.crt");

	each_client_ca("['a.crt', \"b.crt\"]", &got);
	assert_int_equal(got.count, 2);
	assert_string_equal(got.names[0], "a.crt");
	assert_string_equal(got.names[1], "b.crt");

	each_client_ca("/etc/ca/one.crt", &got);
	assert_int_equal(got.count, 1);
	assert_string_equal(got.names[0], "/etc/ca/one.crt");

	/* Empty items are skipped, not passed on as "". */
	each_client_ca("a.crt,, ,b.crt,", &got);
	assert_int_equal(got.count, 2);
	assert_string_equal(got.names[1], "b.crt");
}

static void test_client_ca_callback_error_stops(void **state)
{
	struct teev_config c;
	struct collected got;

	(void)state;
	config_defaults(&c);
	snprintf(c.trusted_client_ca, sizeof(c.trusted_client_ca), "a.crt, b.crt, c.crt");
	memset(&got, 0, sizeof(got));
	got.stop_after = 2;
	assert_int_equal(config_each_client_ca(&c, collect, &got), -1);
	assert_int_equal(got.count, 2);
}

/* ---- paths and printing ---- */

static void test_tls_path(void **state)
{
	struct teev_config c;
	char out[CONFIG_PATH_MAX];

	(void)state;
	config_defaults(&c);
	config_tls_path(&c, "/etc/teev/server.crt", out, sizeof(out));
	assert_string_equal(out, "/etc/teev/server.crt");
	config_tls_path(&c, "server-cert.crt", out, sizeof(out));
	assert_string_equal(out, "var/cv_ca/server-cert.crt");
	snprintf(c.tls_dir, sizeof(c.tls_dir), "/srv/tls");
	config_tls_path(&c, "sub/ca.crt", out, sizeof(out));
	assert_string_equal(out, "/srv/tls/sub/ca.crt");
}

static void test_print_lists_every_option(void **state)
{
	struct teev_config c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	assert_non_null(fp);
	config_defaults(&c);
	c.port = 9443;
	config_print(&c, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(text, "port = 9443\n"));
	assert_non_null(strstr(text, "max_upload_size = 33554432\n"));
	assert_non_null(strstr(text, "ip = 127.0.0.1\n"));
	assert_non_null(strstr(text, "vek_cache_slots = 4096\n"));
	assert_non_null(strstr(text, "amd_root_dir = \n"));
	free(text);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_defaults),
		TEST(test_file_verifier_section_only),
		TEST(test_file_options_outside_sections_ignored),
		TEST(test_file_crlf_line_endings),
		TEST(test_file_unknown_option),
		TEST(test_file_bad_numbers),
		TEST(test_file_size_suffixes),
		TEST(test_file_malformed_lines),
		TEST(test_file_string_too_long),
		TEST(test_file_missing),
		TEST(test_file_stops_at_first_error),
		TEST(test_env_overrides_file),
		TEST(test_env_bad_value),
		TEST(test_set_by_name),
		TEST(test_client_ca_forms),
		TEST(test_client_ca_callback_error_stops),
		TEST(test_tls_path),
		TEST(test_print_lists_every_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
