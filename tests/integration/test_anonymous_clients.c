/* test_anonymous_clients.c - issue 12, item 12: evidence_client_auth =
 * optional, for Keylime's own one-shot client, which sends no client
 * certificate (upstream makes /verify/evidence public).
 *
 *   - upstream's scripts/keylime_oneshot_attestation, unmodified, with
 *     Debian's python3, against teev and a software TPM: a passing verdict
 *     (only its tpm2-tools version check is answered by a wrapper: it wants
 *     5.5, Debian has 5.4, which does all the script asks); with the default
 *     (required) the same script is refused;
 *   - its "ima_measurement_list": [] (no IMA here) is "no list";
 *   - without a certificate only POST /verify/evidence and GET /version
 *     are served; a bad certificate is refused everywhere;
 *   - anonymous bodies have their own limit, and anonymous requests their
 *     own cap (503 with Retry-After beyond it);
 *   - certificate holders are served while anonymous clients flood with
 *     maximum-size IMA requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"
#include "tests/integration/swtpm.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ANON_MAX_UPLOAD (2 * 1024 * 1024)
#define NONCE "teevanonymousnonce01"
#define FLOODERS 6
#define FLOOD_SECONDS 5.0

struct suite {
	struct swtpm tpm;
	struct teev_server server; /* evidence_client_auth = optional */
	struct client_identity client, stranger, none;
	char other_ca[256];  /* a CA teev does not trust (the stranger's) */
	char wrapper[400];   /* a folder with the tpm2_startup wrapper */
	unsigned ops_port;
	char *ek_b64, *ak_b64;
	char *quote15;       /* PCR 15 quoted: passes with its PCR policy */
	char *quote10;       /* PCRs 10 and 15 quoted: judged against an IMA list */
	char pcr15[65];
};

static char *base64_of(const unsigned char *bytes, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, bytes, (int)len);
	return out;
}

static char *base64_of_file(const char *path)
{
	size_t len = 0;
	unsigned char *raw = (unsigned char *)harness_read_file(path, &len);
	char *out = raw ? base64_of(raw, len) : NULL;

	free(raw);
	return out;
}

static int tpm_tool(const struct suite *s, const char *const argv[])
{
	char *err = NULL;
	int rc = swtpm_tool(&s->tpm, argv, NULL, &err);

	if (rc != 0)
		fprintf(stderr, "%s exited %d: %s\n", argv[0], rc, err ? err : "");
	free(err);
	return rc;
}

/* Keylime's compound quote of `selection` with NONCE. */
static char *take_quote(const struct suite *s, const char *selection)
{
	char ak_ctx[320], attest[320], sig[320], pcrs[320], nonce_hex[2 * sizeof(NONCE)];
	char *a, *g, *p, *out = NULL;

	for (size_t i = 0; i < strlen(NONCE); i++)
		snprintf(nonce_hex + 2 * i, 3, "%02x", (unsigned char)NONCE[i]);
	swtpm_path(&s->tpm, "ak.ctx", ak_ctx, sizeof(ak_ctx));
	swtpm_path(&s->tpm, "quote.out", attest, sizeof(attest));
	swtpm_path(&s->tpm, "sig.out", sig, sizeof(sig));
	swtpm_path(&s->tpm, "pcr.out", pcrs, sizeof(pcrs));
	const char *argv[] = {"tpm2_quote", "-c", ak_ctx, "-l", selection, "-q", nonce_hex, "-m",
			      attest,	    "-s", sig,	  "-o", pcrs,	   "-g", "sha256",  NULL};
	if (tpm_tool(s, argv) != 0)
		return NULL;
	a = base64_of_file(attest);
	g = base64_of_file(sig);
	p = base64_of_file(pcrs);
	if (a && g && p && asprintf(&out, "r%s:%s:%s", a, g, p) < 0)
		out = NULL;
	free(a);
	free(g);
	free(p);
	return out;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(text, fp);
	fclose(fp);
	return chmod(path, mode);
}

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char extra[256], path[600];
	const char *missing = swtpm_missing_program();

	if (!s)
		return -1;
	*state = s;
	s->none.none = true;
	if (missing) {
		fprintf(stderr, "%s is not on PATH (make test installs it)\n", missing);
		return -1;
	}
	/* Left unstarted: the upstream script sends TPM2_Startup itself. */
	if (swtpm_start_unstarted(&s->tpm) != 0)
		return -1;
	/* Only tpm2_startup --version is answered here; everything else runs
	 * Debian's tool. */
	swtpm_path(&s->tpm, "bin", s->wrapper, sizeof(s->wrapper));
	snprintf(path, sizeof(path), "%s/tpm2_startup", s->wrapper);
	if (mkdir(s->wrapper, 0700) != 0 ||
	    write_text(path,
		       "#!/bin/sh\n"
		       "# keylime_oneshot_attestation refuses tpm2-tools below 5.5; Debian 12\n"
		       "# has 5.4, which does everything the script calls. Only the version\n"
		       "# query is answered here.\n"
		       "if [ \"$*\" = \"--version\" ]; then\n"
		       "  echo 'tool=\"tpm2_startup\" version=\"5.5\" tctis=\"libtss2-tctildr\"'\n"
		       "  exit 0\n"
		       "fi\n"
		       "exec /usr/bin/tpm2_startup \"$@\"\n",
		       0700) != 0)
		return -1;
	s->ops_port = harness_free_port();
	snprintf(extra, sizeof(extra),
		 "evidence_client_auth = optional\nanonymous_max_upload_size = %d\n"
		 "anonymous_max_requests = 1\nops_port = %u\n",
		 ANON_MAX_UPLOAD, s->ops_port);
	if (harness_start(&s->server, extra))
		return -1;
	harness_identity(s->server.ca_dir, "client", &s->client);
	snprintf(s->other_ca, sizeof(s->other_ca), "/tmp/teev-otherca-XXXXXX");
	if (!mkdtemp(s->other_ca))
		return -1;
	snprintf(path, sizeof(path), "%s/ca", s->other_ca);
	const char *init[] = {harness_env("TEEV_BIN", "build/teev"), "certs", "init", path, NULL};
	if (harness_run(init) != 0)
		return -1;
	harness_identity(path, "client", &s->stranger);
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int rc = 0;

	if (!s)
		return -1;
	if (s->server.dir[0] && harness_stop(&s->server) != 0)
		rc = -1;
	if (swtpm_stop(&s->tpm) != 0)
		rc = -1;
	if (s->other_ca[0]) {
		const char *rm[] = {"/bin/rm", "-rf", s->other_ca, NULL};
		harness_run(rm);
	}
	free(s->ek_b64);
	free(s->ak_b64);
	free(s->quote15);
	free(s->quote10);
	free(s);
	return rc;
}

/* Runs the upstream script against server; returns its exit status, its
 * log (stderr) in *log. */
static int run_oneshot(struct suite *s, const struct teev_server *server, const char *policy_path,
		       char **log)
{
	char port[16], cacert[400], script[600], pythonpath[600], env_path[2048];
	const char *shared = harness_env("SHARED_DIR", "../shared");
	const char *argv[] = {"/usr/bin/python3", script, "--tpm-policy", policy_path,
			      "--verifier-host", "127.0.0.1", "--verifier-port", port,
			      "--verifier-cacert", cacert, NULL};
	int rc;

	snprintf(port, sizeof(port), "%u", server->port);
	snprintf(cacert, sizeof(cacert), "%s/cacert.crt", server->ca_dir);
	snprintf(script, sizeof(script), "%s/reference/keylime-7.14.3/scripts/keylime_oneshot_attestation",
		 shared);
	snprintf(pythonpath, sizeof(pythonpath), "%s/reference/keylime-7.14.3", shared);
	snprintf(env_path, sizeof(env_path), "%s:%s", s->wrapper,
		 harness_env("PATH", "/usr/bin:/bin"));
	/* The script's environment: its TPM, its package, the wrapper first. */
	setenv("TPM2TOOLS_TCTI", s->tpm.tcti_env + strlen("TPM2TOOLS_TCTI="), 1);
	setenv("PYTHONPATH", pythonpath, 1);
	setenv("PATH", env_path, 1);
	rc = harness_run_capture(argv, NULL, log);
	setenv("PATH", env_path + strlen(s->wrapper) + 1, 1);
	unsetenv("PYTHONPATH");
	unsetenv("TPM2TOOLS_TCTI");
	return rc;
}

static void test_upstream_oneshot_script(void **state)
{
	struct suite *s = *state;
	char policy_path[400];
	char *log = NULL, *server_log;
	struct teev_server strict;

	/* A fresh TPM's PCR 15 is all zeros. */
	swtpm_path(&s->tpm, "tpm-policy.json", policy_path, sizeof(policy_path));
	assert_int_equal(write_text(policy_path,
				    "{\"15\": [\"0000000000000000000000000000000000000000000000000000"
				    "000000000000\"]}",
				    0600),
			 0);
	if (run_oneshot(s, &s->server, policy_path, &log) != 0)
		fail_msg("keylime_oneshot_attestation failed:\n%s", log ? log : "(no output)");
	/* It exits 0 on any 200; the verdict is in its log. */
	if (!strstr(log, "Verifier HTTP Response Code: 200") || !strstr(log, "'valid': True"))
		fail_msg("no passing verdict:\n%s", log);
	/* It sent no IMA list the way it does without IMA: "[]". */
	assert_non_null(strstr(log, "'ima_measurement_list': []"));
	free(log);
	server_log = harness_read_file(s->server.log_path, NULL);
	assert_non_null(server_log);
	assert_non_null(
		strstr(server_log, "client=\"(anonymous)\" POST /v2.5/verify/evidence status=200"));
	free(server_log);

	/* With the default (certificates required) the script is refused. */
	assert_int_equal(harness_start(&strict, NULL), 0);
	assert_int_not_equal(run_oneshot(s, &strict, policy_path, &log), 0);
	assert_non_null(strstr(log, "Verifier HTTP Response Code: 401"));
	free(log);
	assert_int_equal(harness_stop(&strict), 0);
}

/* ---- keys and quotes for the requests below ---- */

static void make_keys(struct suite *s)
{
	char ek_ctx[320], ek_pub[320], ak_ctx[320], ak_pub[320], ak_name[320];
	const char *startup[] = {"tpm2_startup", "-c", NULL};
	char *err = NULL;

	if (s->quote15)
		return;
	/* Started by the script already, unless it did not run: ignore. */
	swtpm_tool(&s->tpm, startup, NULL, &err);
	free(err);
	swtpm_path(&s->tpm, "ek.ctx", ek_ctx, sizeof(ek_ctx));
	swtpm_path(&s->tpm, "ek.pub", ek_pub, sizeof(ek_pub));
	swtpm_path(&s->tpm, "ak.ctx", ak_ctx, sizeof(ak_ctx));
	swtpm_path(&s->tpm, "ak.pub", ak_pub, sizeof(ak_pub));
	swtpm_path(&s->tpm, "ak.name", ak_name, sizeof(ak_name));
	const char *createek[] = {"tpm2_createek", "-c", ek_ctx, "-G", "rsa", "-u", ek_pub, NULL};
	const char *createak[] = {"tpm2_createak", "-C", ek_ctx, "-c", ak_ctx, "-G", "rsa", "-g",
				  "sha256", "-s", "rsassa", "-u", ak_pub, "-f", "tss", "-n", ak_name,
				  NULL};
	assert_int_equal(tpm_tool(s, createek), 0);
	assert_int_equal(tpm_tool(s, createak), 0);
	s->ek_b64 = base64_of_file(ek_pub);
	s->ak_b64 = base64_of_file(ak_pub);
	s->quote15 = take_quote(s, "sha256:15");
	s->quote10 = take_quote(s, "sha256:10,15");
	assert_non_null(s->ek_b64);
	assert_non_null(s->ak_b64);
	assert_non_null(s->quote15);
	assert_non_null(s->quote10);
	memset(s->pcr15, '0', 64);
	s->pcr15[64] = '\0';
}

/* {"type": "tpm", "data": {...}} with the given quote and, when list_len
 * is not 0, an IMA list of about that many bytes (ima-ng lines). */
static char *tpm_request(const struct suite *s, const char *quote, size_t list_len)
{
	struct json_object *doc = json_object_new_object(), *data = json_object_new_object();
	char policy[128];
	char *out;

	snprintf(policy, sizeof(policy), "{\"15\": [\"%s\"]}", s->pcr15);
	json_object_object_add(data, "quote", json_object_new_string(quote));
	json_object_object_add(data, "nonce", json_object_new_string(NONCE));
	json_object_object_add(data, "hash_alg", json_object_new_string("sha256"));
	json_object_object_add(data, "tpm_ak", json_object_new_string(s->ak_b64));
	json_object_object_add(data, "tpm_ek", json_object_new_string(s->ek_b64));
	json_object_object_add(data, "tpm_policy", json_object_new_string(policy));
	if (list_len) {
		char *list = malloc(list_len + 256);
		size_t used = 0;
		assert_non_null(list);
		for (unsigned i = 0; used < list_len; i++)
			used += (size_t)sprintf(list + used,
						"10 %040x ima-ng sha256:%064x /usr/lib/file-%u\n", i,
						i, i);
		json_object_object_add(data, "ima_measurement_list",
				       json_object_new_string_len(list, (int)used));
		free(list);
	}
	json_object_object_add(doc, "type", json_object_new_string("tpm"));
	json_object_object_add(doc, "data", data);
	out = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return out;
}

static bool valid_of(const struct http_result *r)
{
	struct json_object *results = NULL, *valid = NULL;

	json_object_object_get_ex(r->json, "results", &results);
	json_object_object_get_ex(results, "valid", &valid);
	return valid && json_object_get_boolean(valid);
}

static long status_of(struct suite *s, const struct client_identity *id, const char *method,
		      const char *path, const char *body, struct http_result *r)
{
	assert_int_equal(harness_request(&s->server, id, method, path, body, body ? strlen(body) : 0,
					 r),
			 0);
	return r->status;
}

static void expect(struct suite *s, const struct client_identity *id, const char *method,
		   const char *path, const char *body, long want)
{
	struct http_result r;

	if (status_of(s, id, method, path, body, &r) != want)
		fail_msg("%s %s: expected %ld, got %ld %.300s", method, path, want, r.status,
			 r.body ? r.body : r.error);
	http_result_free(&r);
}

static void test_routes_without_a_certificate(void **state)
{
	struct suite *s = *state;
	char *pass, *big;
	struct http_result r;

	make_keys(s);
	pass = tpm_request(s, s->quote15, 0);
	/* Public: the verdict and the version. */
	assert_int_equal(status_of(s, &s->none, "POST", "/v2.5/verify/evidence", pass, &r), 200);
	assert_true(valid_of(&r));
	http_result_free(&r);
	expect(s, &s->none, "GET", "/version", NULL, 200);
	/* "ima_measurement_list": [] is no list (this request quotes no PCR 10,
	 * the script's quotes all of 0-15: both pass). */
	char *with_empty = strdup(pass);
	char *at = strstr(with_empty, "\"tpm_policy\"");
	assert_non_null(at);
	char *edited = NULL;
	assert_true(asprintf(&edited, "%.*s\"ima_measurement_list\":[],%s", (int)(at - with_empty),
			     with_empty, at) > 0);
	assert_int_equal(status_of(s, &s->client, "POST", "/v2.5/verify/evidence", edited, &r), 200);
	assert_true(valid_of(&r));
	http_result_free(&r);
	free(edited);
	free(with_empty);
	/* Everything else still needs a certificate, admin routes an admin's. */
	expect(s, &s->none, "GET", "/v2.5/teepolicies", NULL, 401);
	expect(s, &s->none, "POST", "/v2.5/teepolicies/anon", "{\"allow_any_measurement\": true}", 401);
	expect(s, &s->none, "GET", "/v2.5/verifications", NULL, 401);
	expect(s, &s->none, "GET", "/v2.5/allowlists", NULL, 401);
	expect(s, &s->none, "GET", "/v2.5/verify/evidence", NULL, 401);
	/* A certificate that does not verify is refused, even where none is needed. */
	expect(s, &s->stranger, "POST", "/v2.5/verify/evidence", pass, 403);
	expect(s, &s->stranger, "GET", "/version", NULL, 403);
	/* Certificate holders keep every route. */
	expect(s, &s->client, "GET", "/v2.5/teepolicies", NULL, 200);
	assert_int_equal(status_of(s, &s->client, "POST", "/v2.5/verify/evidence", pass, &r), 200);
	assert_true(valid_of(&r));
	http_result_free(&r);
	/* Anonymous bodies have their own, smaller limit. */
	big = tpm_request(s, s->quote10, ANON_MAX_UPLOAD);
	assert_int_equal(status_of(s, &s->none, "POST", "/v2.5/verify/evidence", big, &r), 413);
	assert_non_null(strstr(r.body, "anonymous_max_upload_size"));
	assert_non_null(strstr(r.body, "\"default.body_too_large\""));
	http_result_free(&r);
	assert_int_equal(status_of(s, &s->client, "POST", "/v2.5/verify/evidence", big, &r), 200);
	assert_false(valid_of(&r)); /* judged: the list does not replay to PCR 10 */
	http_result_free(&r);
	free(big);
	free(pass);
}

/* ---- an anonymous upload held open over raw TLS ---- */

static SSL *anonymous_upload_started(struct suite *s, SSL_CTX **ctx_out, int *fd_out)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->server.port)};
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char path[400];
	const char head[] = "POST /v2.5/verify/evidence HTTP/1.1\r\nHost: x\r\n"
			    "Content-Length: 1000\r\n\r\n{\"type\"";
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *ssl;

	snprintf(path, sizeof(path), "%s/cacert.crt", s->server.ca_dir);
	SSL_CTX_load_verify_locations(ctx, path, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_write(ssl, head, (int)strlen(head)), (int)strlen(head));
	*ctx_out = ctx;
	*fd_out = fd;
	return ssl;
}

static void test_anonymous_cap(void **state)
{
	struct suite *s = *state;
	SSL_CTX *ctx;
	int fd;
	SSL *held;
	char *pass, *text = NULL;
	struct http_result r;

	make_keys(s);
	pass = tpm_request(s, s->quote15, 0);
	/* anonymous_max_requests = 1, and one is under way. */
	held = anonymous_upload_started(s, &ctx, &fd);
	usleep(200 * 1000);
	assert_int_equal(status_of(s, &s->none, "POST", "/v2.5/verify/evidence", pass, &r), 503);
	assert_non_null(strstr(r.body, "\"default.overloaded\""));
	assert_non_null(strstr(r.body, "anonymous_max_requests"));
	assert_string_equal(r.retry_after, "2");
	assert_false(valid_of(&r));
	http_result_free(&r);
	/* A certificate holder is not counted among them. */
	assert_int_equal(status_of(s, &s->client, "POST", "/v2.5/verify/evidence", pass, &r), 200);
	assert_true(valid_of(&r));
	http_result_free(&r);
	assert_int_equal(harness_ops_get(s->ops_port, "/metrics", &text), 200);
	assert_int_equal(harness_metric(text, "teev_anonymous_requests_in_flight"), 1);
	assert_true(harness_metric(text, "teev_anonymous_refusals_total") >= 1);
	free(text);
	/* Its place is free once it is gone. */
	SSL_free(held);
	SSL_CTX_free(ctx);
	close(fd);
	ERR_clear_error();
	for (int i = 0; i < 100; i++) {
		status_of(s, &s->none, "POST", "/v2.5/verify/evidence", pass, &r);
		if (r.status == 200)
			break;
		http_result_free(&r);
		usleep(20 * 1000);
	}
	assert_int_equal(r.status, 200);
	assert_true(valid_of(&r));
	http_result_free(&r);
	free(pass);
}

/* ---- the flood ---- */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct flooder {
	CURL *curl;
	char *answer;
	size_t len;
};

static size_t keep(char *data, size_t size, size_t n, void *arg)
{
	struct flooder *f = arg;
	size_t add = size * n;
	char *grown = realloc(f->answer, f->len + add + 1);

	if (!grown)
		return 0;
	f->answer = grown;
	memcpy(f->answer + f->len, data, add);
	f->len += add;
	f->answer[f->len] = '\0';
	return add;
}

static void flood_start(struct suite *s, struct flooder *f, const char *body, size_t len)
{
	char url[128], cacert[400];

	free(f->answer);
	f->answer = NULL;
	f->len = 0;
	if (!f->curl)
		f->curl = curl_easy_init();
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/v2.5/verify/evidence", s->server.port);
	snprintf(cacert, sizeof(cacert), "%s/cacert.crt", s->server.ca_dir);
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->curl, CURLOPT_PRIVATE, f);
}

/* A thread of certificate-holder requests while the flood runs. */
struct holder {
	struct suite *s;
	const char *body;
	volatile int stop;
	size_t served, wrong;
	double worst;
};

static void *holder_loop(void *arg)
{
	struct holder *h = arg;

	while (!h->stop) {
		struct http_result r;
		double start = now_s();
		harness_request(&h->s->server, &h->s->client, "POST", "/v2.5/verify/evidence", h->body,
				strlen(h->body), &r);
		if (r.status == 200 && valid_of(&r))
			h->served++;
		else
			h->wrong++;
		if (now_s() - start > h->worst)
			h->worst = now_s() - start;
		http_result_free(&r);
	}
	return NULL;
}

static void test_flood_does_not_starve_certificate_holders(void **state)
{
	struct suite *s = *state;
	/* The largest body an anonymous client may send: an IMA list. */
	char *heavy, *pass;
	size_t heavy_len;
	struct flooder flood[FLOODERS] = {0};
	CURLM *multi = curl_multi_init();
	struct holder holder = {.s = s};
	pthread_t thread;
	size_t judged = 0, refused = 0;
	double end;
	int running;

	make_keys(s);
	heavy = tpm_request(s, s->quote10, ANON_MAX_UPLOAD - 64 * 1024);
	heavy_len = strlen(heavy);
	assert_true(heavy_len <= ANON_MAX_UPLOAD);
	pass = tpm_request(s, s->quote15, 0);
	holder.body = pass;
	for (size_t i = 0; i < FLOODERS; i++) {
		flood_start(s, &flood[i], heavy, heavy_len);
		curl_multi_add_handle(multi, flood[i].curl);
	}
	assert_int_equal(pthread_create(&thread, NULL, holder_loop, &holder), 0);
	end = now_s() + FLOOD_SECONDS;
	while (now_s() < end) {
		CURLMsg *msg;
		int left;

		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct flooder *f = NULL;
			long status = 0;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			curl_multi_remove_handle(multi, msg->easy_handle);
			/* Judged normally (the list does not replay to PCR 10), or
			 * turned away at the cap. */
			if (status == 200 && f->answer && strstr(f->answer, "\"valid\":false"))
				judged++;
			else if (status == 503 && f->answer && strstr(f->answer, "default.overloaded"))
				refused++;
			else
				fail_msg("anonymous flood answered %ld %.300s", status,
					 f->answer ? f->answer : curl_easy_strerror(msg->data.result));
			flood_start(s, f, heavy, heavy_len);
			curl_multi_add_handle(multi, f->curl);
		}
		curl_multi_poll(multi, NULL, 0, 20, NULL);
	}
	holder.stop = 1;
	pthread_join(thread, NULL);
	print_message("anonymous: %zu judged, %zu refused; certificate holder: %zu served, worst "
		      "%.2f s\n",
		      judged, refused, holder.served, holder.worst);
	for (size_t i = 0; i < FLOODERS; i++) {
		curl_multi_remove_handle(multi, flood[i].curl);
		curl_easy_cleanup(flood[i].curl);
		free(flood[i].answer);
	}
	curl_multi_cleanup(multi);
	assert_true(judged > 0);
	assert_true(refused > 0);
	assert_int_equal(holder.wrong, 0);
	assert_true(holder.served >= 5);
	if (holder.worst > 3.0 * harness_slowdown())
		fail_msg("a certificate holder waited %.2f s", holder.worst);
	free(heavy);
	free(pass);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_oneshot_script),
		cmocka_unit_test(test_routes_without_a_certificate),
		cmocka_unit_test(test_anonymous_cap),
		cmocka_unit_test(test_flood_does_not_starve_certificate_holders),
	};
	return cmocka_run_group_tests_name("integration: clients without a certificate", tests,
					   suite_setup, suite_teardown);
}
