/* cmd_serve.c - `teev serve`: load configuration, trust anchors and the
 * database, start the mTLS listener, and stop cleanly on SIGINT/SIGTERM. */
#include "db/db.h"
#include "db/policy_store.h"
#include "policy/policy_cache.h"
#include "policy/policy_kinds.h"
#include "policy/runtime_policy.h"
#include "server/app.h"
#include "server/cert_store_db.h"
#include "server/commands.h"
#include "server/help.h"
#include "server/config.h"
#include "db/verification_log.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/ops.h"
#include "server/policy_keys.h"
#include "server/tpm_evidence.h"
#include "server/log.h"
#include "verifier/kds.h"
#include "verifier/snp_verify.h"

#include <curl/curl.h>

#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void warn_unknown_env(const char *name, void *arg)
{
	(void)arg;
	fprintf(stderr,
		"teev: warning: environment variable %s is not a teev option (TEEV_<OPTION> for "
		"the options of config/verifier.conf, e.g. TEEV_PORT); ignored\n",
		name);
}

int load_config(struct teev_config *c, const char *explicit_path)
{
	char err[1024];
	const char *path = explicit_path ? explicit_path : getenv("TEEV_CONFIG");

	config_defaults(c);
	if (path && path[0] && config_load_file(c, path, err, sizeof(err))) {
		fprintf(stderr, "teev: %s\n", err);
		return -1;
	}
	if (c->ignored_keylime_options[0])
		fprintf(stderr, "teev: note: %s: Keylime verifier options that teev does not use "
				"were ignored: %s\n",
			path, c->ignored_keylime_options);
	config_each_unknown_env(warn_unknown_env, NULL);
	if (config_load_env(c, err, sizeof(err))) {
		fprintf(stderr, "teev: %s\n", err);
		return -1;
	}
	return 0;
}

static void serve_usage(FILE *out)
{
	help_print(out, "serve");
}

/* Says what to do when the TLS folder is missing instead of a bare ENOENT. */
static int check_tls_dir(const struct teev_config *c)
{
	struct stat st;

	if (stat(c->tls_dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "teev: tls_dir %s does not exist; create a development CA with\n"
			"      build/teev certs init %s\n",
		c->tls_dir, c->tls_dir);
	return -1;
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigwait(&set, &sig);
	return sig;
}

/* SIGHUP: the TLS files and policy_admins are read again by a new daemon
 * that takes over the listening socket; the old one finishes what it has.
 * A failure keeps the old one (and says why). */
static struct http_server *reload_tls(struct http_server *old, unsigned shutdown_ms)
{
	char err[1024];
	struct http_server *fresh = http_server_reload(old, err, sizeof(err));

	if (!fresh) {
		log_error("SIGHUP: keeping the old TLS certificates and policy_admins: %s", err);
		return old;
	}
	http_server_quiesce(old, shutdown_ms);
	http_server_stop(old);
	log_info("SIGHUP: TLS certificates reloaded, and policy_admins (%zu certificate(s))",
		 http_server_admin_count(fresh));
	return fresh;
}

/* A KBS request names no policy: without the configured default stored,
 * every such SNP verdict is tee_attestation.policy.missing. Said once at
 * start rather than discovered per request. */
static void warn_missing_default_policy(struct policy_cache *policies, const char *name)
{
	const struct policy_kind_info *kind = policy_kind_by_cli_name("snp");
	struct policy_ref ref;
	char err[512];

	switch (policy_cache_get(policies, &kind->ops, name, &ref, err, sizeof(err))) {
	case POLICY_FOUND:
		log_info("default SNP policy \"%s\" (tee_policy), version %lld", name,
			 (long long)ref.version);
		policy_ref_release(policies, &ref);
		return;
	case POLICY_MISSING:
		log_warn("no SNP policy named \"%s\" (tee_policy) is stored: every SNP request "
			 "that names no \"tee-policy\" will be judged valid: false "
			 "(tee_attestation.policy.missing) until one is. Store one with `teev policy "
			 "add --kind snp %s FILE` or POST /v2.5/teepolicies/%s",
			 name, name, name);
		return;
	case POLICY_BROKEN:
		/* Its reason is in the warning about invalid stored policies. */
		log_warn("the default SNP policy \"%s\" (tee_policy) is invalid: every SNP request "
			 "that names no \"tee-policy\" fails (tee_attestation.policy.invalid) until "
			 "it is replaced",
			 name);
		return;
	case POLICY_DB_ERROR:
		log_warn("cannot read the default SNP policy \"%s\" (tee_policy): %s", name, err);
		return;
	}
}

/* One stored policy: a warning when it no longer compiles. Returns whether
 * it was looked at (false on a storage error, already said). */
static bool check_stored_policy(struct db *db, const struct policy_compile_context *ctx,
				const struct policy_kind_info *kind, const char *name)
{
	struct stored_policy stored;
	char err[512];
	void *compiled;

	switch (policy_store_get(db, kind->ops.kind, name, &stored, err, sizeof(err))) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND: /* deleted since the listing */
		return true;
	default:
		log_warn("cannot read the stored %s policy \"%s\": %s", kind->cli_name, name, err);
		return false;
	}
	compiled = kind->ops.compile(ctx, stored.document, strlen(stored.document), err,
				     sizeof(err));
	if (compiled) {
		const struct runtime_policy_info *info =
			strcmp(kind->ops.kind, "runtime") == 0 ? runtime_policy_info(compiled) : NULL;

		/* Valid, as upstream takes such a list, but likely not what was meant. */
		if (info && info->excludes_ignored)
			log_warn("stored runtime policy \"%s\" (version %lld): its \"excludes\" do not "
				 "compile and are ignored, as upstream ignores them: %s",
				 name, (long long)stored.version, info->excludes_error);
		kind->ops.release(compiled);
	} else {
		log_warn("stored %s policy \"%s\" (version %lld) is invalid: %s. Every request that "
			 "names it fails until it is replaced (`teev policy replace --kind %s %s "
			 "FILE` or PUT /v2.5/%s/%s) or deleted",
			 kind->cli_name, name, (long long)stored.version, err, kind->cli_name, name,
			 kind->collection, name);
	}
	stored_policy_clear(&stored);
	return true;
}

/* Policies are validated when they are written, and teev's checks grow
 * stricter between versions (PCR 10 pins, the runtime-policy keys Keylime's
 * schema requires, PCR policy shapes): a policy stored by an older teev may
 * no longer compile. Each one is named once at start, with the reason,
 * rather than only in the verdicts of the requests that name it. */
static void warn_invalid_stored_policies(struct db *db, const struct policy_compile_context *ctx)
{
	const struct policy_kind_info *kind;

	for (size_t k = 0; (kind = policy_kind_at(k)) != NULL; k++) {
		struct stored_policy *list = NULL;
		char err[512];
		int n = policy_store_list(db, kind->ops.kind, &list, err, sizeof(err));

		if (n < 0) {
			log_warn("cannot list the stored %s policies: %s", kind->cli_name, err);
			continue;
		}
		for (int i = 0; i < n; i++)
			if (!check_stored_policy(db, ctx, kind, list[i].name))
				break;
		free(list);
	}
}

/* The verification log's writer thread tells of storage trouble here. */
static void report_log_trouble(void *context, const char *message)
{
	(void)context;
	log_warn("%s", message);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"config", required_argument, NULL, 'c'},
		{"ip", required_argument, NULL, 'i'},
		{"port", required_argument, NULL, 'p'},
		{"tls-dir", required_argument, NULL, 't'},
		{"database", required_argument, NULL, 'd'},
		{"amd-root-dir", required_argument, NULL, 'a'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* Flag values are applied after the file and environment, by name. */
	const char *overrides[6][2] = {{0}};
	size_t n_overrides = 0;
	const char *config_path = NULL;
	struct teev_config config;
	struct snp_verifier snp;
	struct db *db = NULL;
	struct policy_cache *policies = NULL;
	struct kds_client *kds = NULL;
	struct cert_store store;
	struct policy_compile_context policy_ctx = {0};
	struct tpm_context tpm = {0};
	struct http_server *server = NULL;
	struct ops_server *ops = NULL;
	struct metrics *metrics = NULL;
	struct verification_log *vlog = NULL;
	struct app app = {0};
	char err[1024];
	sigset_t set;
	int opt;
	int rc = 1;
	bool log_level_from_flag = false;

	/* One malloc arena for all threads. With one per thread, glibc served a
	 * large request's buffers from fresh mmaps or another thread's heap by
	 * turns: a 100,000-entry IMA verdict cost 118 or 160 ms of CPU depending
	 * on the thread, and peak RSS was 25% higher. The server allocates
	 * little per request otherwise, so the shared arena's lock is cheap. */
	mallopt(M_ARENA_MAX, 1);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		const char *name = NULL;
		switch (opt) {
		case 'c':
			config_path = optarg;
			continue;
		case 'i':
			name = "ip";
			break;
		case 'p':
			name = "port";
			break;
		case 't':
			name = "tls_dir";
			break;
		case 'd':
			name = "database";
			break;
		case 'a':
			name = "amd_root_dir";
			break;
		case 'l': {
			enum log_level level;
			if (log_parse_level(optarg, &level)) {
				fprintf(stderr, "teev serve: --log-level must be debug, info, warn or error\n");
				return 2;
			}
			log_set_level(level);
			log_level_from_flag = true;
			continue;
		}
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
		overrides[n_overrides][0] = name;
		overrides[n_overrides][1] = optarg;
		n_overrides++;
	}
	if (optind < argc) {
		fprintf(stderr, "teev serve: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (load_config(&config, config_path))
		return 2;
	for (size_t i = 0; i < n_overrides; i++) {
		if (config_set(&config, overrides[i][0], overrides[i][1], err, sizeof(err))) {
			fprintf(stderr, "teev serve: %s\n", err);
			return 2;
		}
	}
	if (check_tls_dir(&config))
		return 1;

	/* Block the stop signals before any thread starts so only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (log_set_format(config.log_format)) {
		fprintf(stderr, "teev serve: log_format must be text or json\n");
		return 2;
	}
	if (!log_level_from_flag) {
		enum log_level level;
		if (log_parse_level(config.log_level, &level)) {
			fprintf(stderr, "teev serve: log_level must be debug, info, warn or error\n");
			return 2;
		}
		log_set_level(level);
	}

	if (db_open(config.database, &db, err, sizeof(err))) {
		log_error("%s", err);
		return 1;
	}
	log_info("database %s (schema version %d)", config.database, db_schema_version(db));
	cert_store_db_init(&store, db);
	if (!config.offline) {
		/* libcurl's global state must be set up once, before any thread. */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		struct kds_config kc = {
			.base_url = config.kds_url,
			.timeout_ms = (long)config.kds_timeout * 1000,
			.backoff_seconds = config.kds_backoff,
		};
		kds = kds_client_new(&kc);
		if (!kds) {
			log_error("kds_url \"%s\" is too long or memory is short", config.kds_url);
			db_close(db);
			return 1;
		}
	}
	struct snp_verifier_config snp_config = {
		.amd_root_dir = config.amd_root_dir,
		.vcek_offline_dir = config.vcek_offline_dir,
		.cache_slots = config.vek_cache_slots,
		.store = &store,
		.kds = kds,
		.check_crl = config.check_crl,
	};
	if (snp_verifier_init(&snp, &snp_config, err, sizeof(err))) {
		log_error("cannot load AMD trust anchors: %s", err);
		kds_client_free(kds);
		db_close(db);
		return 1;
	}
	log_info("SEV-SNP trust anchors: %s (%d products); VCEKs from certs-buf, database%s%s%s",
		 snp.trust.origin, snp_trust_product_count(&snp.trust),
		 config.vcek_offline_dir[0] ? ", vcek_offline_dir" : "",
		 kds ? ", AMD KDS at " : " (offline: no KDS)", kds ? config.kds_url : "");
	if (policy_context_load(&config, &policy_ctx, err, sizeof(err))) {
		log_error("runtime_policy_signing_keys: %s", err);
		goto out;
	}
	policies = policy_cache_new(db, &policy_ctx);
	if (!policies) {
		log_error("out of memory");
		goto out;
	}
	warn_invalid_stored_policies(db, &policy_ctx);
	warn_missing_default_policy(policies, config.tee_policy);

	app.config = &config;
	app.snp = &snp;
	app.db = db;
	app.policies = policies;
	app.policy_ctx = &policy_ctx;
	tpm.policies = policies;
	tpm.policy_ctx = &policy_ctx;
	tpm.ignore_tomtou = config.ignore_tomtou_errors;
	if (tpm_context_configure(&tpm, config.measured_boot_policy_name,
				  config.measured_boot_evaluate, err, sizeof(err))) {
		log_error("%s", err);
		goto out;
	}
	app.tpm = &tpm;
	app.kds = kds;
	metrics = metrics_new();
	app.metrics = metrics;
	if (config.verification_log) {
		struct verification_log_config lc = {
			.database_path = config.database,
			.queue_capacity = config.verification_log_queue,
			.max_age_seconds = (int64_t)config.verification_log_max_age_days * 86400,
			.max_records = (int64_t)config.verification_log_max_records,
			.on_trouble = report_log_trouble,
		};
		vlog = verification_log_open(&lc, err, sizeof(err));
		if (!vlog) {
			log_error("%s", err);
			goto out;
		}
		app.log = vlog;
	}
	server = http_server_start(&app, config.port, err, sizeof(err));
	if (!server) {
		log_error("%s", err);
		goto out;
	}
	if (config.ops_port) {
		ops = ops_server_start(&app, config.ops_ip, config.ops_port, err, sizeof(err));
		if (!ops) {
			log_error("%s", err);
			goto out;
		}
	}
	__atomic_store_n(&app.ready, 1, __ATOMIC_RELAXED);
	for (;;) {
		int sig = wait_for_signal();
		if (sig == SIGHUP) {
			server = reload_tls(server, config.shutdown_timeout * 1000);
			continue;
		}
		log_info("received %s, stopping (finishing requests for up to %u s)",
			 sig == SIGINT ? "SIGINT" : "SIGTERM", config.shutdown_timeout);
		break;
	}
	/* Graceful stop: not ready, no new connections, finish in-flight
	 * requests, then write every queued verdict before exiting. */
	__atomic_store_n(&app.ready, 0, __ATOMIC_RELAXED);
	http_server_quiesce(server, config.shutdown_timeout * 1000);
	rc = 0;
out:
	http_server_stop(server);
	ops_server_stop(ops);
	verification_log_close(vlog);
	metrics_free(metrics);
	policy_cache_free(policies);
	policy_context_clear(&policy_ctx);
	snp_verifier_free(&snp);
	kds_client_free(kds);
	db_close(db);
	if (!config.offline)
		curl_global_cleanup();
	if (rc == 0)
		log_info("stopped");
	return rc;
}
