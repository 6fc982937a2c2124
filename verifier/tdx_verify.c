/* tdx_verify.c - the TDX verification path (see tdx_verify.h).
 *
 * Order: quote layout -> PCK chain to the pinned root -> PCK extensions ->
 * QE report signature (PCK key) -> attestation key binding -> quote
 * signature (attestation key). Up to here a failure stops: what follows
 * would judge unauthenticated bytes. Then the collateral for the PCK's FMSPC
 * and CA type: CRLs, TCB signing chain, TCB info and QE identity (signature
 * over exact bytes, validity), the TDX module and QE identities, the TCB
 * level and status; and freshness. These all run and each adds its failure.
 */
#include "verifier/tdx_verify.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

int tdx_verifier_init(struct tdx_verifier *v, const struct tdx_verifier_config *cfg, char *err,
		      size_t err_len)
{
	memset(v, 0, sizeof(*v));
	return tdx_trust_load(&v->trust, cfg ? cfg->intel_root : NULL, err, err_len);
}

void tdx_verifier_free(struct tdx_verifier *v)
{
	tdx_trust_free(&v->trust);
}

static void digest(const EVP_MD *md, const uint8_t *a, size_t a_len, const uint8_t *b,
		   size_t b_len, const uint8_t *c, size_t c_len, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	/* Out of memory leaves an all-zero digest, which then fails closed. */
	memset(out, 0, (size_t)EVP_MD_get_size(md));
	if (ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, a_len) == 1 &&
	    EVP_DigestUpdate(ctx, b, b_len) == 1 && EVP_DigestUpdate(ctx, c, c_len) == 1)
		EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

/* QE_REPORT.REPORTDATA = SHA-256(attest_key || auth_data) || 32 zero bytes. */
static int check_key_binding(const struct tdx_quote *q, struct failures *f)
{
	uint8_t want[32];
	char want_hex[65], have_hex[129];

	digest(EVP_sha256(), q->attest_key, 64, q->auth_data, q->auth_data_len, NULL, 0, want);
	if (CRYPTO_memcmp(want, q->qe_report.report_data, 32) == 0 &&
	    bytes_all_zero(q->qe_report.report_data + 32, 32))
		return 0;
	bytes_to_hex(want, 32, want_hex);
	bytes_to_hex(q->qe_report.report_data, 64, have_hex);
	failures_add(f, "tee_attestation.attestation_key_binding",
		     "QE report REPORTDATA is %s, expected SHA-256(attestation key || auth data) = %s followed by 32 zero bytes",
		     have_hex, want_hex);
	return -1;
}

/* Authenticates the quote: chain, extensions, QE report, binding, signature. */
static int authenticate(const struct tdx_verifier *v, const struct tdx_evidence *e, time_t at,
			struct tdx_result *out, struct tdx_pck_chain *chain, struct failures *f)
{
	const struct tdx_quote *q = &out->quote;
	EVP_PKEY *ak = NULL;
	int rc = -1;

	if (tdx_quote_parse(e->quote, e->quote_len, &out->quote, f) ||
	    tdx_pck_chain_split(q->pck_chain, q->pck_chain_len, chain, f) ||
	    tdx_trust_verify_chain(&v->trust, chain->leaf, chain->intermediate, chain->root, at,
				   "PCK", "tee_attestation.cert_chain", f) ||
	    tdx_pck_parse(chain->leaf, &out->pck, f))
		return -1;
	if (tdx_ecdsa_verify(X509_get0_pubkey(chain->leaf), q->qe_report_signature,
			     q->qe_report_raw, TDX_QE_REPORT_SIZE)) {
		failures_add(f, "tee_attestation.qe_report_signature",
			     "the QE report signature does not verify with the PCK certificate's key (FMSPC %02x%02x%02x%02x%02x%02x)",
			     out->pck.fmspc[0], out->pck.fmspc[1], out->pck.fmspc[2],
			     out->pck.fmspc[3], out->pck.fmspc[4], out->pck.fmspc[5]);
		return -1;
	}
	if (check_key_binding(q, f))
		return -1;
	ak = tdx_p256_key(q->attest_key);
	if (!ak) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "the quote's attestation key is not a point on P-256");
		return -1;
	}
	if (tdx_ecdsa_verify(ak, q->signature, e->quote, q->signed_len)) {
		failures_add(f, "tee_attestation.invalid_signature",
			     "the attestation key does not sign the TDX quote (header and TD report, %zu bytes)",
			     q->signed_len);
		goto out;
	}
	out->authenticated = true;
	rc = 0;
out:
	EVP_PKEY_free(ak);
	return rc;
}

static void check_validity(const char *what, const char *where, time_t issue, time_t next,
			   const char *issue_text, const char *next_text, time_t at,
			   struct failures *f)
{
	char now[TDX_DATE_TEXT];

	if (at >= issue && at <= next)
		return;
	tdx_format_time(at, now);
	failures_add(f, "tee_attestation.collateral_expired",
		     "%s (%s) is valid from issueDate %s to nextUpdate %s, not at the verification time %s",
		     what, where, issue_text, next_text, now);
}

/* The TCB signing certificate of the collateral, verified to the pinned
 * root; its key signs TCB info and QE identity. NULL with a failure. */
static X509 *tcb_signer(const struct tdx_verifier *v, const struct tdx_collateral *c, time_t at,
			struct failures *f)
{
	const enum tdx_collateral_item item = TDX_COLLATERAL_TCB_SIGNING_CHAIN;
	X509 *certs[2] = {NULL, NULL};
	X509 *signer = NULL, *root = NULL;
	char why[160];
	int n = tdx_pem_split(c->data[item], c->len[item], certs, 2, why, sizeof(why));

	if (n <= 0) {
		failures_add(f, "tee_attestation.collateral_chain", "TCB signing chain (%s): %s",
			     c->where[item], n < 0 ? why : "no certificate");
		return NULL;
	}
	/* Intel sends signing cert then root; some tools store the root first. */
	for (int i = 0; i < n; i++) {
		if (X509_check_issued(certs[i], certs[i]) == X509_V_OK && !root)
			root = certs[i];
		else if (!signer)
			signer = certs[i];
	}
	if (!signer || (n == 2 && !root)) {
		failures_add(f, "tee_attestation.collateral_chain",
			     "TCB signing chain (%s) must hold the TCB signing certificate and at most the root",
			     c->where[item]);
		signer = NULL;
	} else if (tdx_trust_verify_chain(&v->trust, signer, NULL, root, at, "TCB signing",
					  "tee_attestation.collateral_chain", f)) {
		signer = NULL;
	}
	for (int i = 0; i < n; i++)
		if (certs[i] != signer)
			X509_free(certs[i]);
	return signer;
}

static void fill_outcome(struct tdx_result *out, const struct tdx_tcb_info *ti,
			 const struct tdx_tcb_outcome *o)
{
	out->tcb_evaluated = true;
	out->tcb_status = o->status;
	out->platform_status = o->level->status;
	snprintf(out->tcb_date, sizeof(out->tcb_date), "%s", o->level->tcb_date);
	out->tcb_eval_num = ti->eval_num;
	out->relaunch_advised = o->relaunch_advised;
	if (o->module) {
		out->has_module_identity = true;
		snprintf(out->module_id, sizeof(out->module_id), "%s", o->module->id);
		out->module_status = o->module_level->status;
	}
	out->advisory_count = o->advisory_count;
	for (size_t i = 0; i < o->advisory_count; i++)
		snprintf(out->advisory_ids[i], TDX_ADVISORY_ID_MAX, "%s", o->advisory_ids[i]);
}

/* Everything the collateral decides; each problem adds its own failure. */
static void judge_collateral(const struct tdx_verifier *v, const struct tdx_collateral *c,
			     const struct tdx_pck_chain *chain, time_t at, struct tdx_result *out,
			     struct failures *f)
{
	struct tdx_tcb_info *ti = NULL;
	struct tdx_qe_identity *qi = NULL;
	const struct tdx_isv_level *qe_level = NULL;
	X509 *signer = NULL;
	char crl_name[64];
	size_t before;

	for (size_t i = 0; i < TDX_COLLATERAL_ITEMS; i++)
		if (!c->data[i])
			failures_add(f, "tee_attestation.collateral",
				     "no %s for FMSPC %02x%02x%02x%02x%02x%02x (%s CA): %s is missing",
				     tdx_collateral_item_name((enum tdx_collateral_item)i),
				     out->pck.fmspc[0], out->pck.fmspc[1], out->pck.fmspc[2],
				     out->pck.fmspc[3], out->pck.fmspc[4], out->pck.fmspc[5],
				     tdx_ca_type_name(out->pck.ca), c->where[i]);
	if (c->data[TDX_COLLATERAL_TCB_SIGNING_CHAIN])
		signer = tcb_signer(v, c, at, f);
	if (c->data[TDX_COLLATERAL_ROOT_CRL]) {
		X509 *const subjects[2] = {chain->intermediate, signer};
		tdx_crl_check(c->data[TDX_COLLATERAL_ROOT_CRL], c->len[TDX_COLLATERAL_ROOT_CRL],
			      v->trust.root, subjects, 2, at, "Intel SGX Root CA CRL", f);
	}
	if (c->data[TDX_COLLATERAL_PCK_CRL]) {
		X509 *const subjects[1] = {chain->leaf};
		snprintf(crl_name, sizeof(crl_name), "PCK %s CA CRL", tdx_ca_type_name(out->pck.ca));
		tdx_crl_check(c->data[TDX_COLLATERAL_PCK_CRL], c->len[TDX_COLLATERAL_PCK_CRL],
			      chain->intermediate, subjects, 1, at, crl_name, f);
	}
	if (!signer)
		goto out;
	if (c->data[TDX_COLLATERAL_QE_IDENTITY]) {
		enum tdx_collateral_item qe = TDX_COLLATERAL_QE_IDENTITY;

		qi = tdx_qe_identity_load(c->data[qe], c->len[qe], X509_get0_pubkey(signer),
					  c->where[qe], f);
		if (qi) {
			check_validity("QE identity", c->where[qe], qi->issue_date, qi->next_update,
				       qi->issue_text, qi->next_text, at, f);
			qe_level = tdx_tcb_check_qe(qi, &out->quote.qe_report, f);
			out->has_qe_identity = qe_level != NULL;
			out->qe_eval_num = qi->eval_num;
			if (qe_level)
				out->qe_status = qe_level->status;
		}
	}
	if (!c->data[TDX_COLLATERAL_TCB_INFO])
		goto out;
	ti = tdx_tcb_info_load(c->data[TDX_COLLATERAL_TCB_INFO], c->len[TDX_COLLATERAL_TCB_INFO],
			       X509_get0_pubkey(signer), c->where[TDX_COLLATERAL_TCB_INFO], f);
	if (!ti)
		goto out;
	check_validity("TCB info", c->where[TDX_COLLATERAL_TCB_INFO], ti->issue_date,
		       ti->next_update, ti->issue_text, ti->next_text, at, f);
	before = f->count;
	if (memcmp(ti->fmspc, out->pck.fmspc, 6) != 0 ||
	    memcmp(ti->pce_id, out->pck.pce_id, 2) != 0)
		failures_add(f, "tee_attestation.tcb_info_mismatch",
			     "TCB info (%s) is for FMSPC %02x%02x%02x%02x%02x%02x PCE-ID %02x%02x, the PCK certificate has FMSPC %02x%02x%02x%02x%02x%02x PCE-ID %02x%02x",
			     c->where[TDX_COLLATERAL_TCB_INFO], ti->fmspc[0], ti->fmspc[1],
			     ti->fmspc[2], ti->fmspc[3], ti->fmspc[4], ti->fmspc[5], ti->pce_id[0],
			     ti->pce_id[1], out->pck.fmspc[0], out->pck.fmspc[1], out->pck.fmspc[2],
			     out->pck.fmspc[3], out->pck.fmspc[4], out->pck.fmspc[5],
			     out->pck.pce_id[0], out->pck.pce_id[1]);
	else if (ti->tcb_type != 0)
		/* Type 0 is the one comparison Intel defines; another would be misread. */
		failures_add(f, "tee_attestation.tcb_info_mismatch",
			     "TCB info (%s) has tcbType %lld; teev knows how to compare tcbType 0 only",
			     c->where[TDX_COLLATERAL_TCB_INFO], (long long)ti->tcb_type);
	else
		(void)tdx_tcb_check_module(ti, &out->quote.body, f);
	if (f->count == before) {
		struct tdx_tcb_outcome outcome;
		int rc = tdx_tcb_evaluate(ti, &out->pck, &out->quote, qe_level, &outcome, f);
		if (rc == 0 || (outcome.level && outcome.status == TDX_TCB_REVOKED))
			fill_outcome(out, ti, &outcome);
	}
out:
	tdx_tcb_info_free(ti);
	tdx_qe_identity_free(qi);
	X509_free(signer);
	ERR_clear_error();
}

static void check_freshness(const struct tdx_evidence *e, struct tdx_result *out,
			    struct failures *f)
{
	uint8_t want[64];
	char want_hex[129], have_hex[129];

	out->freshness_checked = true;
	digest(EVP_sha512(), e->pubkey_x, e->pubkey_x_len, e->pubkey_y, e->pubkey_y_len, e->nonce,
	       e->nonce_len, want);
	if (CRYPTO_memcmp(want, out->quote.body.report_data, 64) == 0)
		return;
	bytes_to_hex(want, 64, want_hex);
	bytes_to_hex(out->quote.body.report_data, 64, have_hex);
	failures_add(f, "tee_attestation.freshness_hash_failed",
		     "REPORTDATA freshness hash incorrect: expected SHA-512(x || y || nonce) = %s, the TD report has %s",
		     want_hex, have_hex);
}

enum verdict_status tdx_verify(const struct tdx_verifier *v, const struct tdx_evidence *e,
			       const struct tdx_collateral_source *src, time_t at,
			       struct tdx_result *out, struct failures *f)
{
	struct tdx_pck_chain chain;
	struct tdx_collateral c;
	size_t before = f->count;

	memset(out, 0, sizeof(*out));
	memset(&chain, 0, sizeof(chain));
	if (authenticate(v, e, at, out, &chain, f))
		goto out;
	memset(&c, 0, sizeof(c));
	if (src && src->get(src->ctx, out->pck.fmspc, out->pck.ca, at, &c, f) == 0) {
		judge_collateral(v, &c, &chain, at, out, f);
		if (src->release)
			src->release(src->ctx, &c);
	} else if (!src) {
		failures_add(f, "tee_attestation.collateral", "no collateral source is configured");
	}
	if (e->check_freshness)
		check_freshness(e, out, f);
out:
	tdx_pck_chain_free(&chain);
	ERR_clear_error();
	return f->count > before ? VERDICT_FAIL : VERDICT_PASS;
}

/* ---- claims ---- */

static struct json_object *hex(const uint8_t *p, size_t n)
{
	char text[2 * 64 + 1];

	bytes_to_hex(p, n, text);
	return json_object_new_string(text);
}

static void add(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add(o, key, value);
}

struct json_object *tdx_claims(const struct tdx_result *r)
{
	const struct tdx_td_report *b = &r->quote.body;
	struct json_object *c = json_object_new_object();
	char name[24];

	/* Trustee's names (TDX.md "Claims"); hex strings for byte fields. */
	if (r->tcb_evaluated) {
		struct json_object *ids = json_object_new_array_ext((int)r->advisory_count);

		for (size_t i = 0; i < r->advisory_count; i++)
			json_object_array_add(ids, json_object_new_string(r->advisory_ids[i]));
		add(c, "tcb_status", json_object_new_string(tdx_tcb_status_name(r->tcb_status)));
		add(c, "advisory_ids", ids);
		add(c, "tcb_date", json_object_new_string(r->tcb_date));
		add(c, "tcb_eval_num", json_object_new_int64(r->tcb_eval_num));
	}
	add(c, "fmspc", hex(r->pck.fmspc, 6));
	add(c, "mr_td", hex(b->mr_td, 48));
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "rtmr_%d", i);
		add(c, name, hex(b->rtmr[i], 48));
	}
	add(c, "mr_config_id", hex(b->mr_config_id, 48));
	add(c, "mr_owner", hex(b->mr_owner, 48));
	add(c, "mr_owner_config", hex(b->mr_owner_config, 48));
	add(c, "mr_seam", hex(b->mr_seam, 48));
	add(c, "mrsigner_seam", hex(b->mrsigner_seam, 48));
	add(c, "seam_attributes", hex(b->seam_attributes, 8));
	add(c, "td_attributes", hex(b->td_attributes, 8));
	add(c, "xfam", hex(b->xfam, 8));
	add(c, "tee_tcb_svn", hex(b->tee_tcb_svn, 16));
	add(c, "report_data", hex(b->report_data, 64));
	add(c, "debug", json_object_new_boolean((b->td_attributes[0] & TDX_TD_ATTRIBUTES_DEBUG) != 0));
	add(c, "quote_version", json_object_new_int(r->quote.version));

	/* teev's extra claims, beside them. */
	add(c, "quote_body_type", json_object_new_int(r->quote.body_type));
	if (r->quote.body_type == TDX_BODY_TYPE_TD15) {
		add(c, "tee_tcb_svn2", hex(b->tee_tcb_svn2, 16));
		add(c, "mr_servicetd", hex(b->mr_servicetd, 48));
	}
	add(c, "pce_id", hex(r->pck.pce_id, 2));
	add(c, "pck_ca", json_object_new_string(tdx_ca_type_name(r->pck.ca)));
	if (r->tcb_evaluated) {
		add(c, "platform_tcb_status",
		    json_object_new_string(tdx_tcb_status_name(r->platform_status)));
		if (r->has_module_identity) {
			add(c, "tdx_module_identity", json_object_new_string(r->module_id));
			add(c, "tdx_module_tcb_status",
			    json_object_new_string(tdx_tcb_status_name(r->module_status)));
		}
	}
	if (r->has_qe_identity) {
		add(c, "qe_tcb_status", json_object_new_string(tdx_tcb_status_name(r->qe_status)));
		add(c, "qe_tcb_eval_num", json_object_new_int64(r->qe_eval_num));
	}
	add(c, "trailing_bytes", json_object_new_int64((int64_t)r->quote.trailing));
	return c;
}
