/* runtime_policy.h - Keylime runtime policy v1 (the IMA allowlist), compiled
 * once into lookup structures (../shared/docs/KEYLIME-TPM.md §6).
 *
 * Accepted text: a JSON object
 *   {"meta": {"version": 1, ...}, "release": ..., "digests": {"<path>": ["<hex>", ...]},
 *    "excludes": ["<regex>", ...], "keyrings": {"<name>": ["<hex>"]},
 *    "ima": {"ignored_keyrings": [...], "log_hash_alg": "sha1", "dm_policy": null},
 *    "ima-buf": {"<name>": ["<hex>"]}, "verification-keys": "<string>"}
 * or a DSSE envelope {"payload": b64(policy JSON), "payloadType", "signatures"}.
 *
 * A compiled policy is immutable: one thread builds it, any number may then
 * share it (lookups take a per-caller struct runtime_policy_matcher for the
 * regex scratch space). Digest lists keep Keylime's matching rule: the hex of
 * the measured digest must equal one of the policy's strings exactly, so only
 * lower-case, even-length hex strings can ever match; other strings are kept
 * verbatim (they still appear in failure contexts) and counted in
 * runtime_policy_info.n_unmatchable_digests.
 */
#ifndef TEEV_RUNTIME_POLICY_H
#define TEEV_RUNTIME_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Bounds on the text accepted; larger policies are refused, not truncated. */
#define RUNTIME_POLICY_MAX_BYTES ((size_t)256 * 1024 * 1024)
#define RUNTIME_POLICY_MAX_NAME 65536 /* a longer path could never match a line */

struct runtime_policy;
struct runtime_policy_keys;

/* Public keys trusted to sign DSSE-wrapped policies: EC P-256/P-384 or RSA
 * (>= 2048 bits), one PEM file each ("PUBLIC KEY" or a certificate).
 * Returns NULL and a reason in err when any file cannot be used. */
struct runtime_policy_keys *runtime_policy_keys_load(const char *const *pem_paths, size_t n,
						     char *err, size_t err_len);
/* Same, from PEM texts already in memory (tests, configuration blobs). */
struct runtime_policy_keys *runtime_policy_keys_from_pem(const char *const *pems, size_t n,
							 char *err, size_t err_len);
void runtime_policy_keys_free(struct runtime_policy_keys *keys);
size_t runtime_policy_keys_count(const struct runtime_policy_keys *keys);

/* Parses and compiles a policy. dsse_keys NULL = no signing keys configured:
 * a DSSE envelope is then unwrapped WITHOUT verification, as upstream does.
 * With keys, the policy must be a DSSE envelope one of whose signatures
 * verifies with one of the keys. Returns NULL and a one-line reason in err
 * when the policy is refused. */
struct runtime_policy *runtime_policy_parse(const char *text, size_t len,
					    const struct runtime_policy_keys *dsse_keys, char *err,
					    size_t err_len);
void runtime_policy_free(struct runtime_policy *p);

/* What a caller may want to log about a compiled policy. */
struct runtime_policy_info {
	bool dsse_envelope;         /* the text was a DSSE envelope */
	bool dsse_verified;         /* ... and a signature verified */
	bool excludes_ignored;      /* "excludes" did not compile and is ignored, like upstream */
	char excludes_error[160];   /* PCRE2's reason when excludes_ignored */
	size_t n_exclude_programs;  /* PCRE2 programs the excludes compiled to: 1, or more
				     * for a list too large for one */
	uint16_t log_hash_alg;      /* TPM_ALG_SHA1/SHA256/SHA384/SHA512/SM3_256 */
	bool log_hash_alg_defaulted; /* missing or unknown "ima.log_hash_alg": sha1 used */
	size_t n_digest_paths, n_keyrings, n_ima_buf, n_excludes;
	size_t n_unmatchable_digests; /* list entries that are not lower-case hex */
};
const struct runtime_policy_info *runtime_policy_info(const struct runtime_policy *p);

/* ---- lookups used by the IMA verifier ---- */

enum runtime_policy_table {
	RUNTIME_POLICY_DIGESTS,  /* "digests": file paths */
	RUNTIME_POLICY_KEYRINGS, /* "keyrings": keyring names of ima-buf keys */
	RUNTIME_POLICY_IMA_BUF,  /* "ima-buf": names of other ima-buf entries */
};

/* One name's list of allowed digests inside a compiled policy. */
struct runtime_policy_digests;

const struct runtime_policy_digests *runtime_policy_lookup(const struct runtime_policy *p,
							   enum runtime_policy_table table,
							   const char *name, size_t name_len);
/* Starts loading the table slot for name into the cache: a lookup issued
 * after other work (the template hashes) then finds it there. No effect on
 * results. */
void runtime_policy_prefetch(const struct runtime_policy *p, enum runtime_policy_table table,
			     const char *name, size_t name_len);
bool runtime_policy_digests_contain(const struct runtime_policy *p,
				    const struct runtime_policy_digests *d, const uint8_t *digest,
				    size_t digest_len);
/* Appends the list's strings, in policy order, to the JSON array. */
void runtime_policy_digests_append_json(const struct runtime_policy *p,
					const struct runtime_policy_digests *d,
					struct json_object *array);

/* "ima.ignored_keyrings" holds "*" or this name. */
bool runtime_policy_keyring_ignored(const struct runtime_policy *p, const char *name,
				    size_t name_len);

/* Per-thread scratch for runtime_policy_excluded(); NULL when the policy has
 * no usable excludes (runtime_policy_excluded then answers false). */
struct runtime_policy_matcher;
struct runtime_policy_matcher *runtime_policy_matcher_new(const struct runtime_policy *p);
void runtime_policy_matcher_free(struct runtime_policy_matcher *m);

/* Python re.match semantics over all excludes joined as "(a)|(b)|...":
 * anchored at the start only. Paths that are not UTF-8 are matched safely:
 * no match crosses an invalid byte, a prefix before it can still match
 * (fail closed: the path is then checked against digests). A regex that exceeds its match limits
 * counts as "not excluded", so the path is then checked against digests. */
bool runtime_policy_excluded(const struct runtime_policy *p, struct runtime_policy_matcher *m,
			     const char *path, size_t path_len);

#endif
