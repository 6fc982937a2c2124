/* amd_roots.h - AMD's public root and intermediate certificates, embedded at
 * build time from the PEM files in certs/amd/ (build/gen/amd_roots.c is generated). */
#ifndef TEEV_AMD_ROOTS_H
#define TEEV_AMD_ROOTS_H

#include <stddef.h>

struct amd_root_pem {
	const char *file_name; /* e.g. "milan_ark.pem" */
	const char *pem;
};

extern const struct amd_root_pem amd_root_pems[];
extern const size_t amd_root_pem_count;

#endif
