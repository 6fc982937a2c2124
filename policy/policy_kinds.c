/* policy_kinds.c - the table of policy kinds (see policy_kinds.h). */
#include "policy/policy_kinds.h"

#include "policy/mb_policy.h"
#include "policy/runtime_policy.h"
#include "policy/snp_policy.h"
#include "policy/tpm_policy.h"

#include <string.h>

static void *compile_snp(const struct policy_compile_context *ctx, const char *document,
			 size_t len, char *err, size_t err_len)
{
	(void)ctx;
	return snp_policy_parse(document, len, err, err_len);
}

static void release_snp(void *compiled)
{
	snp_policy_free(compiled);
}

static void *compile_tpm(const struct policy_compile_context *ctx, const char *document,
			 size_t len, char *err, size_t err_len)
{
	(void)ctx;
	return tpm_policy_parse(document, len, TPM_POLICY_STORED, NULL, err, err_len);
}

static void release_tpm(void *compiled)
{
	tpm_policy_free(compiled);
}

static void *compile_runtime(const struct policy_compile_context *ctx, const char *document,
			     size_t len, char *err, size_t err_len)
{
	return runtime_policy_parse(document, len, ctx ? ctx->dsse_keys : NULL, err, err_len);
}

static void release_runtime(void *compiled)
{
	runtime_policy_free(compiled);
}

static void *compile_mb(const struct policy_compile_context *ctx, const char *document,
			size_t len, char *err, size_t err_len)
{
	(void)ctx;
	return mb_policy_parse(document, len, err, err_len);
}

static void release_mb(void *compiled)
{
	mb_policy_free(compiled);
}

static const struct keylime_shape allowlists = {"runtime_policy", true, "runtimepolicy names",
						"Runtime policy"};
static const struct keylime_shape mbpolicies = {"mb_policy", false, "mbpolicy names",
						"Measured boot policy"};

static const struct policy_kind_info kinds[] = {
	{"snp", "teepolicies", {"snp", compile_snp, release_snp}, NULL},
	{"tpm", "tpmpolicies", {"tpm", compile_tpm, release_tpm}, NULL},
	{"runtime", "allowlists", {"runtime", compile_runtime, release_runtime}, &allowlists},
	{"mb", "mbpolicies", {"mb", compile_mb, release_mb}, &mbpolicies},
};

const struct policy_kind_info *policy_kind_by_collection(const char *collection)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].collection, collection) == 0)
			return &kinds[i];
	return NULL;
}

const struct policy_kind_info *policy_kind_at(size_t i)
{
	return i < sizeof(kinds) / sizeof(kinds[0]) ? &kinds[i] : NULL;
}

const struct policy_kind_info *policy_kind_by_cli_name(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].cli_name, name) == 0)
			return &kinds[i];
	return NULL;
}

const char *policy_kind_names(void)
{
	return "snp, tpm, runtime, mb";
}
