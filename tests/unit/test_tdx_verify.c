/* test_tdx_verify.c - unit tests for verifier/tdx_verify.c and what it
 * drives (tdx_pck, tdx_collateral, tdx_tcb, tdx_trust): the whole Intel TDX
 * verification path and tdx_claims().
 *
 * Two sources of evidence:
 *  - every vector of $SHARED_DIR/testdata/tdx, verified against the embedded
 *    Intel SGX Root CA at the time its expected.json names, and checked
 *    against everything that file records (status or failing stage, FMSPC,
 *    MRTD, RTMRs, REPORTDATA, advisories, TEE_TCB_SVN, trailing bytes, TCB
 *    level date, module identity); plus other times inside and outside the
 *    collateral's validity;
 *  - the test forger (tests/support/tdx_forge.h), trusted through a
 *    temporary intel_root file, for what no real vector has: a REPORTDATA
 *    nonce binding, v5 quotes of both body types, and one negative case per
 *    check (tampered body, QE report, signature, collateral; expired or
 *    revoked items; every status convergence).
 * Every negative case asserts the exact failure types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/tdx_forge.h"
#include "tests/support/test_cleanup.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/tdx_verify.h"

#define DAY 86400

/* ---- ownership helpers ---- */

static void put_json(void *o)
{
	json_object_put(o);
}

static void free_failures(void *p)
{
	failures_clear(p);
	free(p);
}

static struct failures *new_failures(void)
{
	struct failures *f = malloc(sizeof(*f));

	assert_non_null(f);
	failures_init(f);
	return defer(free_failures, f);
}

static void free_verifier(void *p)
{
	tdx_verifier_free(p);
	free(p);
}

static struct tdx_verifier *new_verifier(const char *intel_root)
{
	struct tdx_verifier *v = malloc(sizeof(*v));
	struct tdx_verifier_config cfg = {.intel_root = intel_root};
	char err[512] = "";

	assert_non_null(v);
	if (tdx_verifier_init(v, &cfg, err, sizeof(err)) == 0)
		return defer(free_verifier, v);
	free(v);
	fail_msg("tdx_verifier_init: %s", err);
	return NULL;
}

static struct tdx_result *new_result(void)
{
	struct tdx_result *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return defer(free, r);
}

static uint8_t *read_path(const char *path, size_t *len)
{
	char err[512];
	uint8_t *data = bytes_read_file(path, (size_t)8 * 1024 * 1024, len, err, sizeof(err));

	if (!data)
		fail_msg("%s (set SHARED_DIR)", err);
	return defer(free, data);
}

static const char *tdx_dir(const char *vector)
{
	static char path[4][1024];
	static int next;
	char *out = path[next++ % 4];

	snprintf(out, 1024, "%s/testdata/tdx/%s", shared_dir(), vector);
	return out;
}

static time_t at_time(const char *text)
{
	time_t t = 0;

	assert_int_equal(tdx_parse_time(text, strlen(text), &t), 0);
	return t;
}

/* ---- assertions ---- */

static const char *describe(const struct failures *f)
{
	static char text[4096];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < f->count && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s[%s: %s]",
					 i ? " " : "", f->items[i].type, f->items[i].message);
	return f->count ? text : "no failures";
}

static void assert_pass(enum verdict_status status, const struct failures *f)
{
	if (status != VERDICT_PASS || f->count != 0)
		fail_msg("expected PASS, got status %d with %s", (int)status, describe(f));
}

/* Exactly these failure types, in this order (NULL-terminated). */
static void assert_failures(enum verdict_status status, const struct failures *f, ...)
{
	va_list ap;
	size_t n = 0;
	const char *type;

	va_start(ap, f);
	while ((type = va_arg(ap, const char *)) != NULL) {
		if (n >= f->count || strcmp(f->items[n].type, type) != 0) {
			va_end(ap);
			fail_msg("failure %zu: expected %s, got %s", n, type, describe(f));
		}
		n++;
	}
	va_end(ap);
	if (n != f->count)
		fail_msg("expected %zu failures, got %s", n, describe(f));
	if (status != VERDICT_FAIL)
		fail_msg("expected FAIL, got status %d", (int)status);
}

static void assert_message_has(const struct failures *f, size_t i, const char *text)
{
	assert_true(i < f->count);
	if (!strstr(f->items[i].message, text))
		fail_msg("message \"%s\" lacks \"%s\"", f->items[i].message, text);
}

static struct json_object *claims_of(const struct tdx_result *r)
{
	return defer(put_json, tdx_claims(r));
}

static const char *string_claim(struct json_object *claims, const char *name)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(claims, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		fail_msg("claim \"%s\" is missing or not a string", name);
	return json_object_get_string(v);
}

/* ---- the real vectors, driven by their expected.json ---- */

struct loaded {
	struct tdx_collateral set;
	struct tdx_collateral_source source;
};

/* The collateral an expected.json's "inputs" name (relative to its folder). */
static struct loaded *load_inputs(const char *dir, struct json_object *inputs)
{
	static const char *const keys[TDX_COLLATERAL_ITEMS] = {"tcb-info", "qe-identity",
							       "pck-crl", "root-crl", "tcb-chain"};
	struct loaded *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	defer(free, l);
	for (size_t i = 0; i < TDX_COLLATERAL_ITEMS; i++) {
		struct json_object *name = NULL;

		snprintf(l->set.where[i], sizeof(l->set.where[i]), "%s (not given)", keys[i]);
		if (!json_object_object_get_ex(inputs, keys[i], &name))
			continue;
		snprintf(l->set.where[i], sizeof(l->set.where[i]), "%s/%s", dir,
			 json_object_get_string(name));
		l->set.data[i] = read_path(l->set.where[i], &l->set.len[i]);
	}
	tdx_collateral_source_fixed(&l->source, &l->set);
	return l;
}

static void check_hex_claim(struct json_object *claims, const char *claim,
			    struct json_object *expected, const char *key)
{
	struct json_object *want = NULL;

	if (!json_object_object_get_ex(expected, key, &want) ||
	    json_object_is_type(want, json_type_null))
		return;
	assert_string_equal(string_claim(claims, claim), json_object_get_string(want));
}

/* Runs one vector and checks it against its expected.json. */
static void check_vector(const char *vector, const char *expected_file)
{
	const char *dir = tdx_dir(vector);
	char path[1200];
	size_t len = 0;
	struct json_object *expected, *inputs, *v;
	struct tdx_verifier *verifier = new_verifier(NULL);
	struct tdx_result *r = new_result();
	struct failures *f = new_failures();
	enum verdict_status status;
	const char *want_status, *want_failure = NULL;
	uint8_t *quote;

	snprintf(path, sizeof(path), "%s/%s", dir, expected_file);
	expected = defer(put_json, json_tokener_parse((const char *)read_path(path, &len)));
	assert_non_null(expected);
	assert_true(json_object_object_get_ex(expected, "inputs", &inputs));
	assert_true(json_object_object_get_ex(inputs, "quote", &v));
	snprintf(path, sizeof(path), "%s/%s", dir, json_object_get_string(v));
	quote = read_path(path, &len);
	struct loaded *l = load_inputs(dir, inputs);
	assert_true(json_object_object_get_ex(expected, "at", &v));
	struct tdx_evidence e = {.quote = quote, .quote_len = len};
	status = tdx_verify(verifier, &e, &l->source, at_time(json_object_get_string(v)), r, f);

	assert_true(json_object_object_get_ex(expected, "status", &v));
	want_status = json_object_get_string(v);
	if (json_object_object_get_ex(expected, "failure", &v) && !json_object_is_type(v, json_type_null))
		want_failure = json_object_get_string(v);

	if (strcmp(want_status, "Failed") == 0) {
		/* The reference checker's stage names, mapped to teev's ids. */
		const char *id = strcmp(want_failure, "pck_chain_untrusted_root") == 0
					 ? "tee_attestation.cert_chain"
					 : "tee_attestation.quote_format";
		assert_failures(status, f, id, NULL);
		assert_false(r->authenticated);
		return;
	}
	assert_true(r->authenticated);
	struct json_object *claims = claims_of(r);
	check_hex_claim(claims, "fmspc", expected, "fmspc");
	check_hex_claim(claims, "mr_td", expected, "mr_td");
	check_hex_claim(claims, "report_data", expected, "report_data");
	check_hex_claim(claims, "tee_tcb_svn", expected, "tee_tcb_svn");
	assert_true(json_object_object_get_ex(expected, "rtmr", &v));
	for (int i = 0; i < 4; i++) {
		char name[24];
		snprintf(name, sizeof(name), "rtmr_%d", i);
		assert_string_equal(string_claim(claims, name),
				    json_object_get_string(json_object_array_get_idx(v, i)));
	}
	assert_true(json_object_object_get_ex(expected, "trailing_bytes", &v));
	assert_int_equal(r->quote.trailing, json_object_get_int(v));

	if (strcmp(want_status, "TcbNotSupported") == 0) {
		assert_failures(status, f, "tee_attestation.tcb_status", NULL);
		assert_message_has(f, 0, "TCB level not supported");
		assert_false(r->tcb_evaluated);
		return;
	}
	/* A status: the verifier derived it; only the collateral the README
	 * lists as "skipped" (absent for that time window) may be missing. */
	struct json_object *skipped = NULL;
	size_t n_skipped = json_object_object_get_ex(expected, "skipped", &skipped)
				   ? json_object_array_length(skipped)
				   : 0;
	assert_int_equal(f->count, n_skipped);
	for (size_t i = 0; i < f->count; i++) {
		assert_string_equal(f->items[i].type, "tee_attestation.collateral");
		assert_message_has(f, i, "is missing");
	}
	assert_int_equal(status, n_skipped ? VERDICT_FAIL : VERDICT_PASS);
	assert_true(r->tcb_evaluated);
	assert_string_equal(tdx_tcb_status_name(r->tcb_status), want_status);
	assert_string_equal(string_claim(claims, "tcb_status"), want_status);
	assert_true(json_object_object_get_ex(expected, "tcb_level_date", &v));
	assert_string_equal(r->tcb_date, json_object_get_string(v));
	assert_true(json_object_object_get_ex(expected, "advisory_ids", &v));
	assert_int_equal(r->advisory_count, json_object_array_length(v));
	for (size_t i = 0; i < r->advisory_count; i++)
		assert_string_equal(r->advisory_ids[i],
				    json_object_get_string(json_object_array_get_idx(v, i)));
	if (json_object_object_get_ex(expected, "tdx_module_identity", &v)) {
		assert_true(r->has_module_identity);
		assert_string_equal(r->module_id, json_object_get_string(v));
	} else {
		assert_false(r->has_module_identity);
	}
}

static void test_vector_a_trustee_uptodate(void **state)
{
	(void)state;
	check_vector("a-trustee-uptodate", "expected.json");
}

static void test_vector_a_spr_e4_unsupported(void **state)
{
	(void)state;
	check_vector("a-spr-e4-unsupported", "expected.json");
}

static void test_vector_b_automata_outofdate(void **state)
{
	(void)state;
	check_vector("b-automata-outofdate", "expected.json");
}

static void test_vector_v5_sample(void **state)
{
	(void)state;
	check_vector("v5-sample", "expected.json");
}

static void test_vector_qvl_wrong_root(void **state)
{
	(void)state;
	check_vector("qvl-wrong-root", "expected.json");
}

static void test_vector_qvl_der_chain(void **state)
{
	(void)state;
	check_vector("qvl-wrong-root", "expected_original.json");
}

/* A real vector from its folder (every file there), at a chosen time. */
static enum verdict_status verify_folder(const char *vector, time_t at, struct tdx_result *r,
					 struct failures *f)
{
	struct tdx_verifier *v = new_verifier(NULL);
	struct tdx_collateral_source src;
	const char *dir = tdx_dir(vector);
	char path[1200];
	size_t len = 0;
	uint8_t *quote;

	snprintf(path, sizeof(path), "%s/quote.dat", dir);
	quote = read_path(path, &len);
	tdx_collateral_source_dir(&src, dir);
	struct tdx_evidence e = {.quote = quote, .quote_len = len};
	return tdx_verify(v, &e, &src, at, r, f);
}

static void test_real_outofdate_anywhere_in_its_window(void **state)
{
	/* README: any time in 2025-07-07T09:20:26Z..2025-08-06T09:06:43Z. */
	static const char *const times[] = {"2025-07-07T09:20:26Z", "2025-07-20T12:00:00Z",
					    "2025-08-06T09:06:43Z"};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		assert_pass(verify_folder("b-automata-outofdate", at_time(times[i]), r, f), f);
		assert_int_equal(r->tcb_status, TDX_TCB_OUT_OF_DATE);
		assert_int_equal(r->module_status, TDX_TCB_UP_TO_DATE);
		assert_int_equal(r->platform_status, TDX_TCB_OUT_OF_DATE);
		assert_int_equal(r->tcb_eval_num, 17);
	}
}

static void test_real_collateral_outside_its_window(void **state)
{
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	/* A second after the TCB info's nextUpdate; the QE identity and the
	 * PCK CRL expire later, the root CRL much later. */
	assert_failures(verify_folder("b-automata-outofdate", at_time("2025-08-06T09:06:44Z"), r, f),
			f, "tee_attestation.collateral_expired", NULL);
	assert_message_has(f, 0, "TCB info");
	assert_message_has(f, 0, "nextUpdate 2025-08-06T09:06:43Z");
	/* Still authentic and judged: the status is reported beside the failure. */
	assert_int_equal(r->tcb_status, TDX_TCB_OUT_OF_DATE);

	f = new_failures();
	r = new_result();
	/* Before the QE identity was issued (the TCB info already was). */
	assert_failures(verify_folder("b-automata-outofdate", at_time("2025-07-07T09:10:00Z"), r, f),
			f, "tee_attestation.crl", "tee_attestation.collateral_expired", NULL);
	assert_message_has(f, 0, "PCK platform CA CRL");
	assert_message_has(f, 1, "QE identity");
}

static void test_real_trustee_at_a_time_after_everything(void **state)
{
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	/* 2025-06-01: TCB signing certificate expired 2025-05-21, CRLs and
	 * documents long expired: each is named. */
	assert_failures(verify_folder("a-trustee-uptodate", at_time("2025-06-01T00:00:00Z"), r, f), f,
			"tee_attestation.collateral_chain", "tee_attestation.crl",
			"tee_attestation.crl", NULL);
	assert_message_has(f, 0, "TCB signing");
	assert_message_has(f, 1, "Intel SGX Root CA CRL");
	assert_false(r->tcb_evaluated);
}

static void test_real_quote_wrong_collateral(void **state)
{
	struct tdx_verifier *v = new_verifier(NULL);
	struct tdx_collateral_source src;
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();
	char path[1200];
	size_t len = 0;
	uint8_t *quote;

	(void)state;
	/* Set A's quote (FMSPC 50806f000000) with set B's collateral
	 * (00806f050000): the TCB info is not for this platform, and the PCK CRL
	 * is another Platform CA CRL revision. */
	snprintf(path, sizeof(path), "%s/quote.dat", tdx_dir("a-trustee-uptodate"));
	quote = read_path(path, &len);
	tdx_collateral_source_dir(&src, tdx_dir("b-automata-outofdate"));
	struct tdx_evidence e = {.quote = quote, .quote_len = len};
	assert_failures(tdx_verify(v, &e, &src, at_time("2025-07-15T00:00:00Z"), r, f), f,
			"tee_attestation.tcb_info_mismatch", NULL);
	assert_message_has(f, 0, "FMSPC 00806f050000");
	assert_message_has(f, 0, "FMSPC 50806f000000");
}

static void test_real_quote_bytes_changed(void **state)
{
	struct tdx_verifier *v = new_verifier(NULL);
	struct tdx_collateral_source src;
	char path[1200];
	size_t len = 0;
	uint8_t *quote, *copy;

	(void)state;
	snprintf(path, sizeof(path), "%s/quote.dat", tdx_dir("a-trustee-uptodate"));
	quote = read_path(path, &len);
	copy = defer(free, malloc(len));
	tdx_collateral_source_dir(&src, tdx_dir("a-trustee-uptodate"));
	/* MRTD, a QE report byte, the quote signature: each is caught by its check. */
	static const struct {
		size_t offset;
		const char *type;
	} cases[] = {{48 + 136, "tee_attestation.invalid_signature"},
		     {636 + 134 + 10, "tee_attestation.qe_report_signature"},
		     {636 + 5, "tee_attestation.invalid_signature"},
		     {636 + 64 + 3, "tee_attestation.qe_report_signature"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		memcpy(copy, quote, len);
		copy[cases[i].offset] ^= 0x01;
		struct tdx_evidence e = {.quote = copy, .quote_len = len};
		/* A changed attestation key breaks the QE's binding first. */
		if (cases[i].offset == 636 + 64 + 3)
			assert_failures(tdx_verify(v, &e, &src, at_time("2023-07-01T01:00:00Z"), r, f), f,
					"tee_attestation.attestation_key_binding", NULL);
		else
			assert_failures(tdx_verify(v, &e, &src, at_time("2023-07-01T01:00:00Z"), r, f), f,
					cases[i].type, NULL);
		assert_false(r->authenticated);
	}
}

/* ---- forged evidence ---- */

struct forged {
	struct tdx_forge_pki pki;
	struct tdx_forge_pck_opts pck;
	struct tdx_forge_quote_opts q;
	struct tdx_forge_tcb_info_opts t;
	struct tdx_forge_qe_identity_opts i;
	EVP_PKEY *ak;
	struct tdx_forge_set set;
	struct tdx_collateral c;
	struct tdx_collateral_source source;
	struct tdx_verifier *verifier;
	uint8_t nonce[32], x[32], y[32];
	char root_file[64];
};

static void free_forged(void *p)
{
	struct forged *fx = p;

	tdx_forge_set_free(&fx->set);
	tdx_forge_pki_free(&fx->pki);
	EVP_PKEY_free(fx->ak);
	unlink(fx->root_file);
	free(fx);
}

/* Defaults everywhere (an UpToDate v4 quote); a verifier trusting the fake root. */
static struct forged *new_forged(void)
{
	struct forged *fx = calloc(1, sizeof(*fx));
	char *pem;
	int fd;

	assert_non_null(fx);
	defer(free_forged, fx);
	tdx_forge_pck_opts_default(&fx->pck);
	tdx_forge_quote_opts_default(&fx->q);
	tdx_forge_tcb_info_opts_default(&fx->t);
	tdx_forge_qe_identity_opts_default(&fx->i);
	assert_int_equal(tdx_forge_pki_create(&fx->pki, &fx->pck), 0);
	fx->ak = tdx_forge_p256_key();
	assert_non_null(fx->ak);
	for (int i = 0; i < 32; i++) {
		fx->nonce[i] = (uint8_t)(i + 1);
		fx->x[i] = (uint8_t)(0x40 + i);
		fx->y[i] = (uint8_t)(0x80 + i);
	}
	snprintf(fx->root_file, sizeof(fx->root_file), "/tmp/teev-tdx-root-XXXXXX");
	fd = mkstemp(fx->root_file);
	assert_true(fd >= 0);
	pem = tdx_forge_pem(&fx->pki.root, 1);
	assert_non_null(pem);
	assert_int_equal(write(fd, pem, strlen(pem)), (ssize_t)strlen(pem));
	close(fd);
	free(pem);
	fx->verifier = new_verifier(fx->root_file);
	return fx;
}

/* Builds the quote (REPORTDATA bound to the nonce) and its collateral. */
static void build(struct forged *fx)
{
	assert_int_equal(tdx_forge_report_data_bind(fx->q.report_data, fx->x, 32, fx->y, 32,
						    fx->nonce, 32),
			 0);
	tdx_forge_set_free(&fx->set);
	assert_int_equal(tdx_forge_set_make(&fx->pki, fx->ak, &fx->q, &fx->t, &fx->i, &fx->set), 0);
}

/* Points the collateral set at the forged files (after any tampering). */
static void use_set(struct forged *fx)
{
	memset(&fx->c, 0, sizeof(fx->c));
	fx->c.data[TDX_COLLATERAL_TCB_INFO] = (const uint8_t *)fx->set.tcb_info;
	fx->c.len[TDX_COLLATERAL_TCB_INFO] = fx->set.tcb_info ? strlen(fx->set.tcb_info) : 0;
	fx->c.data[TDX_COLLATERAL_QE_IDENTITY] = (const uint8_t *)fx->set.qe_identity;
	fx->c.len[TDX_COLLATERAL_QE_IDENTITY] =
		fx->set.qe_identity ? strlen(fx->set.qe_identity) : 0;
	fx->c.data[TDX_COLLATERAL_PCK_CRL] = fx->set.pck_crl;
	fx->c.len[TDX_COLLATERAL_PCK_CRL] = fx->set.pck_crl_len;
	fx->c.data[TDX_COLLATERAL_ROOT_CRL] = fx->set.root_crl;
	fx->c.len[TDX_COLLATERAL_ROOT_CRL] = fx->set.root_crl_len;
	fx->c.data[TDX_COLLATERAL_TCB_SIGNING_CHAIN] = (const uint8_t *)fx->set.signing_chain;
	fx->c.len[TDX_COLLATERAL_TCB_SIGNING_CHAIN] =
		fx->set.signing_chain ? strlen(fx->set.signing_chain) : 0;
	for (size_t i = 0; i < TDX_COLLATERAL_ITEMS; i++)
		snprintf(fx->c.where[i], sizeof(fx->c.where[i]), "forged %s",
			 tdx_collateral_item_file((enum tdx_collateral_item)i));
	tdx_collateral_source_fixed(&fx->source, &fx->c);
}

static enum verdict_status run(struct forged *fx, struct tdx_result *r, struct failures *f)
{
	struct tdx_evidence e = {
		.quote = fx->set.quote,
		.quote_len = fx->set.quote_len,
		.check_freshness = true,
		.nonce = fx->nonce,
		.nonce_len = 32,
		.pubkey_x = fx->x,
		.pubkey_x_len = 32,
		.pubkey_y = fx->y,
		.pubkey_y_len = 32,
	};

	use_set(fx);
	return tdx_verify(fx->verifier, &e, &fx->source, time(NULL), r, f);
}

/* Builds with the current options and expects a pass with this status. */
static struct tdx_result *expect_status(struct forged *fx, enum tdx_tcb_status want)
{
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	build(fx);
	assert_pass(run(fx, r, f), f);
	assert_true(r->authenticated);
	assert_true(r->tcb_evaluated);
	assert_true(r->freshness_checked);
	if (r->tcb_status != want)
		fail_msg("TCB status %s, expected %s", tdx_tcb_status_name(r->tcb_status),
			 tdx_tcb_status_name(want));
	return r;
}

static void test_forged_v4_uptodate_passes(void **state)
{
	struct forged *fx = new_forged();
	struct tdx_result *r;
	struct json_object *claims;

	(void)state;
	r = expect_status(fx, TDX_TCB_UP_TO_DATE);
	claims = claims_of(r);
	assert_string_equal(string_claim(claims, "tcb_status"), "UpToDate");
	assert_string_equal(string_claim(claims, "fmspc"), "50806f000000");
	assert_string_equal(string_claim(claims, "pck_ca"), "platform");
	assert_string_equal(string_claim(claims, "tcb_date"), "2024-03-13T00:00:00Z");
	assert_string_equal(string_claim(claims, "td_attributes"), "0000001000000000");
	assert_false(r->has_module_identity);
	assert_true(r->has_qe_identity);
	assert_int_equal(r->qe_status, TDX_TCB_UP_TO_DATE);
	assert_int_equal(r->quote.version, 4);
}

static void test_forged_v5_both_body_types_pass(void **state)
{
	(void)state;
	for (unsigned type = 2; type <= 3; type++) {
		struct forged *fx = new_forged();
		struct tdx_result *r;
		struct json_object *claims;

		fx->q.version = 5;
		fx->q.body_type = type;
		r = expect_status(fx, TDX_TCB_UP_TO_DATE);
		claims = claims_of(r);
		assert_int_equal(r->quote.body_type, type);
		assert_int_equal(json_object_get_int(json_object_object_get(claims, "quote_version")), 5);
		assert_int_equal(json_object_object_get_ex(claims, "mr_servicetd", NULL), type == 3);
		if (type == 3)
			assert_string_equal(string_claim(claims, "mr_servicetd"),
					    "444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444");
	}
}

static void test_forged_processor_ca_and_trailing_bytes(void **state)
{
	struct forged *fx = new_forged();
	struct tdx_result *r;

	(void)state;
	/* A Processor CA issued the PCK; and 8000-byte padding like real quotes. */
	tdx_forge_pki_free(&fx->pki);
	fx->pck.processor_ca = true;
	assert_int_equal(tdx_forge_pki_create(&fx->pki, &fx->pck), 0);
	tdx_verifier_free(fx->verifier);
	{
		char *pem = tdx_forge_pem(&fx->pki.root, 1);
		FILE *fp = fopen(fx->root_file, "w");
		assert_non_null(pem);
		assert_non_null(fp);
		fputs(pem, fp);
		fclose(fp);
		free(pem);
		struct tdx_verifier_config cfg = {.intel_root = fx->root_file};
		char err[256];
		assert_int_equal(tdx_verifier_init(fx->verifier, &cfg, err, sizeof(err)), 0);
	}
	fx->q.trailing = TDX_QUOTE_MAX_TRAILING;
	r = expect_status(fx, TDX_TCB_UP_TO_DATE);
	assert_int_equal(r->pck.ca, TDX_CA_PROCESSOR);
	assert_int_equal(r->quote.trailing, TDX_QUOTE_MAX_TRAILING);
	assert_string_equal(string_claim(claims_of(r), "pck_ca"), "processor");
}

static void test_forged_too_many_trailing_bytes(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->q.trailing = TDX_QUOTE_MAX_TRAILING + 1;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.quote_format", NULL);
	assert_message_has(f, 0, "16385 bytes follow the signature data");
}

static void test_forged_stale_nonce(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	build(fx);
	fx->nonce[0] ^= 0xFF; /* the verifier is asked about another challenge */
	assert_failures(run(fx, r, f), f, "tee_attestation.freshness_hash_failed", NULL);
	assert_true(r->authenticated);
	assert_true(r->tcb_evaluated);
}

/* Tampers one byte of the built quote and expects one failure of type. */
static void expect_tampered(size_t offset, const char *type)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	build(fx);
	assert_true(offset < fx->set.quote_len);
	fx->set.quote[offset] ^= 0x01;
	assert_failures(run(fx, r, f), f, type, NULL);
	assert_false(r->authenticated);
}

static void test_forged_tampered_body(void **state)
{
	struct tdx_forge_quote_opts o;

	(void)state;
	tdx_forge_quote_opts_default(&o);
	expect_tampered(tdx_forge_body_offset(&o) + TDX_FORGE_BODY_MR_TD,
			"tee_attestation.invalid_signature");
	/* The header is signed too. */
	expect_tampered(30, "tee_attestation.invalid_signature");
}

static void test_forged_tampered_qe_report(void **state)
{
	struct tdx_forge_quote_opts o;

	(void)state;
	tdx_forge_quote_opts_default(&o);
	expect_tampered(tdx_forge_qe_report_offset(&o) + TDX_FORGE_QE_ISVSVN,
			"tee_attestation.qe_report_signature");
}

static void test_forged_tampered_signature(void **state)
{
	struct tdx_forge_quote_opts o;

	(void)state;
	tdx_forge_quote_opts_default(&o);
	expect_tampered(tdx_forge_signature_offset(&o) + 40, "tee_attestation.invalid_signature");
}

static void test_forged_unbound_attestation_key(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->q.unbound_key = true;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.attestation_key_binding", NULL);
	assert_message_has(f, 0, "SHA-256(attestation key || auth data)");
}

static void test_forged_der_chain_refused(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->q.der_chain = true;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.quote_format", NULL);
	assert_message_has(f, 0, "DER certificates, not the PEM chain");
}

static void test_forged_wrong_root(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	build(fx);
	fx->verifier = new_verifier(NULL); /* the real Intel root */
	assert_failures(run(fx, r, f), f, "tee_attestation.cert_chain", NULL);
	assert_message_has(f, 0, "not the pinned Intel SGX Root CA");
}

static void test_forged_pck_expired(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->pck.not_before = time(NULL) - 10 * DAY;
	fx->pck.not_after = time(NULL) - DAY;
	assert_int_equal(tdx_forge_pki_reissue_pck(&fx->pki, &fx->pck), 0);
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.cert_chain", NULL);
	assert_message_has(f, 0, "certificate has expired");
}

static void test_forged_pck_without_fmspc(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->pck.omit_fmspc = true;
	assert_int_equal(tdx_forge_pki_reissue_pck(&fx->pki, &fx->pck), 0);
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.pck_extensions", NULL);
	assert_message_has(f, 0, "FMSPC (.4) is missing");
}

static void flip_inside(char *doc, const char *marker)
{
	char *at = strstr(doc, marker);

	assert_non_null(at);
	at[strlen(marker)] ^= 0x01; /* a digit of the value after the marker */
}

static void test_forged_tampered_collateral(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	build(fx);
	flip_inside(fx->set.tcb_info, "\"tcbEvaluationDataNumber\":1");
	flip_inside(fx->set.qe_identity, "\"isvprodid\":");
	assert_failures(run(fx, r, f), f, "tee_attestation.collateral_signature",
			"tee_attestation.collateral_signature", NULL);
	assert_message_has(f, 0, "QE identity");
	assert_message_has(f, 1, "TCB info");
	assert_false(r->tcb_evaluated);
}

static void test_forged_collateral_signed_by_another_key(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();
	EVP_PKEY *other = tdx_forge_p256_key();

	(void)state;
	build(fx);
	free(fx->set.tcb_info);
	fx->set.tcb_info = tdx_forge_tcb_info(other, &fx->t);
	EVP_PKEY_free(other);
	assert_failures(run(fx, r, f), f, "tee_attestation.collateral_signature", NULL);
}

static void test_forged_collateral_expired(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->t.issue_date = time(NULL) - 40 * DAY;
	fx->t.next_update = time(NULL) - 10 * DAY;
	fx->i.issue_date = time(NULL) + DAY; /* not yet valid */
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.collateral_expired",
			"tee_attestation.collateral_expired", NULL);
	assert_message_has(f, 0, "QE identity");
	assert_message_has(f, 1, "TCB info");
	assert_int_equal(r->tcb_status, TDX_TCB_UP_TO_DATE); /* judged all the same */
}

static void test_forged_collateral_missing(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	build(fx);
	free(fx->set.tcb_info);
	fx->set.tcb_info = NULL;
	free(fx->set.qe_identity);
	fx->set.qe_identity = NULL;
	free(fx->set.pck_crl);
	fx->set.pck_crl = NULL;
	free(fx->set.root_crl);
	fx->set.root_crl = NULL;
	free(fx->set.signing_chain);
	fx->set.signing_chain = NULL;
	assert_failures(run(fx, r, f), f, "tee_attestation.collateral", "tee_attestation.collateral",
			"tee_attestation.collateral", "tee_attestation.collateral",
			"tee_attestation.collateral", NULL);
	assert_message_has(f, 0, "no TCB info for FMSPC 50806f000000 (platform CA)");
	assert_message_has(f, 4, "no TCB signing chain");
	assert_true(r->authenticated);
	assert_false(r->tcb_evaluated);
}

static void test_forged_signing_chain_root_first_and_foreign_root(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();
	struct tdx_forge_pki other;
	struct tdx_forge_pck_opts o;

	(void)state;
	build(fx);
	/* Root first, as Intel's QVL sample stores it: accepted. */
	X509 *const root_first[2] = {fx->pki.root, fx->pki.signing};
	free(fx->set.signing_chain);
	fx->set.signing_chain = tdx_forge_pem(root_first, 2);
	assert_pass(run(fx, r, f), f);

	/* A signing certificate of another hierarchy: refused. */
	tdx_forge_pck_opts_default(&o);
	assert_int_equal(tdx_forge_pki_create(&other, &o), 0);
	X509 *const foreign[2] = {other.signing, other.root};
	free(fx->set.signing_chain);
	fx->set.signing_chain = tdx_forge_pem(foreign, 2);
	tdx_forge_pki_free(&other);
	f = new_failures();
	r = new_result();
	assert_failures(run(fx, r, f), f, "tee_attestation.collateral_chain", NULL);
	assert_message_has(f, 0, "not the pinned Intel SGX Root CA");
}

static void test_forged_tcb_info_for_another_platform(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->t.fmspc[5] = 0x01;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tcb_info_mismatch", NULL);
	assert_message_has(f, 0, "FMSPC 50806f000001");
}

static void test_forged_tcb_info_wrong_id_version_or_type(void **state)
{
	(void)state;
	for (int k = 0; k < 3; k++) {
		struct forged *fx = new_forged();
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		if (k == 0)
			fx->t.id = "SGX";
		else if (k == 1)
			fx->t.version = 2;
		else
			fx->t.tcb_type = 1;
		build(fx);
		assert_failures(run(fx, r, f), f, "tee_attestation.tcb_info_mismatch", NULL);
		assert_message_has(f, 0, k < 2 ? "expected id \"TDX\" version 3" : "tcbType 1");
		assert_false(r->tcb_evaluated);
	}
}

static void test_forged_qe_identity_wrong_id(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->i.id = "QE";
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.qe_identity", NULL);
	assert_message_has(f, 0, "expected id \"TD_QE\" version 2");
}

static void test_forged_outofdate_platform(void **state)
{
	struct forged *fx = new_forged();
	struct tdx_result *r;

	(void)state;
	fx->pck.pcesvn = 5;
	assert_int_equal(tdx_forge_pki_reissue_pck(&fx->pki, &fx->pck), 0);
	r = expect_status(fx, TDX_TCB_OUT_OF_DATE);
	assert_int_equal(r->advisory_count, 2);
	assert_string_equal(r->advisory_ids[0], "INTEL-SA-00837");
	assert_string_equal(r->advisory_ids[1], "INTEL-SA-00960");
	assert_string_equal(r->tcb_date, "2023-02-15T00:00:00Z");
}

static void test_forged_tcb_level_not_supported(void **state)
{
	(void)state;
	/* Below every level by PCESVN, by an SGX SVN, and by a TDX SVN. */
	for (int k = 0; k < 3; k++) {
		struct forged *fx = new_forged();
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		if (k == 0)
			fx->pck.pcesvn = 3;
		else if (k == 1)
			fx->pck.sgx_svn[0] = 0;
		else
			fx->q.tee_tcb_svn[2] = 0;
		assert_int_equal(tdx_forge_pki_reissue_pck(&fx->pki, &fx->pck), 0);
		build(fx);
		assert_failures(run(fx, r, f), f, "tee_attestation.tcb_status", NULL);
		assert_message_has(f, 0, "TCB level not supported");
		assert_false(r->tcb_evaluated);
	}
}

static void test_forged_level_status_kept(void **state)
{
	static const struct {
		const char *status;
		enum tdx_tcb_status want;
	} cases[] = {
		{"SWHardeningNeeded", TDX_TCB_SW_HARDENING_NEEDED},
		{"ConfigurationNeeded", TDX_TCB_CONFIGURATION_NEEDED},
		{"ConfigurationAndSWHardeningNeeded", TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED},
		{"OutOfDateConfigurationNeeded", TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct forged *fx = new_forged();

		fx->t.levels[0].status = cases[k].status;
		expect_status(fx, cases[k].want);
	}
}

static void test_forged_revoked_level(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->t.levels[0].status = "Revoked";
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tcb_status", NULL);
	assert_message_has(f, 0, "TCB status is Revoked");
	assert_int_equal(r->tcb_status, TDX_TCB_REVOKED);
}

static void test_forged_module_identity(void **state)
{
	struct forged *fx = new_forged();
	struct tdx_result *r;

	(void)state;
	/* TEE_TCB_SVN[1] = 1: TDX_01; SVN 4 is its UpToDate level. */
	fx->q.tee_tcb_svn[0] = 4;
	fx->q.tee_tcb_svn[1] = 1;
	r = expect_status(fx, TDX_TCB_UP_TO_DATE);
	assert_true(r->has_module_identity);
	assert_string_equal(r->module_id, "TDX_01");

	/* SVN 3: its OutOfDate level pulls the UpToDate platform down. */
	fx = new_forged();
	fx->q.tee_tcb_svn[0] = 3;
	fx->q.tee_tcb_svn[1] = 1;
	r = expect_status(fx, TDX_TCB_OUT_OF_DATE);
	assert_int_equal(r->platform_status, TDX_TCB_UP_TO_DATE);
	assert_int_equal(r->module_status, TDX_TCB_OUT_OF_DATE);
	assert_int_equal(r->advisory_count, 1);
	assert_string_equal(r->advisory_ids[0], "INTEL-SA-01036");

	/* And ConfigurationNeeded becomes OutOfDateConfigurationNeeded. */
	fx = new_forged();
	fx->q.tee_tcb_svn[0] = 3;
	fx->q.tee_tcb_svn[1] = 1;
	fx->t.levels[0].status = "ConfigurationNeeded";
	expect_status(fx, TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
}

static void test_forged_module_identity_failures(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	/* A module version the TCB info does not list. */
	fx->q.tee_tcb_svn[1] = 2;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tdx_module", NULL);
	assert_message_has(f, 0, "TDX_02");

	/* A module SVN below its identity's levels. */
	fx = new_forged();
	f = new_failures();
	r = new_result();
	fx->q.tee_tcb_svn[0] = 1;
	fx->q.tee_tcb_svn[1] = 1;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tcb_status", NULL);
	assert_message_has(f, 0, "TDX module TDX_01 SVN 1");

	/* MRSIGNERSEAM other than the TCB info's. */
	fx = new_forged();
	f = new_failures();
	r = new_result();
	fx->q.mrsigner_seam[0] = 0x01;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tdx_module", NULL);
	assert_message_has(f, 0, "MRSIGNERSEAM 01");

	/* SEAMATTRIBUTES other than zero. */
	fx = new_forged();
	f = new_failures();
	r = new_result();
	fx->q.seam_attributes[7] = 0x80;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tdx_module", NULL);
	assert_message_has(f, 0, "SEAMATTRIBUTES 0000000000000080");
}

static void test_forged_module_revoked(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	fx->t.modules[0].levels[0].status = "Revoked";
	fx->q.tee_tcb_svn[0] = 4;
	fx->q.tee_tcb_svn[1] = 1;
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tcb_status", NULL);
	assert_message_has(f, 0, "TDX module Revoked");
}

static void test_forged_relaunch_advised(void **state)
{
	struct forged *fx = new_forged();
	struct tdx_result *r;

	(void)state;
	/* A TDX 1.5 TD started on module SVN 3 (OutOfDate) whose module was
	 * updated in place to SVN 4: relaunching would bring it up to date. */
	fx->q.version = 5;
	fx->q.body_type = 3;
	fx->q.tee_tcb_svn[0] = 3;
	fx->q.tee_tcb_svn[1] = 1;
	fx->q.tee_tcb_svn2[0] = 4;
	fx->q.tee_tcb_svn2[1] = 1;
	fx->q.tee_tcb_svn2[2] = 5;
	r = expect_status(fx, TDX_TCB_RELAUNCH_ADVISED);
	assert_true(r->relaunch_advised);

	/* With ConfigurationNeeded on the platform level. */
	fx = new_forged();
	fx->q.version = 5;
	fx->q.body_type = 3;
	fx->q.tee_tcb_svn[0] = 3;
	fx->q.tee_tcb_svn[1] = 1;
	fx->q.tee_tcb_svn2[0] = 4;
	fx->q.tee_tcb_svn2[1] = 1;
	fx->q.tee_tcb_svn2[2] = 5;
	fx->t.levels[0].status = "ConfigurationNeeded";
	expect_status(fx, TDX_TCB_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);

	/* SVN2 still below the latest module level: plain OutOfDate. */
	fx = new_forged();
	fx->q.version = 5;
	fx->q.body_type = 3;
	fx->q.tee_tcb_svn[0] = 3;
	fx->q.tee_tcb_svn[1] = 1;
	fx->q.tee_tcb_svn2[0] = 3;
	fx->q.tee_tcb_svn2[1] = 1;
	fx->q.tee_tcb_svn2[2] = 5;
	r = expect_status(fx, TDX_TCB_OUT_OF_DATE);
	assert_false(r->relaunch_advised);

	/* A TDX 1.0 body never gets the relaunch rule. */
	fx = new_forged();
	fx->q.version = 5;
	fx->q.body_type = 2;
	fx->q.tee_tcb_svn[0] = 3;
	fx->q.tee_tcb_svn[1] = 1;
	expect_status(fx, TDX_TCB_OUT_OF_DATE);
}

static void test_forged_qe_identity_statuses(void **state)
{
	struct forged *fx = new_forged();
	struct tdx_result *r;

	(void)state;
	/* QE ISVSVN 3: the QE identity's OutOfDate level. */
	fx->q.qe_isvsvn = 3;
	r = expect_status(fx, TDX_TCB_OUT_OF_DATE);
	assert_int_equal(r->qe_status, TDX_TCB_OUT_OF_DATE);
	assert_int_equal(r->advisory_count, 1);
	assert_string_equal(r->advisory_ids[0], "INTEL-SA-00615");

	/* A Revoked QE level makes the whole status Revoked. */
	fx = new_forged();
	struct failures *f = new_failures();
	r = new_result();
	fx->i.levels[0].status = "Revoked";
	build(fx);
	assert_failures(run(fx, r, f), f, "tee_attestation.tcb_status", NULL);
	assert_message_has(f, 0, "QE Revoked");
}

static void test_forged_qe_identity_mismatches(void **state)
{
	(void)state;
	for (int k = 0; k < 5; k++) {
		static const char *const expected[5] = {"MRSIGNER", "ISVPRODID", "ATTRIBUTES",
							"MISCSELECT", "below every level"};
		struct forged *fx = new_forged();
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		if (k == 0)
			fx->q.qe_mrsigner[31] ^= 0x01;
		else if (k == 1)
			fx->q.qe_isvprodid = 1;
		else if (k == 2)
			fx->q.qe_attributes[0] = 0x13; /* a bit outside the masked-out DEBUG */
		else if (k == 3)
			fx->q.qe_miscselect[0] = 0x01;
		else
			fx->q.qe_isvsvn = 1;
		build(fx);
		assert_failures(run(fx, r, f), f, "tee_attestation.qe_identity", NULL);
		assert_message_has(f, 0, expected[k]);
		/* The platform is still judged, without the QE. */
		assert_true(r->tcb_evaluated);
		assert_false(r->has_qe_identity);
	}
}

static void test_forged_revocations(void **state)
{
	time_t now = time(NULL);

	(void)state;
	/* The PCK CRL lists the PCK; the root CRL lists the PCK CA; the root
	 * CRL lists the TCB signing certificate. */
	for (int k = 0; k < 3; k++) {
		struct forged *fx = new_forged();
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		build(fx);
		if (k == 0) {
			X509 *const revoked[1] = {fx->pki.pck};
			free(fx->set.pck_crl);
			int rc = tdx_forge_crl(fx->pki.ca, fx->pki.ca_key, now - DAY, now + DAY,
					       revoked, 1, &fx->set.pck_crl, &fx->set.pck_crl_len);
			assert_int_equal(rc, 0);
		} else {
			X509 *const revoked[1] = {k == 1 ? fx->pki.ca : fx->pki.signing};
			free(fx->set.root_crl);
			assert_int_equal(tdx_forge_crl(fx->pki.root, fx->pki.root_key, now - DAY,
						       now + DAY, revoked, 1, &fx->set.root_crl,
						       &fx->set.root_crl_len),
					 0);
		}
		assert_failures(run(fx, r, f), f, "tee_attestation.revoked", NULL);
		assert_message_has(f, 0, k == 0 ? "PCK Certificate" : k == 1 ? "PCK Platform CA"
										  : "TCB Signing");
	}
}

static void test_forged_bad_crls(void **state)
{
	time_t now = time(NULL);

	(void)state;
	for (int k = 0; k < 3; k++) {
		static const char *const expected[3] = {"is valid", "is issued by",
							"not a single DER CRL"};
		struct forged *fx = new_forged();
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		build(fx);
		free(fx->set.pck_crl);
		fx->set.pck_crl = NULL;
		if (k == 0) /* out of date */
			assert_int_equal(tdx_forge_crl(fx->pki.ca, fx->pki.ca_key, now - 20 * DAY,
						       now - DAY, NULL, 0, &fx->set.pck_crl,
						       &fx->set.pck_crl_len),
					 0);
		else if (k == 1) /* the root's CRL given as the PCK CRL */
			assert_int_equal(tdx_forge_crl(fx->pki.root, fx->pki.root_key, now - DAY,
						       now + DAY, NULL, 0, &fx->set.pck_crl,
						       &fx->set.pck_crl_len),
					 0);
		else {
			fx->set.pck_crl = malloc(3);
			memcpy(fx->set.pck_crl, "\x30\x01\x00", 3);
			fx->set.pck_crl_len = 3;
		}
		assert_failures(run(fx, r, f), f, "tee_attestation.crl", NULL);
		assert_message_has(f, 0, expected[k]);
	}
}

static void test_forged_collateral_json_refused(void **state)
{
	static const struct {
		const char *doc;
		const char *text;
	} cases[] = {
		{"{\"tcbInfo\":{},\"tcbInfo\":{},\"signature\":\"00\"}", "duplicate key"},
		{"{\"tcbInfo\":{}}", "field \"signature\""},
		{"{\"signature\":\"00\"}", "field \"tcbInfo\": missing"},
		{"{\"tcbInfo\":[],\"signature\":\"00\"}", "expected an object"},
		{"{\"tcbInfo\":{} ", "not valid"},
		{"[1,2]", "field \"tcbInfo\": missing"},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct forged *fx = new_forged();
		struct failures *f = new_failures();
		struct tdx_result *r = new_result();

		build(fx);
		free(fx->set.tcb_info);
		fx->set.tcb_info = strdup(cases[k].doc);
		assert_failures(run(fx, r, f), f, "tee_attestation.collateral", NULL);
		assert_message_has(f, 0, cases[k].text);
	}
}

static void test_forged_without_source(void **state)
{
	struct forged *fx = new_forged();
	struct failures *f = new_failures();
	struct tdx_result *r = new_result();

	(void)state;
	build(fx);
	struct tdx_evidence e = {.quote = fx->set.quote, .quote_len = fx->set.quote_len};
	assert_failures(tdx_verify(fx->verifier, &e, NULL, time(NULL), r, f), f,
			"tee_attestation.collateral", NULL);
}

static void test_intel_root_option(void **state)
{
	struct tdx_verifier v;
	struct tdx_verifier_config cfg = {.intel_root = "/nonexistent/root.pem"};
	char err[512] = "";
	char dir[1200];

	(void)state;
	assert_int_equal(tdx_verifier_init(&v, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/root.pem"));
	/* A folder with sgx_root_ca.pem in it works like the file. */
	snprintf(dir, sizeof(dir), "%s/testdata/tdx/a-trustee-uptodate", shared_dir());
	cfg.intel_root = dir;
	assert_int_equal(tdx_verifier_init(&v, &cfg, err, sizeof(err)), -1); /* named root.pem */
	/* The embedded root is Intel's (SHA-256 44a0196b...74d3). */
	struct tdx_verifier *embedded = new_verifier(NULL);
	unsigned char md[32];
	unsigned int n = 0;
	char hex[65];
	assert_int_equal(X509_digest(embedded->trust.root, EVP_sha256(), md, &n), 1);
	bytes_to_hex(md, 32, hex);
	assert_string_equal(hex, "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
	/* A leaf certificate is not a root. */
	struct forged *fx = new_forged();
	char *pem = tdx_forge_pem(&fx->pki.pck, 1);
	FILE *fp = fopen(fx->root_file, "w");
	fputs(pem, fp);
	fclose(fp);
	free(pem);
	cfg.intel_root = fx->root_file;
	assert_int_equal(tdx_verifier_init(&v, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a self-signed certificate"));
}

/* Every test releases what it deferred, passed or failed. */
#define T(fn) cmocka_unit_test_teardown(fn, run_cleanups)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vector_a_trustee_uptodate),
		T(test_vector_a_spr_e4_unsupported),
		T(test_vector_b_automata_outofdate),
		T(test_vector_v5_sample),
		T(test_vector_qvl_wrong_root),
		T(test_vector_qvl_der_chain),
		T(test_real_outofdate_anywhere_in_its_window),
		T(test_real_collateral_outside_its_window),
		T(test_real_trustee_at_a_time_after_everything),
		T(test_real_quote_wrong_collateral),
		T(test_real_quote_bytes_changed),
		T(test_forged_v4_uptodate_passes),
		T(test_forged_v5_both_body_types_pass),
		T(test_forged_processor_ca_and_trailing_bytes),
		T(test_forged_too_many_trailing_bytes),
		T(test_forged_stale_nonce),
		T(test_forged_tampered_body),
		T(test_forged_tampered_qe_report),
		T(test_forged_tampered_signature),
		T(test_forged_unbound_attestation_key),
		T(test_forged_der_chain_refused),
		T(test_forged_wrong_root),
		T(test_forged_pck_expired),
		T(test_forged_pck_without_fmspc),
		T(test_forged_tampered_collateral),
		T(test_forged_collateral_signed_by_another_key),
		T(test_forged_collateral_expired),
		T(test_forged_collateral_missing),
		T(test_forged_signing_chain_root_first_and_foreign_root),
		T(test_forged_tcb_info_for_another_platform),
		T(test_forged_tcb_info_wrong_id_version_or_type),
		T(test_forged_qe_identity_wrong_id),
		T(test_forged_outofdate_platform),
		T(test_forged_tcb_level_not_supported),
		T(test_forged_level_status_kept),
		T(test_forged_revoked_level),
		T(test_forged_module_identity),
		T(test_forged_module_identity_failures),
		T(test_forged_module_revoked),
		T(test_forged_relaunch_advised),
		T(test_forged_qe_identity_statuses),
		T(test_forged_qe_identity_mismatches),
		T(test_forged_revocations),
		T(test_forged_bad_crls),
		T(test_forged_collateral_json_refused),
		T(test_forged_without_source),
		T(test_intel_root_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
