/* config.h - teev's configuration: one struct, loaded once.
 *
 * Precedence: built-in defaults < config file ([verifier] section of an INI
 * file, Keylime's option names where Keylime has one) < TEEV_<OPTION>
 * environment variables < command-line flags. config/verifier.conf documents
 * every option with its default.
 */
#ifndef TEEV_CONFIG_H
#define TEEV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_PATH_MAX 1024

struct teev_config {
	char ip[64];
	unsigned port;
	char tls_dir[CONFIG_PATH_MAX];
	char server_key[CONFIG_PATH_MAX];
	char server_cert[CONFIG_PATH_MAX];
	char trusted_client_ca[CONFIG_PATH_MAX];
	unsigned long long max_upload_size;
	unsigned threads;
	unsigned connection_timeout;
	unsigned max_connections;
	unsigned per_ip_connection_limit;
	unsigned tls_handshake_timeout;
	unsigned long long max_body_memory;
	char evidence_client_auth[16];
	unsigned long long anonymous_max_upload_size;
	unsigned anonymous_max_requests;
	char database[CONFIG_PATH_MAX];
	char amd_root_dir[CONFIG_PATH_MAX];
	char vcek_offline_dir[CONFIG_PATH_MAX];
	unsigned vek_cache_slots;
	char policy_admins[CONFIG_PATH_MAX];
	char tee_policy[160];
	char kds_url[256];
	unsigned kds_timeout;
	unsigned kds_backoff;
	bool offline;
	bool check_crl;
	char runtime_policy_signing_keys[CONFIG_PATH_MAX];
	char ops_ip[64];
	unsigned ops_port;
	bool verification_log;
	unsigned verification_log_queue;
	unsigned verification_log_max_age_days;
	unsigned long long verification_log_max_records;
	unsigned shutdown_timeout;
	char log_format[8];
	char log_level[8];
	char measured_boot_policy_name[32];
	char measured_boot_evaluate[16];
	bool ignore_tomtou_errors;
	/* Not an option: the Keylime verifier options a config file set that
	 * teev has no use for (", "-separated), so the caller can say so. */
	char ignored_keylime_options[512];
};

void config_defaults(struct teev_config *c);

/* Reads an INI file. Unknown options, bad values and malformed lines are
 * errors naming the file and line, except the options of Keylime's own
 * verifier.conf that teev does not use (uuid, version, database_url, ...):
 * those are ignored and listed in c->ignored_keylime_options, so a Keylime
 * file can be reused. Returns 0 or -1 with err. */
int config_load_file(struct teev_config *c, const char *path, char *err, size_t err_len);

/* Applies every TEEV_<NAME> variable of the environment (e.g. TEEV_PORT). */
int config_load_env(struct teev_config *c, char *err, size_t err_len);

/* Calls fn with the name of every TEEV_* environment variable that is not
 * an option, TEEV_CONFIG, or one of the variables teev's own build and test
 * tools use (TEEV_BIN, ...): most likely a misspelt option. */
void config_each_unknown_env(void (*fn)(const char *name, void *arg), void *arg);

/* Sets one option by its config-file name. */
int config_set(struct teev_config *c, const char *name, const char *value, char *err,
	       size_t err_len);

/* A file named in the config: absolute paths stay, relative ones are taken
 * inside tls_dir (Keylime's rule for certificate options). */
void config_tls_path(const struct teev_config *c, const char *name, char *out, size_t cap);

/* Splits trusted_client_ca ("default", "a.crt, b.crt" or "['a.crt', 'b.crt']")
 * into file names; calls fn for each. Returns -1 if fn does. */
int config_each_client_ca(const struct teev_config *c,
			  int (*fn)(const char *file, void *arg), void *arg);

/* Calls fn for each item of a list option ("a, b" or "['a', 'b']"). */
int config_each_list_item(const char *list, int (*fn)(const char *item, void *arg), void *arg);

/* Prints every option as "name = value" (for `teev config` diagnostics). */
void config_print(const struct teev_config *c, void *stream);

#endif
