/* policy_kinds.c - the table of policy kinds (see policy_kinds.h). */
#include "policy/policy_kinds.h"

#include "policy/snp_policy.h"
#include "policy/tpm_policy.h"

#include <string.h>

static void *compile_snp(const char *document, size_t len, char *err, size_t err_len)
{
	return snp_policy_parse(document, len, err, err_len);
}

static void release_snp(void *compiled)
{
	snp_policy_free(compiled);
}

static void *compile_tpm(const char *document, size_t len, char *err, size_t err_len)
{
	return tpm_policy_parse(document, len, err, err_len);
}

static void release_tpm(void *compiled)
{
	tpm_policy_free(compiled);
}

static const struct policy_kind_info kinds[] = {
	{"snp", "teepolicies", {"snp", compile_snp, release_snp}},
	{"tpm", "tpmpolicies", {"tpm", compile_tpm, release_tpm}},
};

const struct policy_kind_info *policy_kind_by_collection(const char *collection)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].collection, collection) == 0)
			return &kinds[i];
	return NULL;
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
	return "snp, tpm";
}
