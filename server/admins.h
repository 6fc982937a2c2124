/* admins.h - who may change stored policies: the client certificates named
 * by policy_admins, identified by the SHA-256 of their DER bytes. A subject
 * name is not an identity (anyone with access to the CA could issue a
 * look-alike); the exact certificate is. */
#ifndef TEEV_ADMINS_H
#define TEEV_ADMINS_H

#include <stdbool.h>
#include <stddef.h>

struct teev_config;

#define ADMINS_MAX 32
#define FINGERPRINT_HEX 65

struct admin_set {
	size_t count;
	char fingerprints[ADMINS_MAX][FINGERPRINT_HEX]; /* lower-case hex */
};

/* Loads the certificates named by policy_admins ("default" = client-cert.crt
 * in tls_dir; "none" = nobody). Returns -1 with err naming the file. */
int admins_load(const struct teev_config *c, struct admin_set *out, char *err, size_t err_len);
/* a NULL: nobody is an administrator. */
bool admins_contains(const struct admin_set *a, const char *fingerprint_hex);

/* SHA-256 of a PEM certificate file's DER, as lower-case hex. */
int certificate_fingerprint_file(const char *path, char out[FINGERPRINT_HEX], char *err,
				 size_t err_len);

#endif
