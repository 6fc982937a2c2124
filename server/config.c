/* config.c - defaults, INI file, environment and flags (see config.h). */
#include "server/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum option_type { OPT_STRING, OPT_UINT, OPT_SIZE, OPT_BOOL };

struct option_def {
	const char *name;
	enum option_type type;
	size_t offset;
	size_t size; /* for strings: the buffer size */
	unsigned long long min, max;
};

#define STR_OPT(field) \
	{#field, OPT_STRING, offsetof(struct teev_config, field), \
	 sizeof(((struct teev_config *)0)->field), 0, 0}
#define BOOL_OPT(field) {#field, OPT_BOOL, offsetof(struct teev_config, field), sizeof(bool), 0, 1}
#define UINT_OPT(field, lo, hi) \
	{#field, OPT_UINT, offsetof(struct teev_config, field), sizeof(unsigned), lo, hi}

static const struct option_def options[] = {
	STR_OPT(ip),
	UINT_OPT(port, 0, 65535), /* 0: any free port (tests) */
	STR_OPT(tls_dir),
	STR_OPT(server_key),
	STR_OPT(server_cert),
	STR_OPT(trusted_client_ca),
	{"max_upload_size", OPT_SIZE, offsetof(struct teev_config, max_upload_size),
	 sizeof(unsigned long long), 1024, 1ull << 32},
	UINT_OPT(threads, 0, 256),
	UINT_OPT(connection_timeout, 1, 3600),
	UINT_OPT(max_connections, 1, 100000),
	UINT_OPT(per_ip_connection_limit, 0, 100000),
	UINT_OPT(tls_handshake_timeout, 0, 3600),
	{"max_body_memory", OPT_SIZE, offsetof(struct teev_config, max_body_memory),
	 sizeof(unsigned long long), 1024ull * 1024, 1ull << 40},
	STR_OPT(evidence_client_auth),
	{"anonymous_max_upload_size", OPT_SIZE,
	 offsetof(struct teev_config, anonymous_max_upload_size), sizeof(unsigned long long), 1024,
	 1ull << 32},
	UINT_OPT(anonymous_max_requests, 1, 100000),
	STR_OPT(database),
	STR_OPT(amd_root_dir),
	STR_OPT(vcek_offline_dir),
	UINT_OPT(vek_cache_slots, 8, 1u << 24),
	STR_OPT(policy_admins),
	STR_OPT(tee_policy),
	STR_OPT(kds_url),
	UINT_OPT(kds_timeout, 1, 300),
	UINT_OPT(kds_backoff, 1, 3600),
	BOOL_OPT(offline),
	BOOL_OPT(check_crl),
	STR_OPT(runtime_policy_signing_keys),
	STR_OPT(ops_ip),
	UINT_OPT(ops_port, 0, 65535),
	BOOL_OPT(verification_log),
	UINT_OPT(verification_log_queue, 1, 1000000),
	UINT_OPT(verification_log_max_age_days, 0, 36500),
	{"verification_log_max_records", OPT_SIZE, offsetof(struct teev_config, verification_log_max_records),
	 sizeof(unsigned long long), 0, 1ull << 40},
	UINT_OPT(shutdown_timeout, 0, 3600),
	STR_OPT(log_format),
	STR_OPT(log_level),
	STR_OPT(measured_boot_policy_name),
	STR_OPT(measured_boot_evaluate),
	BOOL_OPT(ignore_tomtou_errors),
};
#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

/* Options of Keylime's verifier.conf (templates 2.0 to 2.6, [verifier] and
 * the sections beside it) that teev has no use for. A Keylime file may be
 * reused: these are ignored, and the caller says which were. The options
 * both share (ip, port, tls_dir, server_key, server_cert, trusted_client_ca,
 * max_upload_size, ignore_tomtou_errors, measured_boot_*) are in options[]. */
static const char *const keylime_only_options[] = {
	"authorization_provider", "auto_migrate_db", "auto_recover_attestation_failures",
	"cert_subject_alternative_names", "challenge_lifetime", "client_cert", "client_key",
	"client_key_password", "database_pool_sz_ovfl", "database_url",
	"durable_attestation_import", "enable_agent_mtls", "enabled_revocation_notifications",
	"exponential_backoff", "extend_token_on_attestation", "max_retries", "max_workers",
	"measured_boot_imports", "mode", "num_workers", "persistent_store_encoding",
	"persistent_store_format", "persistent_store_url", "quote_interval", "registrar_ip",
	"registrar_port", "request_timeout", "require_allow_list_signatures", "retry_interval",
	"server_key_password", "session_create_rate_limit_per_agent",
	"session_create_rate_limit_per_ip", "session_create_rate_limit_window_agent",
	"session_create_rate_limit_window_ip", "session_lifetime", "severity_labels",
	"severity_policy", "shutdown_drain_timeout", "signed_attributes",
	"time_stamp_authority_certs_path", "time_stamp_authority_url",
	"transparency_log_sign_algo", "transparency_log_url", "trusted_server_ca", "uuid",
	"verification_timeout", "version", "webhook_url", "zmq_ip", "zmq_port",
};

/* TEEV_* variables that are not options: teev's own, and those of its
 * build, test and deployment-check tools. */
static const char *const non_option_env[] = {
	"TEEV_CONFIG",	     "TEEV_BIN",	 "TEEV_REAL_BIN",	"TEEV_TEST_VERBOSE",
	"TEEV_FUZZ_PRINT",   "TEEV_SNP_TESTDATA", "TEEV_DEPLOY_CACHE", "TEEV_DEPLOY_TOOLS",
	"TEEV_CONTAINER_CONF",
};

static bool listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* Notes a Keylime-only option once, in the config's list. */
static void note_ignored(struct teev_config *c, const char *name)
{
	size_t used = strlen(c->ignored_keylime_options);

	if (strstr(c->ignored_keylime_options, name))
		return;
	snprintf(c->ignored_keylime_options + used, sizeof(c->ignored_keylime_options) - used,
		 "%s%s", used ? ", " : "", name);
}

void config_defaults(struct teev_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ip, sizeof(c->ip), "127.0.0.1");
	c->port = 8881;
	snprintf(c->tls_dir, sizeof(c->tls_dir), "var/cv_ca");
	snprintf(c->server_key, sizeof(c->server_key), "default");
	snprintf(c->server_cert, sizeof(c->server_cert), "default");
	snprintf(c->trusted_client_ca, sizeof(c->trusted_client_ca), "default");
	c->max_upload_size = 32ull * 1024 * 1024;
	c->threads = 0;
	c->connection_timeout = 30;
	c->max_connections = 1024;
	c->per_ip_connection_limit = 128;
	c->tls_handshake_timeout = 10;
	c->max_body_memory = 256ull * 1024 * 1024;
	snprintf(c->evidence_client_auth, sizeof(c->evidence_client_auth), "required");
	c->anonymous_max_upload_size = 8ull * 1024 * 1024;
	c->anonymous_max_requests = 2;
	snprintf(c->database, sizeof(c->database), "var/teev.db");
	c->vek_cache_slots = 4096;
	snprintf(c->policy_admins, sizeof(c->policy_admins), "default");
	snprintf(c->tee_policy, sizeof(c->tee_policy), "default");
	snprintf(c->kds_url, sizeof(c->kds_url), "https://kdsintf.amd.com");
	c->kds_timeout = 10;
	c->kds_backoff = 10;
	c->offline = false;
	c->check_crl = false;
	snprintf(c->ops_ip, sizeof(c->ops_ip), "127.0.0.1");
	c->ops_port = 0;
	c->verification_log = true;
	c->verification_log_queue = 4096;
	c->verification_log_max_age_days = 0;
	c->verification_log_max_records = 0;
	c->shutdown_timeout = 10;
	snprintf(c->log_format, sizeof(c->log_format), "text");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	snprintf(c->measured_boot_policy_name, sizeof(c->measured_boot_policy_name), "accept-all");
	snprintf(c->measured_boot_evaluate, sizeof(c->measured_boot_evaluate), "once");
	c->ignore_tomtou_errors = false;
}

static const struct option_def *find_option(const char *name)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* Accepts a decimal number with an optional K, M or G suffix (powers of 1024). */
static int parse_number(const char *text, bool allow_suffix, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -1;
	if (allow_suffix && *end) {
		unsigned long long mult = 0;
		if (strcasecmp(end, "K") == 0 || strcasecmp(end, "KiB") == 0)
			mult = 1024ull;
		else if (strcasecmp(end, "M") == 0 || strcasecmp(end, "MiB") == 0)
			mult = 1024ull * 1024;
		else if (strcasecmp(end, "G") == 0 || strcasecmp(end, "GiB") == 0)
			mult = 1024ull * 1024 * 1024;
		if (!mult || v > ~0ull / mult)
			return -1;
		v *= mult;
		end += strlen(end);
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int config_set(struct teev_config *c, const char *name, const char *value, char *err,
	       size_t err_len)
{
	const struct option_def *opt = find_option(name);
	char *field;
	unsigned long long v;

	if (!opt) {
		snprintf(err, err_len, "unknown option \"%s\"", name);
		return -1;
	}
	field = (char *)c + opt->offset;
	if (opt->type == OPT_STRING) {
		if (strlen(value) >= opt->size) {
			snprintf(err, err_len, "option %s: value longer than %zu characters", name,
				 opt->size - 1);
			return -1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	}
	if (opt->type == OPT_BOOL) {
		bool yes = strcasecmp(value, "true") == 0 || strcasecmp(value, "yes") == 0 ||
			   strcmp(value, "1") == 0 || strcasecmp(value, "on") == 0;
		bool no = strcasecmp(value, "false") == 0 || strcasecmp(value, "no") == 0 ||
			  strcmp(value, "0") == 0 || strcasecmp(value, "off") == 0;
		if (!yes && !no) {
			snprintf(err, err_len, "option %s: \"%s\" is not true or false", name, value);
			return -1;
		}
		*(bool *)(void *)field = yes;
		return 0;
	}
	if (parse_number(value, opt->type == OPT_SIZE, &v) || v < opt->min || v > opt->max) {
		snprintf(err, err_len, "option %s: \"%s\" is not a number in %llu..%llu%s", name,
			 value, opt->min, opt->max,
			 opt->type == OPT_SIZE ? " (suffix K, M or G allowed)" : "");
		return -1;
	}
	if (opt->type == OPT_UINT)
		*(unsigned *)(void *)field = (unsigned)v;
	else
		*(unsigned long long *)(void *)field = v;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_load_file(struct teev_config *c, const char *path, char *err, size_t err_len)
{
	FILE *fp = fopen(path, "r");
	char line[4096];
	char section[64] = "";
	unsigned lineno = 0;
	int rc = 0;

	if (!fp) {
		snprintf(err, err_len, "cannot open config file %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *text, *eq, *name, *value;
		char why[512];

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(err, err_len, "%s:%u: line longer than %zu characters", path,
				 lineno, sizeof(line) - 2);
			rc = -1;
			break;
		}
		text = trim(line);
		if (text[0] == '\0' || text[0] == '#' || text[0] == ';')
			continue;
		if (text[0] == '[') {
			char *close = strchr(text, ']');
			if (!close || close[1] != '\0' || (size_t)(close - text) >= sizeof(section)) {
				snprintf(err, err_len, "%s:%u: malformed section header", path, lineno);
				rc = -1;
				break;
			}
			*close = '\0';
			snprintf(section, sizeof(section), "%s", trim(text + 1));
			continue;
		}
		eq = strchr(text, '=');
		if (!eq) {
			snprintf(err, err_len, "%s:%u: expected \"name = value\"", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		name = trim(text);
		value = trim(eq + 1);
		/* Keylime's files have other components' sections; only ours counts. */
		if (strcmp(section, "verifier") != 0)
			continue;
		if (!find_option(name) &&
		    listed(name, keylime_only_options,
			   sizeof(keylime_only_options) / sizeof(keylime_only_options[0]))) {
			note_ignored(c, name);
			continue;
		}
		if (config_set(c, name, value, why, sizeof(why))) {
			snprintf(err, err_len, "%s:%u: %s", path, lineno, why);
			rc = -1;
			break;
		}
	}
	fclose(fp);
	return rc;
}

int config_load_env(struct teev_config *c, char *err, size_t err_len)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		char var[96] = "TEEV_";
		const char *value;
		char why[512];
		size_t n = strlen(var);

		for (const char *p = options[i].name; *p && n + 1 < sizeof(var); p++)
			var[n++] = (char)toupper((unsigned char)*p);
		var[n] = '\0';
		value = getenv(var);
		if (!value)
			continue;
		if (config_set(c, options[i].name, value, why, sizeof(why))) {
			snprintf(err, err_len, "environment %s: %s", var, why);
			return -1;
		}
	}
	return 0;
}

void config_each_unknown_env(void (*fn)(const char *name, void *arg), void *arg)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++) {
		char name[96], option[96];
		size_t len = strcspn(*e, "=");

		if (strncmp(*e, "TEEV_", 5) != 0 || len >= sizeof(name))
			continue;
		memcpy(name, *e, len);
		name[len] = '\0';
		for (size_t i = 5; i <= len; i++)
			option[i - 5] = (char)tolower((unsigned char)name[i]);
		if (find_option(option) ||
		    listed(name, non_option_env, sizeof(non_option_env) / sizeof(non_option_env[0])))
			continue;
		fn(name, arg);
	}
}

void config_tls_path(const struct teev_config *c, const char *name, char *out, size_t cap)
{
	if (name[0] == '/')
		snprintf(out, cap, "%s", name);
	else
		snprintf(out, cap, "%s/%s", c->tls_dir, name);
}

int config_each_list_item(const char *list, int (*fn)(const char *item, void *arg), void *arg)
{
	char copy[CONFIG_PATH_MAX];
	char *cursor, *item;

	snprintf(copy, sizeof(copy), "%s", list);
	/* Keylime writes Python lists: ['a.crt', "b.crt"]. */
	for (char *p = copy; *p; p++)
		if (*p == '[' || *p == ']' || *p == '\'' || *p == '"')
			*p = ' ';
	cursor = copy;
	while ((item = strsep(&cursor, ",")) != NULL) {
		item = trim(item);
		if (*item && fn(item, arg))
			return -1;
	}
	return 0;
}

int config_each_client_ca(const struct teev_config *c,
			  int (*fn)(const char *file, void *arg), void *arg)
{
	if (strcmp(c->trusted_client_ca, "default") == 0)
		return fn("cacert.crt", arg);
	return config_each_list_item(c->trusted_client_ca, fn, arg);
}

void config_print(const struct teev_config *c, void *stream)
{
	FILE *out = stream;

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const char *field = (const char *)c + options[i].offset;
		if (options[i].type == OPT_STRING)
			fprintf(out, "%s = %s\n", options[i].name, field);
		else if (options[i].type == OPT_BOOL)
			fprintf(out, "%s = %s\n", options[i].name,
				*(const bool *)(const void *)field ? "true" : "false");
		else if (options[i].type == OPT_UINT)
			fprintf(out, "%s = %u\n", options[i].name, *(const unsigned *)(const void *)field);
		else
			fprintf(out, "%s = %llu\n", options[i].name,
				*(const unsigned long long *)(const void *)field);
	}
}
