/* cmd_result_key.c - `teev certs rotate-result-key DIR [--alg ES256|RS256]`:
 * a new result-signing key, the old one's public key kept published in
 * result-signing-previous.pem (see certs/result_keys.h). */
#include "certs/result_keys.h"
#include "server/commands.h"
#include "server/help.h"

#include <stdio.h>
#include <string.h>

int cmd_certs_rotate_result_key(int argc, char **argv)
{
	const char *dir = NULL;
	enum jose_alg alg = 0;
	char err[1024];

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--alg") == 0 && i + 1 < argc) {
			alg = jose_alg_from_name(argv[++i]);
			if (!alg) {
				fprintf(stderr,
					"teev certs rotate-result-key: --alg is ES256 or RS256\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--help") == 0) {
			help_print(stdout, "certs");
			return 0;
		} else if (!dir && argv[i][0] != '-') {
			dir = argv[i];
		} else {
			fprintf(stderr,
				"teev certs rotate-result-key: unexpected argument \"%s\"\n",
				argv[i]);
			return 2;
		}
	}
	if (!dir) {
		help_print(stderr, "certs");
		return 2;
	}
	if (result_keys_rotate(dir, alg, err, sizeof(err))) {
		fprintf(stderr, "teev certs rotate-result-key: %s\n", err);
		return 1;
	}
	printf("teev certs rotate-result-key: new key in %s/%s; the previous public key stays in "
	       "%s/%s until you remove it\n",
	       dir, RESULT_KEY_PRIVATE_FILE, dir, RESULT_KEY_PREVIOUS_FILE);
	return 0;
}
