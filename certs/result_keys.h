/* result_keys.h - the keys teev signs its attestation results (EAR tokens)
 * with, kept as files in the CA folder beside the TLS files (never the TLS
 * key itself):
 *
 *   result-signing-private.pem   the current key, PKCS#8, mode 0600: signs
 *   result-signing-public.pem    its public key (SPKI), for operators
 *   result-signing-previous.pem  optional: public keys of earlier keys, one
 *                                PEM block each, still published so that
 *                                tokens they signed keep verifying
 *
 * The files are the whole truth: the published set is the current key and
 * the previous file's keys, nothing remembered in memory. `teev certs
 * rotate-result-key DIR` moves the current public key into the previous
 * file and writes a new current key; an operator drops an old key by
 * deleting its block (or the file) and reloading. */
#ifndef TEEV_CERTS_RESULT_KEYS_H
#define TEEV_CERTS_RESULT_KEYS_H

#include "lib/jose.h"

#include <stdatomic.h>
#include <stddef.h>

#define RESULT_KEY_PRIVATE_FILE "result-signing-private.pem"
#define RESULT_KEY_PUBLIC_FILE "result-signing-public.pem"
#define RESULT_KEY_PREVIOUS_FILE "result-signing-previous.pem"
/* Previous keys kept at most; a rotation beyond it is refused until the
 * operator drops one, rather than dropping one silently. */
#define RESULT_KEYS_PREVIOUS_MAX 8
#define RESULT_KEY_RSA_BITS 3072

struct result_keys {
	struct jose_key current;      /* holds the private key */
	struct jose_keyset published; /* current first, then the previous keys */
	atomic_int refs;
};

/* `teev certs init`: creates the current key (ES256 or RS256) and its public
 * file when missing, never overwriting. A private key without its public
 * file gets the public file back; a public file without the private key is
 * refused. *created counts the files written. */
int result_keys_create(const char *dir, enum jose_alg alg, int *created, char *err, size_t cap);

/* Replaces the current key with a new one (alg 0: the current key's alg),
 * after adding the current public key to the previous file. Each file is
 * replaced whole (written aside, then renamed). */
int result_keys_rotate(const char *dir, enum jose_alg alg, char *err, size_t cap);

/* Loads the set from dir (one reference, released with result_keys_put).
 * Refused: a missing or unreadable private key, a public file that does not
 * belong to it, a previous file holding anything but public keys or more
 * than RESULT_KEYS_PREVIOUS_MAX of them. The current key in the previous file
 * (a rotation stopped half way) is published once. */
struct result_keys *result_keys_load(const char *dir, char *err, size_t cap);
struct result_keys *result_keys_get(struct result_keys *keys);
void result_keys_put(struct result_keys *keys);

/* The published keys from the public files only (no private key needed):
 * result-signing-public.pem and result-signing-previous.pem. */
int result_keys_load_public(const char *dir, struct jose_keyset *out, char *err, size_t cap);

/* Public keys from PEM text (one or more "PUBLIC KEY" blocks), added to out
 * after the keys it holds; a block of another kind is refused. */
int result_keys_parse_pem(const char *text, size_t len, struct jose_keyset *out, char *err,
			  size_t cap);

#endif
