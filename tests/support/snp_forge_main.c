/*
 * snp-forge: command-line front end of tests/support/snp_forge.c.
 *
 * Tests and `make bench` run `snp-forge fixture --out DIR` to get forged,
 * verifiable SEV-SNP evidence (fake AMD roots, VCEK/VLEK, signed reports and
 * the JSON requests that carry them) without real hardware.
 */
#include "snp_forge.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

static void usage(FILE *f)
{
	fputs("usage: snp-forge fixture --out DIR\n"
	      "       snp-forge --help\n"
	      "\n"
	      "fixture  write forged SEV-SNP evidence to DIR (created if missing):\n"
	      "         DIR/amd/<product>_{ark,ask,asvk}.pem  fake AMD roots\n"
	      "         DIR/{milan,genoa,turin}/  vcek.der report.bin request.json\n"
	      "                                   request-nocerts.json\n"
	      "         DIR/milan-vlek/           the same, VLEK-signed (vlek.der)\n"
	      "         DIR/README.txt\n"
	      "         Fresh keys on every run; the shape of the files never changes.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "fixture") != 0 || strcmp(argv[2], "--out") != 0 ||
	    argv[3][0] == '\0') {
		usage(stderr);
		return 2;
	}
	if (forge_fixture_write(argv[3]) != 0) {
		fprintf(stderr, "snp-forge: cannot write the fixture to %s\n", argv[3]);
		ERR_print_errors_fp(stderr);
		return 1;
	}
	return 0;
}
