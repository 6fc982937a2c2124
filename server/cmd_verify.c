/* cmd_verify.c - `teev verify`: check one SEV-SNP report offline with the
 * same code path as the server, and print the results object as JSON.
 * Exit 0 valid, 1 invalid, 2 bad usage or unreadable input. */
#include "server/commands.h"
#include "server/config.h"
#include "server/timefmt.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/snp_certs_buf.h"
#include "policy/snp_policy.h"
#include "verifier/snp_verify.h"

#include <getopt.h>
#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_FILE_MAX ((size_t)1024 * 1024)

static void verify_usage(FILE *out)
{
	fprintf(out,
		"usage: teev verify --report FILE [--vcek FILE] [--certs-buf FILE]\n"
		"                   [--nonce B64 --tee-pubkey-x B64URL --tee-pubkey-y B64URL]\n"
		"                   [--at RFC3339-TIME] [--amd-root-dir DIR] [--config FILE]\n"
		"                   [--policy FILE]\n"
		"Checks a raw 1184-byte SEV-SNP report. The endorsement key comes from --vcek\n"
		"(DER or PEM), --certs-buf (GHCB certificate table) or vcek_offline_dir.\n"
		"Without --nonce the freshness check is skipped. --policy evaluates an SNP\n"
		"policy document (as stored with `teev policy add --kind snp`).\n"
		"Intel TDX quotes: teev verify --tdx-quote FILE --collateral DIR --help.\n"
		"Exit status: 0 valid, 1 invalid, 2 bad usage or unreadable input.\n");
}

static uint8_t *read_file(const char *path, size_t *len)
{
	char err[512];
	uint8_t *data = bytes_read_file(path, INPUT_FILE_MAX, len, err, sizeof(err));

	if (!data)
		fprintf(stderr, "teev verify: %s\n", err);
	return data;
}

/* A certificate file may be PEM; the verifier wants DER. Returns an owned DER. */
static uint8_t *certificate_as_der(uint8_t *data, size_t len, size_t *der_len)
{
	BIO *bio;
	X509 *cert;
	unsigned char *der = NULL;
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
	uint8_t *copy = malloc((size_t)n);
	if (copy)
		memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	return copy;
}

static int decode_arg(const char *name, const char *text, enum b64_alphabet alphabet,
		      uint8_t *buf, size_t cap, size_t *len)
{
	if (b64_decode(alphabet, text, strlen(text), buf, cap, len)) {
		fprintf(stderr, "teev verify: %s is not valid %s (at most %zu bytes)\n", name,
			alphabet == B64_STD ? "standard base64" : "base64url without padding", cap);
		return -1;
	}
	return 0;
}

struct verify_args {
	const char *report, *vcek, *certs_buf, *nonce, *x, *y, *at, *amd_root_dir, *config, *policy;
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
	return 0;
}

static void print_results(const struct verdict *v, bool freshness_checked)
{
	struct json_object *results = json_object_new_object();

	json_object_object_add(results, "valid", json_object_new_boolean(v->status == VERDICT_PASS));
	json_object_object_add(results, "claims",
			       v->claims ? json_object_get(v->claims) : json_object_new_object());
	json_object_object_add(results, "failures", failures_to_json(&v->failures));
	if (!freshness_checked)
		json_object_object_add(
			results, "freshness",
			json_object_new_string("not checked: no --nonce/--tee-pubkey-x/--tee-pubkey-y given"));
	printf("%s\n", json_object_to_json_string_ext(results, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_SPACED));
	json_object_put(results);
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	struct teev_config config;
	struct snp_verifier verifier;
	struct snp_result result;
	struct verdict verdict;
	struct snp_policy *policy = NULL;
	uint8_t *report = NULL, *vcek = NULL, *certs = NULL;
	size_t report_len = 0, vcek_len = 0, certs_len = 0;
	uint8_t nonce[1024], x[66], y[66];
	size_t nonce_len = 0, x_len = 0, y_len = 0;
	time_t at = time(NULL);
	char err[1024];
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
	if (a.at && parse_rfc3339(a.at, &at)) {
		fprintf(stderr, "teev verify: --at \"%s\" is not an RFC 3339 time (2025-06-01T12:00:00Z)\n",
			a.at);
		return 2;
	}
	if (a.nonce && (decode_arg("--nonce", a.nonce, B64_STD, nonce, sizeof(nonce), &nonce_len) ||
			decode_arg("--tee-pubkey-x", a.x, B64_URL_ANYPAD, x, sizeof(x), &x_len) ||
			decode_arg("--tee-pubkey-y", a.y, B64_URL_ANYPAD, y, sizeof(y), &y_len)))
		return 2;
	report = read_file(a.report, &report_len);
	if (!report)
		return 2;
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

	struct snp_verifier_config vc = {
		.amd_root_dir = config.amd_root_dir,
		.vcek_offline_dir = config.vcek_offline_dir,
		.cache_slots = 16,
	};
	if (snp_verifier_init(&verifier, &vc, err, sizeof(err))) {
		fprintf(stderr, "teev verify: cannot load AMD trust anchors: %s\n", err);
		goto out;
	}
	struct snp_evidence e = {
		.report = report,
		.report_len = report_len,
		.certs_buf = certs,
		.certs_buf_len = certs_len,
		.vek_der = vcek,
		.vek_der_len = vcek_len,
		.check_freshness = a.nonce != NULL,
		.nonce = nonce,
		.nonce_len = nonce_len,
		.pubkey_x = x,
		.pubkey_x_len = x_len,
		.pubkey_y = y,
		.pubkey_y_len = y_len,
	};
	verdict_init(&verdict);
	verdict.status = snp_verify(&verifier, &e, at, &result, &verdict.failures);
	if (policy && result.authenticated) {
		snp_policy_evaluate(policy, &result, &verdict.failures);
		verdict.status = verdict.failures.count ? VERDICT_FAIL : VERDICT_PASS;
	}
	if (verdict.status == VERDICT_PASS)
		verdict.claims = snp_claims(&result);
	print_results(&verdict, a.nonce != NULL);
	if (!a.nonce)
		fprintf(stderr, "teev verify: note: freshness (REPORT_DATA nonce binding) not checked\n");
	rc = verdict.status == VERDICT_PASS ? 0 : verdict.status == VERDICT_FAIL ? 1 : 2;
	verdict_clear(&verdict);
	snp_verifier_free(&verifier);
out:
	snp_policy_free(policy);
	free(report);
	free(vcek);
	free(certs);
	return rc;
}
