/*
 * tdx-forge: command-line front end of tests/support/tdx_forge.c.
 *
 * Tests run `tdx-forge fixture --out DIR` to get forged, verifiable Intel
 * TDX evidence (a fake Intel SGX Root CA, PCK chain, quotes, signed
 * collateral and the JSON requests that carry the quotes) without TDX
 * hardware or Intel's PCS.
 */
#include "tdx_forge.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

static void usage(FILE *f)
{
	fputs("usage: tdx-forge fixture --out DIR\n"
	      "       tdx-forge --help\n"
	      "\n"
	      "fixture  write forged Intel TDX evidence to DIR (created if missing):\n"
	      "         DIR/intel/sgx_root_ca.pem        a fake Intel SGX Root CA\n"
	      "         DIR/{uptodate-v4,uptodate-v5,outofdate,unsupported}/\n"
	      "             quote.dat request.json tcb_info.json qe_identity.json\n"
	      "             pck_crl.der root_crl.der tcb_signing_chain.pem\n"
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
	if (tdx_forge_fixture_write(argv[3]) != 0) {
		fprintf(stderr, "tdx-forge: cannot write the fixture to %s\n", argv[3]);
		ERR_print_errors_fp(stderr);
		return 1;
	}
	return 0;
}
