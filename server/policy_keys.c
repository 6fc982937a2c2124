/* policy_keys.c - the policy compile context from the configuration (see policy_keys.h). */
#include "server/policy_keys.h"

#include "policy/runtime_policy.h"
#include "server/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNING_KEYS_MAX 16

struct key_list {
	char paths[SIGNING_KEYS_MAX][CONFIG_PATH_MAX];
	const char *pointers[SIGNING_KEYS_MAX];
	size_t count;
};

static int add_path(const char *item, void *arg)
{
	struct key_list *l = arg;

	if (l->count == SIGNING_KEYS_MAX)
		return -1;
	snprintf(l->paths[l->count], sizeof(l->paths[0]), "%s", item);
	l->pointers[l->count] = l->paths[l->count];
	l->count++;
	return 0;
}

int policy_context_load(const struct teev_config *c, struct policy_compile_context *ctx,
			char *err, size_t err_len)
{
	struct key_list *list;
	int rc = -1;

	memset(ctx, 0, sizeof(*ctx));
	if (c->runtime_policy_signing_keys[0] == '\0')
		return 0;
	list = calloc(1, sizeof(*list)); /* 16 KiB of paths: not for the stack */
	if (!list) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (config_each_list_item(c->runtime_policy_signing_keys, add_path, list)) {
		snprintf(err, err_len, "runtime_policy_signing_keys names more than %d files",
			 SIGNING_KEYS_MAX);
		goto out;
	}
	ctx->dsse_keys = runtime_policy_keys_load(list->pointers, list->count, err, err_len);
	rc = ctx->dsse_keys ? 0 : -1;
out:
	free(list);
	return rc;
}

void policy_context_clear(struct policy_compile_context *ctx)
{
	runtime_policy_keys_free((struct runtime_policy_keys *)ctx->dsse_keys);
	memset(ctx, 0, sizeof(*ctx));
}
