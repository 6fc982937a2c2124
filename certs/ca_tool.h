/* certs/ca_tool.h: `teev certs init` creates a development CA folder in Keylime's cv_ca layout
 * (cacert.crt, ca-private.pem, ca-public.pem, server-*, client-*) that Keylime tools and
 * Trustee's KBS can read. */
#ifndef TEEV_CERTS_CA_TOOL_H
#define TEEV_CERTS_CA_TOOL_H

#include <stddef.h>

/* Creates what is missing in dir (mkdir -p, mode 0700). Never overwrites an existing file.
 * extra_sans: DNS names or IP literals added to the server certificate besides
 * localhost, 127.0.0.1 and ::1. Returns 0 on success, -1 on failure with a one-line
 * human message in err (always NUL-terminated). On success, *created (if non-NULL) is the
 * number of files written (0 when everything already existed). */
/* On failure *created (if non-NULL) counts the files written before the failure; they are left
 * in place. The CA private key is ca-private.pem: Keylime keeps its CA key in an encrypted
 * private.yml instead, which this tool does not write. */
int ca_tool_init(const char *dir, const char *const *extra_sans, size_t n_extra_sans,
                 int *created, char *err, size_t err_len);

/* Which of sans the existing dir/server-cert.crt does not name (DNS names compared without
 * case, IP addresses by value): their indexes go to missing[], their number is returned; -1
 * with err when the certificate cannot be read. */
int ca_tool_server_sans_missing(const char *dir, const char *const *sans, size_t n_sans,
                                size_t *missing, char *err, size_t err_len);

/* Replaces dir/server-cert.crt with a new certificate for the same key (server-private.pem, so
 * server-public.pem stays right), issued by the folder's CA (ca-private.pem is needed), naming
 * localhost, 127.0.0.1, ::1 and each of extra_sans. The file is replaced atomically (written
 * beside it, then renamed). Returns 0 or -1 with err. */
int ca_tool_reissue_server(const char *dir, const char *const *extra_sans, size_t n_extra_sans,
                           char *err, size_t err_len);

#endif
