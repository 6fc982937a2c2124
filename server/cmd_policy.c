/* cmd_policy.c - `teev policy list|show|add|replace|delete|validate --kind K
 * [NAME] [FILE]`: stored policies on the host, through the same store and
 * the same validation as the REST API. Safe while the server runs (SQLite
 * WAL; the server notices the change on its next request). */
#include "db/db.h"
#include "db/policy_store.h"
#include "policy/policy_kinds.h"
#include "server/commands.h"
#include "server/help.h"
#include "server/config.h"
#include "server/policy_keys.h"
#include "verifier/bytes.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLICY_FILE_MAX ((size_t)64 * 1024 * 1024)

enum policy_action {
	ACTION_LIST,
	ACTION_SHOW,
	ACTION_DELETE,
	ACTION_VALIDATE,
	ACTION_ADD,
	ACTION_REPLACE,
	ACTION_UNKNOWN
};

/* How many of NAME and FILE each action takes. */
static const size_t positional_count[ACTION_UNKNOWN] = {
	[ACTION_LIST] = 0,     [ACTION_SHOW] = 1, [ACTION_DELETE] = 1,
	[ACTION_VALIDATE] = 1, [ACTION_ADD] = 2,  [ACTION_REPLACE] = 2,
};

/* The word is compared here once, so every later branch sees the same action. */
static enum policy_action action_by_word(const char *word)
{
	if (strcmp(word, "list") == 0)
		return ACTION_LIST;
	if (strcmp(word, "show") == 0)
		return ACTION_SHOW;
	if (strcmp(word, "delete") == 0)
		return ACTION_DELETE;
	if (strcmp(word, "validate") == 0)
		return ACTION_VALIDATE;
	if (strcmp(word, "add") == 0)
		return ACTION_ADD;
	if (strcmp(word, "replace") == 0)
		return ACTION_REPLACE;
	return ACTION_UNKNOWN;
}

static void policy_usage(FILE *out)
{
	help_print(out, "policy");
}

static char *read_document(const char *path, size_t *len)
{
	char err[512];
	char *text;

	if (strcmp(path, "-") == 0) {
		size_t cap = 65536, n = 0;
		text = malloc(cap);
		while (text) {
			size_t got = fread(text + n, 1, cap - n - 1, stdin);
			n += got;
			if (got == 0)
				break;
			if (n + 1 == cap) {
				char *grown = cap >= POLICY_FILE_MAX ? NULL : realloc(text, cap * 2);
				if (!grown) {
					free(text);
					fprintf(stderr, "teev policy: standard input is too large\n");
					return NULL;
				}
				text = grown;
				cap *= 2;
			}
		}
		if (text) {
			text[n] = '\0';
			*len = n;
		}
		return text;
	}
	text = (char *)bytes_read_file(path, POLICY_FILE_MAX, len, err, sizeof(err));
	if (!text)
		fprintf(stderr, "teev policy: %s\n", err);
	return text;
}

/* Compiles a document the way the server will; returns its canonical form. */
static char *validated(const struct policy_compile_context *ctx, const struct policy_kind_info *kind,
		       const char *path)
{
	size_t len = 0;
	char *text = read_document(path, &len);
	char err[512];
	struct json_object *doc;
	char *canonical = NULL;
	void *compiled;

	if (!text)
		return NULL;
	compiled = kind->ops.compile(ctx, text, len, err, sizeof(err));
	if (!compiled) {
		fprintf(stderr, "teev policy: %s: invalid %s policy: %s\n", path, kind->cli_name, err);
		goto out;
	}
	kind->ops.release(compiled);
	doc = json_tokener_parse(text);
	canonical = doc ? strdup(json_object_to_json_string_ext(
				  doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
			: NULL;
	json_object_put(doc);
out:
	free(text);
	return canonical;
}

static void print_summary(const struct stored_policy *p, const char *verb)
{
	printf("%s %s policy \"%s\" version %lld\n", verb, p->kind, p->name, (long long)p->version);
}

static int run(struct db *db, const struct policy_compile_context *ctx,
	       const struct policy_kind_info *kind, enum policy_action action,
	       const char *name, const char *file)
{
	struct stored_policy p;
	char err[512];
	enum store_result rc;
	char *doc = NULL;
	int status = 1;

	if (action == ACTION_LIST) {
		struct stored_policy *items = NULL;
		int n = policy_store_list(db, kind->ops.kind, &items, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "teev policy: %s\n", err);
			return 1;
		}
		for (int i = 0; i < n; i++)
			printf("%s\tversion %lld\n", items[i].name, (long long)items[i].version);
		free(items);
		return 0;
	}
	if (action == ACTION_SHOW) {
		rc = policy_store_get(db, kind->ops.kind, name, &p, err, sizeof(err));
		if (rc == STORE_OK) {
			struct json_object *o = json_tokener_parse(p.document);
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
									     JSON_C_TO_STRING_SPACED |
									     JSON_C_TO_STRING_NOSLASHESCAPE));
			fprintf(stderr, "%s policy \"%s\" version %lld\n", p.kind, p.name,
				(long long)p.version);
			json_object_put(o);
			stored_policy_clear(&p);
			return 0;
		}
	} else if (action == ACTION_DELETE) {
		rc = policy_store_delete(db, kind->ops.kind, name, err, sizeof(err));
		if (rc == STORE_OK) {
			printf("deleted %s policy \"%s\"\n", kind->ops.kind, name);
			return 0;
		}
	} else {
		bool create = action == ACTION_ADD;
		doc = validated(ctx, kind, file);
		if (!doc)
			return 1;
		rc = create ? policy_store_create(db, kind->ops.kind, name, doc, &p, err, sizeof(err))
			    : policy_store_replace(db, kind->ops.kind, name, doc, &p, err, sizeof(err));
		if (rc == STORE_OK) {
			print_summary(&p, create ? "stored" : "replaced");
			stored_policy_clear(&p);
			status = 0;
			goto out;
		}
	}
	if (rc == STORE_NOT_FOUND)
		fprintf(stderr, "teev policy: no %s policy named \"%s\"\n", kind->cli_name, name);
	else if (rc == STORE_EXISTS)
		fprintf(stderr, "teev policy: a %s policy named \"%s\" already exists (use replace)\n",
			kind->cli_name, name);
	else
		fprintf(stderr, "teev policy: %s\n", err);
out:
	free(doc);
	return status;
}

int cmd_policy(int argc, char **argv)
{
	const char *kind_name = NULL, *database = NULL, *config_path = NULL;
	enum policy_action action;
	const char *positional[2] = {NULL, NULL};
	size_t n_positional = 0;
	const struct policy_kind_info *kind;
	struct teev_config config;
	struct db *db = NULL;
	struct policy_compile_context ctx;
	char err[1024];
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		policy_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	action = action_by_word(argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			policy_usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
			kind_name = argv[++i];
		else if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			database = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && n_positional < 2)
			positional[n_positional++] = argv[i];
		else {
			fprintf(stderr, "teev policy: unexpected argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (!kind_name) {
		fprintf(stderr, "teev policy: --kind is required (%s)\n", policy_kind_names());
		return 2;
	}
	kind = policy_kind_by_cli_name(kind_name);
	if (!kind) {
		fprintf(stderr, "teev policy: unknown kind \"%s\" (known: %s)\n", kind_name,
			policy_kind_names());
		return 2;
	}
	if (action == ACTION_UNKNOWN || n_positional != positional_count[action]) {
		policy_usage(stderr);
		return 2;
	}
	if (action != ACTION_VALIDATE && !policy_name_valid(positional[0] ? positional[0] : "x")) {
		fprintf(stderr,
			"teev policy: name \"%s\" is invalid: use 1..128 of A-Z a-z 0-9 . _ - (not starting with '.')\n",
			positional[0]);
		return 2;
	}
	if (load_config(&config, config_path))
		return 2;
	if (policy_context_load(&config, &ctx, err, sizeof(err))) {
		fprintf(stderr, "teev policy: runtime_policy_signing_keys: %s\n", err);
		return 2;
	}
	if (action == ACTION_VALIDATE) {
		char *doc = validated(&ctx, kind, positional[0]);
		rc = doc ? 0 : 1;
		if (doc)
			printf("%s: valid %s policy\n", positional[0], kind->cli_name);
		free(doc);
		policy_context_clear(&ctx);
		return rc;
	}
	if (database)
		snprintf(config.database, sizeof(config.database), "%s", database);
	if (db_open(config.database, &db, err, sizeof(err))) {
		fprintf(stderr, "teev policy: %s\n", err);
		policy_context_clear(&ctx);
		return 1;
	}
	rc = run(db, &ctx, kind, action, positional[0], positional[1]);
	db_close(db);
	policy_context_clear(&ctx);
	return rc;
}
