/* tls_files.c - the server's TLS files checked with GnuTLS (see tls_files.h). */
#include "server/tls_files.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>

static gnutls_datum_t datum_of(const char *pem)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned int)strlen(pem)};
	return d;
}

/* Parses every certificate of a PEM file; 0 when at least one parsed. */
static int parse_certificates(const char *pem, const char **why)
{
	gnutls_x509_crt_t *list = NULL;
	unsigned count = 0;
	gnutls_datum_t d = datum_of(pem);
	int rc = gnutls_x509_crt_list_import2(&list, &count, &d, GNUTLS_X509_FMT_PEM, 0);

	for (unsigned i = 0; rc >= 0 && i < count; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	if (rc < 0) {
		*why = gnutls_strerror(rc);
		return -1;
	}
	if (count == 0) {
		*why = "no PEM certificate in it";
		return -1;
	}
	return 0;
}

int tls_check_server_files(const char *key_path, const char *key_pem, const char *cert_path,
			   const char *cert_pem, char *err, size_t err_len)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_datum_t key_d = datum_of(key_pem), cert_d = datum_of(cert_pem);
	const char *why = NULL;
	int rc = -1, g;

	if (parse_certificates(cert_pem, &why)) {
		snprintf(err, err_len, "server_cert %s is not a usable certificate: %s", cert_path,
			 why);
		goto out;
	}
	g = gnutls_x509_privkey_init(&key);
	if (g >= 0)
		g = gnutls_x509_privkey_import2(key, &key_d, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0) {
		snprintf(err, err_len,
			 "server_key %s is not a usable private key (PEM, unencrypted): %s",
			 key_path, gnutls_strerror(g));
		goto out;
	}
	g = gnutls_certificate_allocate_credentials(&cred);
	if (g >= 0)
		g = gnutls_certificate_set_x509_key_mem2(cred, &cert_d, &key_d, GNUTLS_X509_FMT_PEM,
							 NULL, 0);
	if (g < 0) {
		snprintf(err, err_len, "server_key %s and server_cert %s do not go together: %s",
			 key_path, cert_path, gnutls_strerror(g));
		goto out;
	}
	rc = 0;
out:
	if (cred)
		gnutls_certificate_free_credentials(cred);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

int tls_check_ca_file(const char *path, const char *pem, char *err, size_t err_len)
{
	const char *why = NULL;

	if (parse_certificates(pem, &why) == 0)
		return 0;
	snprintf(err, err_len, "trusted_client_ca %s is not a usable CA certificate file: %s", path,
		 why);
	return -1;
}
