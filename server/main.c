/* main.c - the `teev` binary: dispatch to subcommands. */
#include "server/commands.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: teev <command> [options]\n"
		"\n"
		"commands:\n"
		"  serve    serve Keylime's /vX.Y/verify/evidence API over mTLS\n"
		"  verify   check one SEV-SNP report offline, with the server's code\n"
		"  verify-result  check a signed result (EAR token) against teev's public keys\n"
		"  certs    create a development CA folder in Keylime's layout (certs init DIR)\n"
		"  policy   list, show, add, replace, delete or validate stored policies\n"
		"  log      list or show recorded verdicts (the verification log)\n"
		"  version  print the version\n"
		"\n"
		"`teev <command> --help` describes each command's options.\n");
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
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("teev %s\n", TEEV_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "teev: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return 2;
}
