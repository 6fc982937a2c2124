/* main.c - the `teev` binary: dispatch to subcommands. */
#include "server/commands.h"
#include "verifier/p384.h"
#include "server/help.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	help_print(out, NULL);
}

/* `teev help [COMMAND]`, and `teev help --man` (the man page, for `make man`). */
static int help(int argc, char **argv)
{
	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[2], "--man") == 0) {
		help_print_man(stdout);
		return 0;
	}
	if (help_print(stdout, argv[2]) == 0)
		return 0;
	fprintf(stderr, "teev help: unknown command \"%s\"\n\n", argv[2]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify-result") == 0)
		return cmd_verify_result(argc - 1, argv + 1);
	if (strcmp(argv[1], "certs") == 0)
		return cmd_certs(argc - 1, argv + 1);
	if (strcmp(argv[1], "policy") == 0)
		return cmd_policy(argc - 1, argv + 1);
	if (strcmp(argv[1], "log") == 0)
		return cmd_log(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 && argc > 2 &&
	    (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		help_print(stdout, "version");
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("teev %s\nSNP report signature (ECDSA P-384): %s\n", TEEV_VERSION,
		       p384_implementation());
		return 0;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "teev: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return 2;
}
