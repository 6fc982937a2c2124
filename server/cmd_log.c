/* cmd_log.c - `teev log list [--since T] [--valid true|false] [--limit N]` and
 * `teev log show ID`: the verification log on the host (same database as
 * the server; safe while it runs). Prints JSON. */
#include "db/db.h"
#include "db/verification_log.h"
#include "server/commands.h"
#include "server/help.h"
#include "server/config.h"
#include "server/timefmt.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_usage(FILE *out)
{
	help_print(out, "log");
}

int cmd_log(int argc, char **argv)
{
	const char *database = NULL, *config_path = NULL, *id_text = NULL;
	bool show;
	struct verification_query q = {.since_ms = 0, .valid = -1, .limit = 100};
	struct teev_config config;
	struct db *db = NULL;
	struct json_object *out = NULL;
	char err[1024];
	int rc = 1;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		log_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* "list" or "show": compared once here, the rest branches on show. */
	show = strcmp(argv[1], "show") == 0;
	if (!show && strcmp(argv[1], "list") != 0) {
		log_usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			log_usage(stdout);
			return 0;
		}
		bool has_value = i + 1 < argc;
		const char *value = has_value ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--database") == 0 && has_value) {
			database = argv[++i];
		} else if (strcmp(argv[i], "--config") == 0 && has_value) {
			config_path = argv[++i];
		} else if (strcmp(argv[i], "--since") == 0 && has_value) {
			time_t t;
			if (parse_rfc3339(value, &t)) {
				fprintf(stderr, "teev log: --since \"%s\" is not an RFC 3339 time\n", value);
				return 2;
			}
			q.since_ms = (int64_t)t * 1000;
			i++;
		} else if (strcmp(argv[i], "--valid") == 0 && has_value) {
			if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
				fprintf(stderr, "teev log: --valid must be true or false\n");
				return 2;
			}
			q.valid = strcmp(value, "true") == 0;
			i++;
		} else if (strcmp(argv[i], "--limit") == 0 && has_value) {
			char *end;
			errno = 0;
			q.limit = strtoll(value, &end, 10);
			if (errno || *end || q.limit < 1) {
				fprintf(stderr, "teev log: --limit must be a positive number\n");
				return 2;
			}
			i++;
		} else if (show && !id_text && argv[i][0] != '-') {
			id_text = argv[i];
		} else {
			fprintf(stderr, "teev log: unexpected argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (show && !id_text) {
		log_usage(stderr);
		return 2;
	}
	if (load_config(&config, config_path))
		return 2;
	if (database)
		snprintf(config.database, sizeof(config.database), "%s", database);
	if (db_open(config.database, &db, err, sizeof(err))) {
		fprintf(stderr, "teev log: %s\n", err);
		return 1;
	}
	if (!show) {
		out = verification_log_query(db, &q, err, sizeof(err));
	} else {
		char *end;
		long long id = strtoll(id_text, &end, 10);
		err[0] = '\0';
		if (*end || end == id_text || id < 1)
			snprintf(err, sizeof(err), "the id must be a positive whole number, not \"%s\"",
				 id_text);
		else
			out = verification_log_get(db, id, err, sizeof(err));
		if (!out && !err[0])
			snprintf(err, sizeof(err), "no verification with id %s", id_text);
	}
	if (out) {
		printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(out);
		rc = 0;
	} else {
		fprintf(stderr, "teev log: %s\n", err);
	}
	db_close(db);
	return rc;
}
