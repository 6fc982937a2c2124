/* cmd_certs.c - `teev certs init DIR [--san NAME]...`: a development CA
 * folder in Keylime's layout (see certs/ca_tool.h). */
#include "certs/ca_tool.h"
#include "server/commands.h"

#include <stdio.h>
#include <string.h>

#define MAX_SANS 32

static void certs_usage(FILE *out)
{
	fprintf(out,
		"usage: teev certs init DIR [--san NAME]...\n"
		"Creates what is missing of a Keylime-style CA folder: cacert.crt and its key,\n"
		"server-cert.crt/-private.pem/-public.pem (SANs localhost, 127.0.0.1, ::1 and\n"
		"each --san) and client-cert.crt/-private.pem/-public.pem. RSA-2048, SHA-256.\n"
		"Existing files are never overwritten.\n");
}

int cmd_certs(int argc, char **argv)
{
	const char *sans[MAX_SANS];
	size_t n_sans = 0;
	const char *dir = NULL;
	char err[1024];
	int created = 0;

	if (argc < 2 || strcmp(argv[1], "init") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			certs_usage(stdout);
			return 0;
		}
		certs_usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--san") == 0) {
			if (i + 1 >= argc || n_sans == MAX_SANS) {
				fprintf(stderr, "teev certs init: --san needs a name (at most %d)\n",
					MAX_SANS);
				return 2;
			}
			sans[n_sans++] = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0) {
			certs_usage(stdout);
			return 0;
		} else if (!dir && argv[i][0] != '-') {
			dir = argv[i];
		} else {
			fprintf(stderr, "teev certs init: unexpected argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (!dir) {
		certs_usage(stderr);
		return 2;
	}
	if (ca_tool_init(dir, sans, n_sans, &created, err, sizeof(err))) {
		fprintf(stderr, "teev certs init: %s\n", err);
		return 1;
	}
	if (created)
		printf("teev certs init: wrote %d file(s) in %s\n", created, dir);
	else
		printf("teev certs init: %s already complete, nothing written\n", dir);
	return 0;
}
