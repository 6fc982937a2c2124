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

#endif
