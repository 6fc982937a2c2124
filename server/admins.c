/* admins.c - policy administrators by certificate fingerprint (see admins.h). */
#include "server/admins.h"

#include "server/config.h"
#include "verifier/bytes.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

int certificate_fingerprint_file(const char *path, char out[FINGERPRINT_HEX], char *err,
				 size_t err_len)
{
	FILE *fp = fopen(path, "r");
	X509 *cert;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!fp) {
		snprintf(err, err_len, "cannot open policy admin certificate %s", path);
		return -1;
	}
	cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!cert || X509_digest(cert, EVP_sha256(), digest, &len) != 1 || len != 32) {
		snprintf(err, err_len, "%s is not a PEM certificate", path);
		X509_free(cert);
		return -1;
	}
	X509_free(cert);
	bytes_to_hex(digest, 32, out);
	return 0;
}

struct admin_loader {
	const struct teev_config *config;
	struct admin_set *set;
	char *err;
	size_t err_len;
};

static int add_admin(const char *file, void *arg)
{
	struct admin_loader *l = arg;
	char path[CONFIG_PATH_MAX * 2];

	if (l->set->count == ADMINS_MAX) {
		snprintf(l->err, l->err_len, "policy_admins names more than %d certificates", ADMINS_MAX);
		return -1;
	}
	config_tls_path(l->config, file, path, sizeof(path));
	if (certificate_fingerprint_file(path, l->set->fingerprints[l->set->count], l->err,
					 l->err_len))
		return -1;
	l->set->count++;
	return 0;
}

int admins_load(const struct teev_config *c, struct admin_set *out, char *err, size_t err_len)
{
	struct admin_loader loader = {c, out, err, err_len};

	memset(out, 0, sizeof(*out));
	if (strcmp(c->policy_admins, "none") == 0)
		return 0;
	if (strcmp(c->policy_admins, "default") == 0)
		return add_admin("client-cert.crt", &loader);
	return config_each_list_item(c->policy_admins, add_admin, &loader);
}

bool admins_contains(const struct admin_set *a, const char *fingerprint_hex)
{
	if (!a)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->fingerprints[i], fingerprint_hex) == 0)
			return true;
	return false;
}
