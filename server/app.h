/* app.h - what request handlers share: configuration and long-lived
 * verifier state, created by `teev serve` and passed down explicitly. */
#ifndef TEEV_APP_H
#define TEEV_APP_H

struct teev_config;
struct snp_verifier;
struct db;
struct policy_cache;
struct policy_compile_context;
struct tpm_context;
struct metrics;
struct verification_log;
struct kds_client;

struct app {
	const struct teev_config *config;
	struct snp_verifier *snp;
	struct db *db;
	struct policy_cache *policies;
	const struct policy_compile_context *policy_ctx;
	const struct tpm_context *tpm;
	struct metrics *metrics;        /* NULL: not counted */
	struct verification_log *log;   /* NULL: verification log off */
	struct kds_client *kds;         /* for metrics; NULL when offline */
	/* Bytes reserved for request bodies (max_body_memory) and anonymous
	 * requests in flight (anonymous_max_requests): process-wide, so that
	 * the second listener of a TLS reload shares them. Atomic. */
	unsigned long long body_bytes;
	unsigned anonymous_requests;
	/* 1 while serving; 0 once shutdown began (readyz answers 503). Written
	 * by the main thread, read by others: an int accessed atomically. */
	int ready;
};

#endif
