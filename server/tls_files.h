/* tls_files.h - checks of the server's TLS files before libmicrohttpd gets
 * them: MHD only says that TLS did not start, so a bad file is named here
 * with GnuTLS's own reason (the library that will use it). */
#ifndef TEEV_TLS_FILES_H
#define TEEV_TLS_FILES_H

#include <stddef.h>

/* The server's key and certificate (PEM text read from the paths given):
 * each must parse, and the key must belong to the certificate. Returns 0,
 * or -1 with err naming the file, the option and GnuTLS's reason. */
int tls_check_server_files(const char *key_path, const char *key_pem, const char *cert_path,
			   const char *cert_pem, char *err, size_t err_len);

/* A trusted_client_ca file must hold at least one PEM certificate. */
int tls_check_ca_file(const char *path, const char *pem, char *err, size_t err_len);

#endif
