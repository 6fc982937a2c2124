/* fuzz_evidence_request.c - libFuzzer harness: the body of
 * POST /v2.5/verify/evidence through route_request, the whole request path
 * the server runs after TLS and HTTP (JSON parsing, both evidence types,
 * base64 decoding, SNP verification against the embedded AMD roots, policy
 * lookup and appraisal, TPM quote, IMA list, boot log, envelope).
 *
 * The app is built once, as `teev serve` builds it, but hermetic: offline
 * (no KDS), no vcek_offline_dir, a temporary SQLite database holding a
 * "default" SNP policy (the development policy of config/examples) and one
 * stored policy of every other kind, so *_policy_name requests find one.
 *
 * Beyond memory errors it checks the API's promise: bad input is never a
 * 5xx, and every answer is a complete envelope. */
#include "db/db.h"
#include "db/policy_store.h"
#include "policy/policy_cache.h"
#include "server/app.h"
#include "server/cert_store_db.h"
#include "server/config.h"
#include "server/log.h"
#include "server/routes.h"
#include "server/tpm_evidence.h"
#include "verifier/snp_verify.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char snp_default_policy[] =
	"{\"description\": \"development policy (config/examples/snp-dev-policy.json)\","
	" \"allow_any_measurement\": true, \"allow_debug\": false,"
	" \"allow_migrate_ma\": false, \"vmpls\": [0]}";
static const char tpm_stored_policy[] =
	"{\"15\": [\"0000000000000000000000000000000000000000000000000000000000000000\"],"
	" \"16\": [\"9dbb22387e019c04da95477333546082ce313152c4a7f8a6e1d5f0c77f4fb6f0\"],"
	" \"mask\": \"0x18000\"}";
static const char runtime_stored_policy[] =
	"{\"meta\": {\"version\": 1}, \"digests\": {\"boot_aggregate\":"
	" [\"e4cb9f5709c88376b5fc3743cd88e76b9aae8f3d992d845678de5215edb31216\"]},"
	" \"excludes\": [\"/tmp/.*\"], \"keyrings\": {}, \"ima\": {\"ignored_keyrings\": [],"
	" \"log_hash_alg\": \"sha1\", \"dm_policy\": null}, \"ima-buf\": {},"
	" \"verification-keys\": \"\"}";
static const char mb_stored_policy[] = "{\"scrtm_and_bios\": [{\"scrtm\": \"x\"}]}";

static struct teev_config config;
static struct db *db;
static struct cert_store store;
static struct snp_verifier snp;
static struct policy_compile_context policy_ctx;
static struct policy_cache *policies;
static struct tpm_context tpm;
static struct app app;
static char dir[64];
static int print_replies;

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_evidence_request: %s: %s\n", what, err);
	abort();
}

static void store_policy(const char *kind, const char *name, const char *document)
{
	char err[512];

	if (policy_store_create(db, kind, name, document, NULL, err, sizeof(err)) != STORE_OK)
		die("storing a policy", err);
}

static void teardown(void)
{
	char path[CONFIG_PATH_MAX + 16];

	policy_cache_free(policies);
	snp_verifier_free(&snp);
	db_close(db);
	/* SQLite's side files may or may not exist. */
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", config.database, suffixes[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[1024];

	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	print_replies = getenv("TEEV_FUZZ_PRINT") != NULL;
	snprintf(dir, sizeof(dir), "/tmp/teev-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp", dir);
	config_defaults(&config);
	config.offline = true;
	snprintf(config.database, sizeof(config.database), "%s/teev.db", dir);
	if (db_open(config.database, &db, err, sizeof(err)))
		die("db_open", err);
	store_policy("snp", config.tee_policy, snp_default_policy);
	store_policy("tpm", "pcrs", tpm_stored_policy);
	store_policy("runtime", "ima", runtime_stored_policy);
	store_policy("mb", "boot", mb_stored_policy);
	cert_store_db_init(&store, db);
	struct snp_verifier_config snp_config = {
		.amd_root_dir = NULL, /* the embedded AMD roots */
		.vcek_offline_dir = NULL,
		.cache_slots = config.vek_cache_slots,
		.store = &store,
		.kds = NULL, /* offline */
		.check_crl = false,
	};
	if (snp_verifier_init(&snp, &snp_config, err, sizeof(err)))
		die("snp_verifier_init", err);
	policies = policy_cache_new(db, &policy_ctx);
	if (!policies)
		die("policy_cache_new", "out of memory");
	tpm.policies = policies;
	tpm.policy_ctx = &policy_ctx;
	tpm.ignore_tomtou = config.ignore_tomtou_errors;
	if (tpm_context_configure(&tpm, config.measured_boot_policy_name,
				  config.measured_boot_evaluate, err, sizeof(err)))
		die("tpm_context_configure", err);
	app.config = &config;
	app.snp = &snp;
	app.db = db;
	app.policies = policies;
	app.policy_ctx = &policy_ctx;
	app.tpm = &tpm;
	atexit(teardown);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_reply reply = {0};
	struct json_object *code, *status, *results;
	const char *text;
	/* http.c hands over a NUL-terminated copy of exactly the body. */
	char *body = malloc(size + 1);

	if (!body)
		abort();
	memcpy(body, data, size);
	body[size] = '\0';
	struct route_request req = {
		.method = "POST",
		.path = "/v2.5/verify/evidence",
		.body = body,
		.body_len = size,
		.client = "CN=fuzz",
		.client_fingerprint = "0000000000000000000000000000000000000000000000000000000000000000",
	};
	route_request(&app, &req, &reply);
	if (!reply.envelope) {
		fprintf(stderr, "fuzz_evidence_request: no envelope (code %d)\n", reply.code);
		abort();
	}
	if (reply.code != 200 && reply.code != 400) {
		fprintf(stderr, "fuzz_evidence_request: answered %d: %s\n", reply.code,
			json_object_to_json_string(reply.envelope));
		abort(); /* only OOM or a database failure may be a 500 */
	}
	if (!json_object_object_get_ex(reply.envelope, "code", &code) ||
	    json_object_get_int(code) != reply.code ||
	    !json_object_object_get_ex(reply.envelope, "status", &status) ||
	    !json_object_object_get_ex(reply.envelope, "results", &results) ||
	    !json_object_is_type(results, json_type_object))
		abort();
	/* As http.c serializes it. */
	text = json_object_to_json_string_ext(reply.envelope,
					      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || text[0] != '{')
		abort();
	if (print_replies) /* TEEV_FUZZ_PRINT=1: see what each input got */
		fprintf(stderr, "%d %s\n", reply.code, text);
	json_object_put(reply.envelope);
	free(body);
	return 0;
}
