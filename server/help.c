/* help.c - help texts and the man page made from them (see help.h). */
#include "server/help.h"

#include "server/commands.h"
#include "server/config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct help_topic {
	const char *command;
	const char *summary; /* one line, for the overview and the man page */
	const char *text;    /* usage and every flag */
};

static const struct help_topic topics[] = {
	{"serve", "serve Keylime's /vX.Y/verify/evidence API over mTLS",
	 "usage: teev serve [--config FILE] [--ip ADDR] [--port N] [--tls-dir DIR]\n"
	 "                  [--database PATH] [--amd-root-dir DIR] [--log-level LEVEL]\n"
	 "\n"
	 "Serves the API (Keylime's one-shot POST /v2.x/verify/evidence, stored\n"
	 "policies, the verification log) over mutual TLS until SIGTERM or SIGINT.\n"
	 "SIGHUP reads the TLS files and policy_admins again.\n"
	 "\n"
	 "  --config FILE       the configuration file (default: $TEEV_CONFIG, else none)\n"
	 "  --ip ADDR           listen address (option ip)\n"
	 "  --port N            TCP port (option port; 0 = any free port)\n"
	 "  --tls-dir DIR       CA folder in Keylime's layout (option tls_dir)\n"
	 "  --database PATH     the SQLite database (option database)\n"
	 "  --amd-root-dir DIR  AMD roots instead of the embedded ones (option amd_root_dir)\n"
	 "  --log-level LEVEL   debug, info, warn or error (option log_level)\n"
	 "  --help              this text\n"
	 "\n"
	 "Every option below can be set in the [verifier] section of the configuration\n"
	 "file (config/verifier.conf in the source tree documents each one), or as an\n"
	 "environment variable TEEV_<OPTION> in upper case (TEEV_PORT=9000,\n"
	 "TEEV_CHECK_CRL=true). Precedence: defaults < file < TEEV_* < flags. An\n"
	 "unknown TEEV_* variable is warned about; an unknown option in the file is an\n"
	 "error, except the options of Keylime's own verifier.conf, which are ignored\n"
	 "with a note. The options and their defaults:\n"},
	{"verify", "judge one SEV-SNP report or Intel TDX quote offline, as the server would",
	 "usage: teev verify --report FILE [--vcek FILE] [--certs-buf FILE]\n"
	 "                   [--nonce B64 --tee-pubkey-x B64URL --tee-pubkey-y B64URL]\n"
	 "                   [--policy FILE | --tee-policy NAME] [--at RFC3339-TIME]\n"
	 "                   [--config FILE] [--database PATH] [--amd-root-dir DIR]\n"
	 "\n"
	 "Judges a raw 1184-byte SEV-SNP report as `teev serve` would, with the same\n"
	 "configuration (amd_root_dir, vcek_offline_dir, database, kds_url, offline,\n"
	 "check_crl, tee_policy) and the same input checks, and prints the results\n"
	 "object as JSON. The database is opened read-only: imported VCEKs, cached CRLs\n"
	 "and stored policies are read, nothing is written.\n"
	 "\n"
	 "  --report FILE        the raw report (required)\n"
	 "  --vcek FILE          the VCEK or VLEK, DER or PEM (else: certs-buf, database,\n"
	 "                       vcek_offline_dir, then AMD KDS unless offline = true)\n"
	 "  --certs-buf FILE     a GHCB certificate table, as a guest's extended report\n"
	 "                       returns it (the request's \"certs-buf\", decoded)\n"
	 "  --nonce B64          the challenge (standard base64), with\n"
	 "  --tee-pubkey-x B64URL and --tee-pubkey-y B64URL (base64url, no padding):\n"
	 "                       checks REPORT_DATA == SHA-512(x || y || nonce); without\n"
	 "                       them freshness is not checked, and the output says so\n"
	 "  --policy FILE        appraise with this SNP policy document instead of a\n"
	 "                       stored one\n"
	 "  --tee-policy NAME    the stored SNP policy to appraise with (the request's\n"
	 "                       \"tee-policy\"); default: tee_policy from the config\n"
	 "  --at TIME            certificate validity at this RFC 3339 time, not now\n"
	 "  --config FILE        the server's configuration file (else $TEEV_CONFIG);\n"
	 "                       TEEV_* variables apply as for `teev serve`\n"
	 "  --database PATH      the database to read (default: the config's)\n"
	 "  --amd-root-dir DIR   AMD roots to trust instead of the embedded ones\n"
	 "  --help               this text\n"
	 "\n"
	 "Without a database and without --policy no policy is appraised, and the\n"
	 "output says so (\"policy\": \"not appraised: ...\").\n"
	 "Exit status: 0 valid, 1 invalid, 2 bad usage, unreadable or bad input (the\n"
	 "server's 400).\n"
	 "\n"
	 "usage: teev verify --tdx-quote FILE --collateral DIR [--at RFC3339-TIME]\n"
	 "                   [--intel-root FILE] [--policy FILE]\n"
	 "                   [--nonce B64 --tee-pubkey-x B64URL --tee-pubkey-y B64URL]\n"
	 "\n"
	 "Checks an Intel TDX quote (v4 or v5) against Intel's collateral in DIR:\n"
	 "tcb_info.json, qe_identity.json, pck_crl.der, root_crl.der and\n"
	 "tcb_signing_chain.pem. The PCK and TCB signing chains must end in the\n"
	 "embedded Intel SGX Root CA, or the PEM certificate given by --intel-root.\n"
	 "\n"
	 "  --tdx-quote FILE     the raw quote (required for TDX)\n"
	 "  --collateral DIR     Intel's collateral files, laid out as above (required)\n"
	 "  --at TIME            the verification time (default: now)\n"
	 "  --intel-root FILE    the Intel SGX Root CA to trust instead of the embedded one\n"
	 "  --policy FILE        appraise the TD with a TDX policy document; without it\n"
	 "                       only the TCB status is appraised (UpToDate required)\n"
	 "  --nonce, --tee-pubkey-x, --tee-pubkey-y   as for SEV-SNP (REPORTDATA)\n"
	 "Exit status: 0 valid, 1 invalid, 2 bad usage or unreadable input.\n"},
	{"verify-result", "check a signed result (EAR token) against teev's public keys",
	 "usage: teev verify-result TOKEN|- [--jwks URL|FILE] [--cacert FILE]\n"
	 "                          [--cert FILE --key FILE] [--keys-dir DIR] [--config FILE]\n"
	 "                          [--nonce TEXT] [--max-age SECONDS]\n"
	 "\n"
	 "Checks an EAR token signed by teev (`-` reads it from standard input) and prints\n"
	 "the verdict as JSON.\n"
	 "  --jwks URL|FILE      the keys: a JWK Set or PEM public keys in FILE, or a JWK\n"
	 "                       Set fetched from an https URL (server certificate verified)\n"
	 "  --cacert FILE        the CA that the --jwks server's certificate must chain to\n"
	 "  --cert FILE, --key FILE  a client certificate to present to the --jwks server\n"
	 "  --keys-dir DIR       without --jwks: the result-signing public keys in DIR\n"
	 "                       (default: the configured tls_dir)\n"
	 "  --config FILE        the configuration (for tls_dir)\n"
	 "  --nonce TEXT         require the token's nonce to be TEXT\n"
	 "  --max-age SECONDS    require the token to be at most SECONDS old\n"
	 "  --help               this text\n"
	 "Exit status: 0 affirming, 1 not affirming or not valid, 2 bad usage or\n"
	 "unreadable keys.\n"},
	{"certs", "create a development CA folder; import VCEKs for air-gapped sites",
	 "usage: teev certs init DIR [--san NAME]... [--reissue-server]\n"
	 "                       [--result-key-alg ES256|RS256]\n"
	 "       teev certs rotate-result-key DIR [--alg ES256|RS256]\n"
	 "       teev certs import-vcek [--config FILE] [--database PATH]\n"
	 "                              [--amd-root-dir DIR] FILE...\n"
	 "\n"
	 "init: creates what is missing of a Keylime-style CA folder: cacert.crt,\n"
	 "ca-private.pem, ca-public.pem, server-cert.crt, server-private.pem,\n"
	 "server-public.pem, client-cert.crt, client-private.pem, client-public.pem.\n"
	 "RSA-2048, SHA-256, private keys mode 0600. Existing files are never\n"
	 "overwritten, except with --reissue-server.\n"
	 "  --san NAME           a DNS name or IP address for the server certificate,\n"
	 "                       besides localhost, 127.0.0.1 and ::1 (repeatable). On a\n"
	 "                       folder that has a server certificate without it, a\n"
	 "                       warning says so and nothing is changed\n"
	 "  --reissue-server     replace server-cert.crt with a new certificate for the\n"
	 "                       same key (server-public.pem stays valid), naming\n"
	 "                       localhost, 127.0.0.1, ::1 and each --san; needs\n"
	 "                       ca-private.pem. Then restart teev or send it SIGHUP\n"
	 "  --result-key-alg ALG the result-signing key's algorithm when it is created:\n"
	 "                       ES256 (P-256, the default) or RS256 (RSA-3072). init\n"
	 "                       also writes result-signing-private.pem/-public.pem, the\n"
	 "                       key that signs EAR results (never the TLS key)\n"
	 "\n"
	 "rotate-result-key: a new result-signing key; the old public key is appended to\n"
	 "result-signing-previous.pem and stays published until removed from it.\n"
	 "  --alg ALG            ES256 or RS256 (default: the current key's)\n"
	 "\n"
	 "import-vcek: verifies each VCEK (DER or PEM) against the AMD roots and stores\n"
	 "it in the database by platform, for air-gapped sites.\n"
	 "  --config FILE        the configuration (database, amd_root_dir, check_crl)\n"
	 "  --database PATH      the database to write (default: the config's)\n"
	 "  --amd-root-dir DIR   AMD roots instead of the embedded ones\n"
	 "\n"
	 "  --help               this text\n"
	 "Exit status: 0 done, 1 refused or failed, 2 bad usage.\n"},
	{"policy", "list, show, add, replace, delete or validate stored policies",
	 "usage: teev policy list     --kind K [--database PATH] [--config FILE]\n"
	 "       teev policy show     --kind K NAME\n"
	 "       teev policy add      --kind K NAME FILE\n"
	 "       teev policy replace  --kind K NAME FILE\n"
	 "       teev policy delete   --kind K NAME\n"
	 "       teev policy validate --kind K FILE\n"
	 "\n"
	 "Stored policies on the host, with the REST API's validation; safe while the\n"
	 "server runs (it sees a change on its next request).\n"
	 "  --kind K             snp (SEV-SNP policy), tpm (PCR policy), runtime (Keylime\n"
	 "                       runtime/IMA policy) or mb (measured-boot reference state)\n"
	 "  NAME                 1 to 128 characters of A-Z a-z 0-9 . _ -\n"
	 "  FILE                 the policy document; - reads standard input\n"
	 "  --database PATH      the database (default: the config's)\n"
	 "  --config FILE        the configuration file (else $TEEV_CONFIG)\n"
	 "  --help               this text\n"
	 "Exit status: 0 done, 1 refused (invalid, exists, not found), 2 bad usage.\n"},
	{"log", "list or show recorded verdicts (the verification log)",
	 "usage: teev log list [--since RFC3339] [--valid true|false] [--limit N]\n"
	 "                     [--database PATH] [--config FILE]\n"
	 "       teev log show ID [--database PATH] [--config FILE]\n"
	 "\n"
	 "Verdicts, newest first, as JSON.\n"
	 "  --since TIME         only verdicts at or after this RFC 3339 time\n"
	 "  --valid true|false   only passing or only failing verdicts\n"
	 "  --limit N            at most N records (default 100)\n"
	 "  --database PATH      the database (default: the config's)\n"
	 "  --config FILE        the configuration file (else $TEEV_CONFIG)\n"
	 "  --help               this text\n"
	 "Exit status: 0 done, 1 not found or error, 2 bad usage.\n"},
	{"version", "print the version",
	 "usage: teev version\n"
	 "Prints \"teev\" and the version, and on a second line the library that\n"
	 "checks SEV-SNP report signatures (nettle or openssl: `make P384=...`).\n"},
};
#define TOPIC_COUNT (sizeof(topics) / sizeof(topics[0]))

static const char overview_head[] =
	"usage: teev <command> [options]\n"
	"\n"
	"teev is a Keylime-compatible attestation verifier: it judges AMD SEV-SNP\n"
	"reports and TPM quotes posted to Keylime's one-shot API over mutual TLS.\n"
	"\n"
	"commands:\n";
static const char overview_tail[] =
	"\n"
	"`teev <command> --help` (or `teev help <command>`) lists each command's\n"
	"options; `man teev` has them all.\n";

/* The defaults of every option, as "name = value" lines, indented. */
static void print_options(FILE *out, const char *indent)
{
	struct teev_config defaults;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return;
	config_defaults(&defaults);
	config_print(&defaults, mem);
	fclose(mem);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(out, "%s%s\n", indent, line);
	free(text);
}

int help_print(FILE *out, const char *command)
{
	if (!command) {
		fputs(overview_head, out);
		for (size_t i = 0; i < TOPIC_COUNT; i++)
			fprintf(out, "  %-8s %s\n", topics[i].command, topics[i].summary);
		fputs(overview_tail, out);
		return 0;
	}
	for (size_t i = 0; i < TOPIC_COUNT; i++) {
		if (strcmp(topics[i].command, command) != 0)
			continue;
		fputs(topics[i].text, out);
		if (strcmp(command, "serve") == 0)
			print_options(out, "  ");
		return 0;
	}
	return -1;
}

/* Text as roff: a backslash is \e, a hyphen \-, and a line that would start
 * with a control character is protected with \&. */
static void roff_text(FILE *out, const char *text)
{
	bool line_start = true;

	for (const char *p = text; *p; p++) {
		if (line_start && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
		line_start = *p == '\n';
	}
}

void help_print_man(FILE *out)
{
	char *options = NULL;
	size_t len = 0;
	FILE *mem;

	fprintf(out, ".\\\" Generated by `teev help --man` from the text of `teev <command> --help`.\n"
		     ".\\\" Do not edit: change server/help.c and run `make man`.\n"
		     ".TH TEEV 1 \"\" \"teev %s\" \"User Commands\"\n"
		     ".SH NAME\n"
		     "teev \\- Keylime\\-compatible attestation verifier for AMD SEV\\-SNP and TPM evidence\n"
		     ".SH SYNOPSIS\n"
		     ".B teev\n"
		     ".I command\n"
		     "[\n"
		     ".I options\n"
		     "]\n"
		     ".SH DESCRIPTION\n"
		     ".nf\n",
		TEEV_VERSION);
	mem = open_memstream(&options, &len);
	if (mem) {
		help_print(mem, NULL);
		fclose(mem);
		roff_text(out, options);
		free(options);
	}
	fputs(".fi\n.SH COMMANDS\n", out);
	for (size_t i = 0; i < TOPIC_COUNT; i++) {
		fprintf(out, ".SS teev %s\n", topics[i].command);
		roff_text(out, topics[i].summary);
		fputs("\n.PP\n.nf\n", out);
		options = NULL;
		len = 0;
		mem = open_memstream(&options, &len);
		if (mem) {
			help_print(mem, topics[i].command);
			fclose(mem);
			roff_text(out, options);
			free(options);
		}
		fputs(".fi\n", out);
	}
	fputs(".SH ENVIRONMENT\n"
	      ".TP\n.B TEEV_CONFIG\n"
	      "The configuration file when no \\-\\-config is given.\n"
	      ".TP\n.B TEEV_<OPTION>\n"
	      "Any option of the configuration file, in upper case (TEEV_PORT, TEEV_DATABASE, ...);\n"
	      "overrides the file, overridden by flags.\n"
	      ".SH FILES\n"
	      ".TP\n.I config/verifier.conf\n"
	      "Every option with its default and what it does (in the source tree).\n"
	      ".TP\n.I var/cv_ca, var/teev.db\n"
	      "The development CA folder and database of `make run` (the defaults of tls_dir and\n"
	      "database, relative to the directory teev starts in).\n"
	      ".SH SEE ALSO\n"
	      "README.md and deploy/README.md in the teev source tree.\n",
	      out);
}
