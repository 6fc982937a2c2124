/* tdx_tcb.c - TDX module identity, QE identity and TCB level matching (see tdx_tcb.h). */
#include "verifier/tdx_tcb.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <stdio.h>
#include <string.h>

static const struct tdx_module_identity *find_module(const struct tdx_tcb_info *ti, uint8_t version)
{
	char id[16];

	snprintf(id, sizeof(id), "TDX_%02X", version);
	for (size_t i = 0; i < ti->module_count; i++)
		if (strcmp(ti->modules[i].id, id) == 0)
			return &ti->modules[i];
	return NULL;
}

static bool masked_equal(const uint8_t *value, const uint8_t *mask, const uint8_t *want, size_t n)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)((value[i] & mask[i]) ^ want[i]);
	return diff == 0;
}

const struct tdx_module_identity *tdx_tcb_check_module(const struct tdx_tcb_info *ti,
						       const struct tdx_td_report *body,
						       struct failures *f)
{
	const struct tdx_module_identity *m = &ti->module;
	char want[97], have[97];
	const char *name = "tdxModule";

	if (body->tee_tcb_svn[1] > 0) {
		m = find_module(ti, body->tee_tcb_svn[1]);
		if (!m) {
			failures_add(f, "tee_attestation.tdx_module",
				     "TEE_TCB_SVN[1] = %u names TDX module identity TDX_%02X, which the TCB info does not list",
				     body->tee_tcb_svn[1], body->tee_tcb_svn[1]);
			return NULL;
		}
		name = m->id;
	}
	if (memcmp(body->mrsigner_seam, m->mrsigner, 48) != 0) {
		bytes_to_hex(m->mrsigner, 48, want);
		bytes_to_hex(body->mrsigner_seam, 48, have);
		failures_add(f, "tee_attestation.tdx_module",
			     "MRSIGNERSEAM %s is not the signer of TDX module %s in the TCB info, %s", have,
			     name, want);
		return NULL;
	}
	if (!masked_equal(body->seam_attributes, m->attributes_mask, m->attributes, 8)) {
		char mask[17];
		bytes_to_hex(m->attributes, 8, want);
		bytes_to_hex(m->attributes_mask, 8, mask);
		bytes_to_hex(body->seam_attributes, 8, have);
		failures_add(f, "tee_attestation.tdx_module",
			     "SEAMATTRIBUTES %s under the mask %s of TDX module %s are not %s", have,
			     mask, name, want);
		return NULL;
	}
	return m;
}

static const struct tdx_isv_level *isv_level(const struct tdx_isv_level *levels, size_t n,
					     uint16_t svn)
{
	for (size_t i = 0; i < n; i++)
		if (levels[i].isvsvn <= svn)
			return &levels[i];
	return NULL;
}

const struct tdx_isv_level *tdx_tcb_check_qe(const struct tdx_qe_identity *qi,
					     const struct tdx_qe_report *qe, struct failures *f)
{
	char want[65], have[65], mask[65];
	const struct tdx_isv_level *level;

	if (!masked_equal(qe->miscselect, qi->miscselect_mask, qi->miscselect, 4)) {
		bytes_to_hex(qi->miscselect, 4, want);
		bytes_to_hex(qi->miscselect_mask, 4, mask);
		bytes_to_hex(qe->miscselect, 4, have);
		failures_add(f, "tee_attestation.qe_identity",
			     "QE report MISCSELECT %s under the mask %s is not the QE identity's %s", have,
			     mask, want);
		return NULL;
	}
	if (!masked_equal(qe->attributes, qi->attributes_mask, qi->attributes, 16)) {
		bytes_to_hex(qi->attributes, 16, want);
		bytes_to_hex(qi->attributes_mask, 16, mask);
		bytes_to_hex(qe->attributes, 16, have);
		failures_add(f, "tee_attestation.qe_identity",
			     "QE report ATTRIBUTES %s under the mask %s are not the QE identity's %s",
			     have, mask, want);
		return NULL;
	}
	if (memcmp(qe->mr_signer, qi->mrsigner, 32) != 0) {
		bytes_to_hex(qi->mrsigner, 32, want);
		bytes_to_hex(qe->mr_signer, 32, have);
		failures_add(f, "tee_attestation.qe_identity",
			     "QE report MRSIGNER %s is not the QE identity's %s", have, want);
		return NULL;
	}
	if (qe->isv_prod_id != qi->isvprodid) {
		failures_add(f, "tee_attestation.qe_identity",
			     "QE report ISVPRODID %u is not the QE identity's %u", qe->isv_prod_id,
			     qi->isvprodid);
		return NULL;
	}
	level = isv_level(qi->levels, qi->level_count, qe->isv_svn);
	if (!level) {
		failures_add(f, "tee_attestation.qe_identity",
			     "QE report ISVSVN %u is below every level of the QE identity (lowest %u)",
			     qe->isv_svn, qi->levels[qi->level_count - 1].isvsvn);
		return NULL;
	}
	return level;
}

static bool sgx_reached(const struct tdx_pck_info *pck, const struct tdx_tcb_level *l)
{
	for (size_t i = 0; i < 16; i++)
		if (pck->sgx_svn[i] < l->sgx_svn[i])
			return false;
	return pck->pcesvn >= l->pcesvn;
}

/* TEE_TCB_SVN[0] and [1] are the module's SVN and version, judged by the
 * module identity instead when a version is given. */
static bool tdx_reached(const uint8_t svn[16], const struct tdx_tcb_level *l)
{
	for (size_t i = svn[1] > 0 ? 2 : 0; i < 16; i++)
		if (svn[i] < l->tdx_svn[i])
			return false;
	return true;
}

static bool configuration_needed(enum tdx_tcb_status s)
{
	return s == TDX_TCB_CONFIGURATION_NEEDED ||
	       s == TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
	       s == TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED ||
	       s == TDX_TCB_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
}

/* A component (module or QE) at OutOfDate or Revoked pulls the status down. */
static enum tdx_tcb_status converge(enum tdx_tcb_status status, enum tdx_tcb_status component)
{
	if (component == TDX_TCB_REVOKED || status == TDX_TCB_REVOKED)
		return TDX_TCB_REVOKED;
	if (component != TDX_TCB_OUT_OF_DATE)
		return status;
	if (status == TDX_TCB_UP_TO_DATE || status == TDX_TCB_SW_HARDENING_NEEDED)
		return TDX_TCB_OUT_OF_DATE;
	if (status == TDX_TCB_CONFIGURATION_NEEDED ||
	    status == TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
		return TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	return status;
}

static void svn_list(const uint8_t *svn, size_t n, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++) {
		int w = snprintf(out + used, cap - used, "%s%u", i ? "," : "", svn[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* TDX 1.5: a TD running on a module that has since been updated in place
 * reports the update in TEE_TCB_SVN2; when that reaches the latest level,
 * relaunching the TD would bring it up to date. Returns 1 when so, 0 when
 * not, -1 with a failure when SVN2 names a module the TCB info lacks. */
static int relaunch_advised(const struct tdx_tcb_info *ti, const struct tdx_td_report *body,
			    const struct tdx_tcb_outcome *o, enum tdx_tcb_status module_status,
			    struct failures *f)
{
	const uint8_t *svn2 = body->tee_tcb_svn2;
	const struct tdx_tcb_level *latest = &ti->levels[0];
	enum tdx_tcb_status sgx = o->sgx_level->status;
	unsigned need_module_svn;

	if (o->qe_level && (o->qe_level->status == TDX_TCB_OUT_OF_DATE ||
			    o->qe_level->status == TDX_TCB_REVOKED))
		return 0;
	if (sgx != TDX_TCB_UP_TO_DATE && sgx != TDX_TCB_SW_HARDENING_NEEDED &&
	    sgx != TDX_TCB_CONFIGURATION_NEEDED &&
	    sgx != TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
		return 0;
	if (o->status != TDX_TCB_OUT_OF_DATE &&
	    o->status != TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)
		return 0;
	if (module_status != TDX_TCB_OUT_OF_DATE)
		return 0;
	if (svn2[1] == 0) {
		need_module_svn = latest->tdx_svn[0];
	} else {
		const struct tdx_module_identity *m2 = find_module(ti, svn2[1]);
		if (!m2 || m2->level_count == 0) {
			failures_add(f, "tee_attestation.tdx_module",
				     "TEE_TCB_SVN2[1] = %u names TDX module identity TDX_%02X, which the TCB info does not list (with levels)",
				     svn2[1], svn2[1]);
			return -1;
		}
		need_module_svn = m2->levels[0].isvsvn;
	}
	return svn2[0] >= need_module_svn && svn2[2] >= latest->tdx_svn[2];
}

static void add_advisories(struct tdx_tcb_outcome *o, const struct tdx_advisories *a)
{
	for (size_t i = 0; i < a->count; i++) {
		bool seen = false;

		for (size_t k = 0; k < o->advisory_count && !seen; k++)
			seen = strcmp(o->advisory_ids[k], a->ids[i]) == 0;
		if (!seen && o->advisory_count < TDX_MAX_RESULT_ADVISORIES)
			o->advisory_ids[o->advisory_count++] = a->ids[i];
	}
}

int tdx_tcb_evaluate(const struct tdx_tcb_info *ti, const struct tdx_pck_info *pck,
		     const struct tdx_quote *quote, const struct tdx_isv_level *qe_level,
		     struct tdx_tcb_outcome *out, struct failures *f)
{
	const struct tdx_td_report *body = &quote->body;
	enum tdx_tcb_status module_status = TDX_TCB_UP_TO_DATE;
	char sgx[64], tee[64];

	memset(out, 0, sizeof(*out));
	out->qe_level = qe_level;
	for (size_t i = 0; i < ti->level_count && !out->level; i++) {
		const struct tdx_tcb_level *l = &ti->levels[i];

		if (!sgx_reached(pck, l))
			continue;
		if (!out->sgx_level)
			out->sgx_level = l;
		if (tdx_reached(body->tee_tcb_svn, l))
			out->level = l;
	}
	if (!out->level) {
		svn_list(pck->sgx_svn, 16, sgx, sizeof(sgx));
		svn_list(body->tee_tcb_svn, 16, tee, sizeof(tee));
		failures_add(f, "tee_attestation.tcb_status",
			     "TCB level not supported: PCK SGX SVNs [%s] with PCESVN %u and TEE_TCB_SVN [%s] are below every one of the %zu TCB levels for FMSPC %02x%02x%02x%02x%02x%02x",
			     sgx, pck->pcesvn, tee, ti->level_count, ti->fmspc[0], ti->fmspc[1],
			     ti->fmspc[2], ti->fmspc[3], ti->fmspc[4], ti->fmspc[5]);
		return -1;
	}
	if (body->tee_tcb_svn[1] > 0) {
		out->module = find_module(ti, body->tee_tcb_svn[1]);
		if (!out->module) {
			failures_add(f, "tee_attestation.tdx_module",
				     "TEE_TCB_SVN[1] = %u names TDX module identity TDX_%02X, which the TCB info does not list",
				     body->tee_tcb_svn[1], body->tee_tcb_svn[1]);
			return -1;
		}
		out->module_level = isv_level(out->module->levels, out->module->level_count,
					      body->tee_tcb_svn[0]);
		if (!out->module_level) {
			failures_add(f, "tee_attestation.tcb_status",
				     "TCB level not supported: TDX module %s SVN %u (TEE_TCB_SVN[0]) is below every level of its module identity",
				     out->module->id, body->tee_tcb_svn[0]);
			return -1;
		}
		module_status = out->module_level->status;
	}
	out->status = converge(out->level->status, module_status);
	if (quote->body_type == TDX_BODY_TYPE_TD15) {
		int relaunch = relaunch_advised(ti, body, out, module_status, f);
		if (relaunch < 0)
			return -1;
		if (relaunch) {
			out->relaunch_advised = true;
			out->status = configuration_needed(out->sgx_level->status) ||
						      configuration_needed(out->status)
					      ? TDX_TCB_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
					      : TDX_TCB_RELAUNCH_ADVISED;
		}
	}
	if (qe_level)
		out->status = converge(out->status, qe_level->status);
	add_advisories(out, &out->level->advisories);
	if (out->module_level)
		add_advisories(out, &out->module_level->advisories);
	if (qe_level)
		add_advisories(out, &qe_level->advisories);
	if (out->status == TDX_TCB_REVOKED) {
		failures_add(f, "tee_attestation.tcb_status",
			     "TCB status is Revoked (platform level %s, TDX module %s, QE %s)",
			     tdx_tcb_status_name(out->level->status),
			     out->module_level ? tdx_tcb_status_name(out->module_level->status) : "-",
			     qe_level ? tdx_tcb_status_name(qe_level->status) : "-");
		return -1;
	}
	return 0;
}
