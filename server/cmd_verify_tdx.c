/* cmd_verify_tdx.c - `teev verify --tdx-quote FILE --collateral DIR`: check one
 * Intel TDX quote offline with the server's verification code, against the
 * collateral files of a folder, and print the results object as JSON.
 * Exit 0 valid, 1 invalid, 2 bad usage or unreadable input (as for SNP). */
#include "policy/tdx_policy.h"
#include "server/commands.h"
#include "server/help.h"
#include "server/timefmt.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/tdx_verify.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_FILE_MAX ((size_t)1024 * 1024)

static void usage(FILE *out)
{
	help_print(out, "verify");
}

struct tdx_args {
	const char *quote, *collateral, *at, *intel_root, *policy, *nonce, *x, *y;
};

static int parse_args(int argc, char **argv, struct tdx_args *a)
{
	static const struct option long_options[] = {
		{"tdx-quote", required_argument, NULL, 'q'},
		{"collateral", required_argument, NULL, 'c'},
		{"at", required_argument, NULL, 't'},
		{"intel-root", required_argument, NULL, 'r'},
		{"policy", required_argument, NULL, 'p'},
		{"nonce", required_argument, NULL, 'n'},
		{"tee-pubkey-x", required_argument, NULL, 'x'},
		{"tee-pubkey-y", required_argument, NULL, 'y'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'q': a->quote = optarg; break;
		case 'c': a->collateral = optarg; break;
		case 't': a->at = optarg; break;
		case 'r': a->intel_root = optarg; break;
		case 'p': a->policy = optarg; break;
		case 'n': a->nonce = optarg; break;
		case 'x': a->x = optarg; break;
		case 'y': a->y = optarg; break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "teev verify: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!a->quote || !a->collateral) {
		fprintf(stderr, "teev verify: --tdx-quote FILE and --collateral DIR are required\n");
		return -1;
	}
	if ((a->nonce || a->x || a->y) && !(a->nonce && a->x && a->y)) {
		fprintf(stderr, "teev verify: --nonce, --tee-pubkey-x and --tee-pubkey-y go together\n");
		return -1;
	}
	return 0;
}

static int decode_arg(const char *name, const char *text, enum b64_alphabet alphabet,
		      uint8_t *buf, size_t cap, size_t *len)
{
	if (b64_decode(alphabet, text, strlen(text), buf, cap, len)) {
		fprintf(stderr, "teev verify: %s is not valid %s (at most %zu bytes)\n", name,
			alphabet == B64_STD ? "standard base64" : "base64url", cap);
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

static struct tdx_policy *load_policy(const char *path)
{
	char err[1024];
	size_t len = 0;
	uint8_t *text = bytes_read_file(path, POLICY_FILE_MAX, &len, err, sizeof(err));
	struct tdx_policy *p;

	if (!text) {
		fprintf(stderr, "teev verify: %s\n", err);
		return NULL;
	}
	p = tdx_policy_parse((const char *)text, len, err, sizeof(err));
	free(text);
	if (!p)
		fprintf(stderr, "teev verify: %s: invalid TDX policy: %s\n", path, err);
	return p;
}

int cmd_verify_tdx(int argc, char **argv)
{
	struct tdx_args a;
	struct tdx_verifier verifier;
	struct tdx_collateral_source source;
	struct tdx_result *result = NULL;
	struct tdx_policy *policy = NULL;
	struct verdict verdict;
	uint8_t *quote = NULL;
	size_t quote_len = 0;
	uint8_t nonce[1024], x[66], y[66];
	size_t nonce_len = 0, x_len = 0, y_len = 0;
	time_t at = time(NULL);
	char err[1024];
	int rc = 2;
	int parsed = parse_args(argc, argv, &a);

	if (parsed)
		return parsed > 0 ? 0 : 2;
	if (a.at && parse_rfc3339(a.at, &at)) {
		fprintf(stderr, "teev verify: --at \"%s\" is not an RFC 3339 time (2025-06-01T12:00:00Z)\n",
			a.at);
		return 2;
	}
	if (a.nonce && (decode_arg("--nonce", a.nonce, B64_STD, nonce, sizeof(nonce), &nonce_len) ||
			decode_arg("--tee-pubkey-x", a.x, B64_URL_ANYPAD, x, sizeof(x), &x_len) ||
			decode_arg("--tee-pubkey-y", a.y, B64_URL_ANYPAD, y, sizeof(y), &y_len)))
		return 2;
	quote = bytes_read_file(a.quote, TDX_QUOTE_MAX_SIZE, &quote_len, err, sizeof(err));
	if (!quote) {
		fprintf(stderr, "teev verify: %s\n", err);
		return 2;
	}
	if (a.policy && !(policy = load_policy(a.policy)))
		goto out;
	struct tdx_verifier_config vc = {.intel_root = a.intel_root};
	if (tdx_verifier_init(&verifier, &vc, err, sizeof(err))) {
		fprintf(stderr, "teev verify: cannot load the Intel SGX Root CA: %s\n", err);
		goto out;
	}
	result = malloc(sizeof(*result));
	if (!result) {
		fprintf(stderr, "teev verify: out of memory\n");
		tdx_verifier_free(&verifier);
		goto out;
	}
	struct tdx_evidence e = {
		.quote = quote,
		.quote_len = quote_len,
		.check_freshness = a.nonce != NULL,
		.nonce = nonce,
		.nonce_len = nonce_len,
		.pubkey_x = x,
		.pubkey_x_len = x_len,
		.pubkey_y = y,
		.pubkey_y_len = y_len,
	};
	tdx_collateral_source_dir(&source, a.collateral);
	verdict_init(&verdict);
	verdict.status = tdx_verify(&verifier, &e, &source, at, result, &verdict.failures);
	if (result->authenticated && result->tcb_evaluated) {
		if (policy)
			tdx_policy_evaluate(policy, result, &verdict.failures);
		else
			tdx_policy_evaluate_default(result, &verdict.failures);
		if (verdict.status != VERDICT_INTERNAL)
			verdict.status = verdict.failures.count ? VERDICT_FAIL : VERDICT_PASS;
	}
	if (verdict.status == VERDICT_PASS)
		verdict.claims = tdx_claims(result);
	print_results(&verdict, a.nonce != NULL);
	if (!a.nonce)
		fprintf(stderr, "teev verify: note: freshness (REPORTDATA nonce binding) not checked\n");
	if (!policy)
		fprintf(stderr, "teev verify: note: no --policy: only the TCB status was appraised (UpToDate required)\n");
	rc = verdict.status == VERDICT_PASS ? 0 : verdict.status == VERDICT_FAIL ? 1 : 2;
	verdict_clear(&verdict);
	tdx_verifier_free(&verifier);
out:
	free(result);
	tdx_policy_free(policy);
	free(quote);
	return rc;
}
