/* cmd_verify.c - `teev verify`: judge one SEV-SNP report offline as the
 * server would, and print the results object as JSON.
 *
 * The verifier is built from the same configuration as `teev serve`
 * (amd_root_dir, vcek_offline_dir, the database - opened read-only, for
 * imported VCEKs, cached CRLs and stored policies -, kds_url/offline and
 * check_crl), the arguments are decoded with the server's bounds and
 * messages, and the judgement is the server's own function
 * (tee_snp_judge). Only two things differ, and the output says so: without
 * --nonce the freshness binding is not checked, and without a database (and
 * without --policy) no policy is appraised.
 * Exit 0 valid, 1 invalid, 2 bad usage, unreadable or bad input.
 */
#include "db/db.h"
#include "db/policy_store.h"
#include "policy/policy_cache.h"
#include "policy/snp_policy.h"
#include "server/cert_store_db.h"
#include "server/commands.h"
#include "server/help.h"
#include "server/config.h"
#include "server/tee_evidence.h"
#include "server/timefmt.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/kds.h"
#include "verifier/snp_certs_buf.h"
#include "verifier/snp_verify.h"

#include <curl/curl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_FILE_MAX ((size_t)1024 * 1024)
#define COORD_MAX 66

static void verify_usage(FILE *out)
{
	help_print(out, "verify");
}

struct verify_args {
	const char *report, *vcek, *certs_buf, *nonce, *x, *y, *at, *amd_root_dir, *config;
	const char *policy, *tee_policy, *database;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	static const struct option long_options[] = {
		{"report", required_argument, NULL, 'r'},
		{"vcek", required_argument, NULL, 'v'},
		{"certs-buf", required_argument, NULL, 'b'},
		{"nonce", required_argument, NULL, 'n'},
		{"tee-pubkey-x", required_argument, NULL, 'x'},
		{"tee-pubkey-y", required_argument, NULL, 'y'},
		{"at", required_argument, NULL, 't'},
		{"amd-root-dir", required_argument, NULL, 'a'},
		{"config", required_argument, NULL, 'c'},
		{"policy", required_argument, NULL, 'p'},
		{"tee-policy", required_argument, NULL, 'P'},
		{"database", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'r': a->report = optarg; break;
		case 'v': a->vcek = optarg; break;
		case 'b': a->certs_buf = optarg; break;
		case 'n': a->nonce = optarg; break;
		case 'x': a->x = optarg; break;
		case 'y': a->y = optarg; break;
		case 't': a->at = optarg; break;
		case 'a': a->amd_root_dir = optarg; break;
		case 'c': a->config = optarg; break;
		case 'p': a->policy = optarg; break;
		case 'P': a->tee_policy = optarg; break;
		case 'd': a->database = optarg; break;
		case 'h':
			verify_usage(stdout);
			return 1;
		default:
			verify_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "teev verify: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!a->report) {
		fprintf(stderr, "teev verify: --report FILE is required\n");
		return -1;
	}
	if ((a->nonce || a->x || a->y) && !(a->nonce && a->x && a->y)) {
		fprintf(stderr, "teev verify: --nonce, --tee-pubkey-x and --tee-pubkey-y go together\n");
		return -1;
	}
	if (a->policy && a->tee_policy) {
		fprintf(stderr, "teev verify: --policy and --tee-policy exclude each other\n");
		return -1;
	}
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	char err[512];
	uint8_t *data = bytes_read_file(path, INPUT_FILE_MAX, len, err, sizeof(err));

	if (!data)
		fprintf(stderr, "teev verify: %s\n", err);
	return data;
}

/* A certificate file may be PEM; the verifier wants DER. Takes data; returns
 * an owned DER or NULL. */
static uint8_t *certificate_as_der(uint8_t *data, size_t len, size_t *der_len)
{
	BIO *bio;
	X509 *cert;
	unsigned char *der = NULL;
	uint8_t *copy;
	int n;

	if (len < 11 || memcmp(data, "-----BEGIN", 10) != 0) {
		*der_len = len;
		return data;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(data);
	if (!cert)
		return NULL;
	n = i2d_X509(cert, &der);
	X509_free(cert);
	if (n <= 0)
		return NULL;
	*der_len = (size_t)n;
	/* OPENSSL_malloc'd; copy into malloc memory so one free() fits all paths. */
	copy = malloc((size_t)n);
	if (copy)
		memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	return copy;
}

/* What `teev verify` owns besides the verifier: the read-only database, its
 * policy cache, the KDS client. */
struct offline_state {
	struct db *db;
	struct cert_store store;
	struct policy_cache *policies;
	struct kds_client *kds;
	bool curl_started;
	char database_note[1200]; /* why no database is read, or "" */
};

/* Opens what the configuration names. Returns 0 or -1 (message printed). */
static int open_state(const struct teev_config *config, struct offline_state *st)
{
	char err[1024];
	int rc = db_open_readonly(config->database, &st->db, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "teev verify: %s\n", err);
		return -1;
	}
	if (rc == 1) {
		snprintf(st->database_note, sizeof(st->database_note),
			 "no database at %s: no imported VCEKs or cached CRLs, and no stored policy",
			 config->database);
	} else {
		cert_store_db_init_readonly(&st->store, st->db);
		st->policies = policy_cache_new(st->db, NULL);
		if (!st->policies) {
			fprintf(stderr, "teev verify: out of memory\n");
			return -1;
		}
	}
	if (!config->offline) {
		/* Before any thread: libcurl's global set-up is not thread-safe. */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		st->curl_started = true;
		struct kds_config kc = {
			.base_url = config->kds_url,
			.timeout_ms = (long)config->kds_timeout * 1000,
			.backoff_seconds = config->kds_backoff,
		};
		st->kds = kds_client_new(&kc);
		if (!st->kds) {
			fprintf(stderr, "teev verify: kds_url \"%s\" is too long\n", config->kds_url);
			return -1;
		}
	}
	return 0;
}

static void close_state(struct offline_state *st)
{
	policy_cache_free(st->policies);
	db_close(st->db);
	kds_client_free(st->kds);
	if (st->curl_started)
		curl_global_cleanup();
}

static void print_results(const struct verdict *v, const char *freshness_note,
			  const char *policy_note)
{
	struct json_object *results = json_object_new_object();

	json_object_object_add(results, "valid", json_object_new_boolean(v->status == VERDICT_PASS));
	json_object_object_add(results, "claims",
			       v->claims ? json_object_get(v->claims) : json_object_new_object());
	json_object_object_add(results, "failures", failures_to_json(&v->failures));
	if (freshness_note)
		json_object_object_add(results, "freshness", json_object_new_string(freshness_note));
	if (policy_note)
		json_object_object_add(results, "policy", json_object_new_string(policy_note));
	printf("%s\n", json_object_to_json_string_ext(results, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_SPACED));
	json_object_put(results);
}

/* The decoded arguments, with the server's bounds. */
struct decoded {
	uint8_t nonce[SNP_NONCE_MAX], x[COORD_MAX], y[COORD_MAX];
	size_t nonce_len, x_len, y_len;
};

static int decode_freshness(const struct verify_args *a, struct decoded *d, struct verdict *v)
{
	if (!a->nonce)
		return 0;
	if (tee_decode_text("nonce", a->nonce, strlen(a->nonce), B64_STD, d->nonce,
			    sizeof(d->nonce), &d->nonce_len, v))
		return -1;
	if (tee_decode_text("tee-pubkey-x-b64", a->x, strlen(a->x), B64_URL_NOPAD, d->x,
			    sizeof(d->x), &d->x_len, v))
		return -1;
	return tee_decode_text("tee-pubkey-y-b64", a->y, strlen(a->y), B64_URL_NOPAD, d->y,
			       sizeof(d->y), &d->y_len, v);
}

static int exit_code(enum verdict_status status)
{
	return status == VERDICT_PASS ? 0 : status == VERDICT_FAIL ? 1 : 2;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	struct teev_config config;
	struct snp_verifier verifier;
	struct offline_state st = {0};
	struct verdict verdict;
	struct snp_policy *policy = NULL;
	struct decoded *d = NULL;
	uint8_t *report = NULL, *vcek = NULL, *certs = NULL;
	size_t report_len = 0, vcek_len = 0, certs_len = 0;
	bool verifier_ready = false;
	time_t at = time(NULL);
	char err[1024];
	const char *policy_note = NULL;
	int rc = 2;
	int parsed;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--tdx-quote") == 0 || strncmp(argv[i], "--tdx-quote=", 12) == 0)
			return cmd_verify_tdx(argc, argv);
	parsed = parse_args(argc, argv, &a);
	if (parsed)
		return parsed > 0 ? 0 : 2;
	if (load_config(&config, a.config))
		return 2;
	if (a.amd_root_dir)
		snprintf(config.amd_root_dir, sizeof(config.amd_root_dir), "%s", a.amd_root_dir);
	if (a.database &&
	    config_set(&config, "database", a.database, err, sizeof(err))) {
		fprintf(stderr, "teev verify: --database: %s\n", err);
		return 2;
	}
	if (a.at && parse_rfc3339(a.at, &at)) {
		fprintf(stderr, "teev verify: --at \"%s\" is not an RFC 3339 time (2025-06-01T12:00:00Z)\n",
			a.at);
		return 2;
	}
	verdict_init(&verdict);
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	report = read_file(a.report, &report_len);
	if (!report)
		goto out;
	if (a.vcek) {
		vcek = read_file(a.vcek, &vcek_len);
		if (vcek)
			vcek = certificate_as_der(vcek, vcek_len, &vcek_len);
		if (!vcek) {
			fprintf(stderr, "teev verify: %s is not a DER or PEM certificate\n", a.vcek);
			goto out;
		}
	}
	if (a.certs_buf && !(certs = read_file(a.certs_buf, &certs_len)))
		goto out;
	if (a.policy) {
		size_t policy_len = 0;
		char *text = (char *)read_file(a.policy, &policy_len);
		if (!text)
			goto out;
		policy = snp_policy_parse(text, policy_len, err, sizeof(err));
		free(text);
		if (!policy) {
			fprintf(stderr, "teev verify: %s: invalid SNP policy: %s\n", a.policy, err);
			goto out;
		}
	}
	if (a.tee_policy && !policy_name_valid(a.tee_policy)) {
		fprintf(stderr, "teev verify: --tee-policy \"%s\" is not a valid policy name\n",
			a.tee_policy);
		goto out;
	}
	if (open_state(&config, &st))
		goto out;

	struct snp_verifier_config vc = {
		.amd_root_dir = config.amd_root_dir,
		.vcek_offline_dir = config.vcek_offline_dir,
		.cache_slots = 16,
		.store = st.db ? &st.store : NULL,
		.kds = st.kds,
		.check_crl = config.check_crl,
	};
	if (snp_verifier_init(&verifier, &vc, err, sizeof(err))) {
		fprintf(stderr, "teev verify: cannot load AMD trust anchors: %s\n", err);
		goto out;
	}
	verifier_ready = true;
	if (!policy && !st.policies)
		policy_note = "not appraised: no --policy FILE, and no database to read a stored policy from";
	if (decode_freshness(&a, d, &verdict) == 0) {
		struct snp_evidence e = {
			.report = report,
			.report_len = report_len,
			.certs_buf = certs,
			.certs_buf_len = certs_len,
			.vek_der = vcek,
			.vek_der_len = vcek_len,
			.check_freshness = a.nonce != NULL,
			.nonce = d->nonce,
			.nonce_len = d->nonce_len,
			.pubkey_x = d->x,
			.pubkey_x_len = d->x_len,
			.pubkey_y = d->y,
			.pubkey_y_len = d->y_len,
		};
		struct tee_context ctx = {
			.snp = &verifier,
			.now = at,
			.policies = st.policies,
			.default_policy = config.tee_policy,
		};
		tee_snp_judge(&ctx, &e, a.tee_policy ? a.tee_policy : config.tee_policy, policy,
			      &verdict);
	}
	print_results(&verdict,
		      a.nonce ? NULL
			      : "not checked: no --nonce/--tee-pubkey-x/--tee-pubkey-y given",
		      policy_note);
	if (!a.nonce)
		fprintf(stderr, "teev verify: note: freshness (REPORT_DATA nonce binding) not checked\n");
	if (st.database_note[0])
		fprintf(stderr, "teev verify: note: %s\n", st.database_note);
	rc = exit_code(verdict.status);
out:
	verdict_clear(&verdict);
	if (verifier_ready)
		snp_verifier_free(&verifier);
	close_state(&st);
	snp_policy_free(policy);
	free(d);
	free(report);
	free(vcek);
	free(certs);
	return rc;
}
