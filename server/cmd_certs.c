/* cmd_certs.c - `teev certs init DIR [--san NAME]...`: a development CA
 * folder in Keylime's layout (see certs/ca_tool.h). */
#include "certs/ca_tool.h"
#include "certs/result_keys.h"
#include "db/cert_cache.h"
#include "db/db.h"
#include "server/commands.h"
#include "server/help.h"
#include "server/config.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/snp_verify.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SANS 32
/* A VCEK is about 1.3 KB; anything near this is not a certificate. */
#define CERT_FILE_MAX ((size_t)64 * 1024)

static void certs_usage(FILE *out)
{
	help_print(out, "certs");
}

/* DER bytes of a certificate file that may be PEM. Returns malloc'd bytes. */
static uint8_t *certificate_der(const char *path, size_t *len)
{
	char err[512];
	uint8_t *data = bytes_read_file(path, CERT_FILE_MAX, len, err, sizeof(err));
	BIO *bio;
	X509 *cert;
	unsigned char *der = NULL;
	int n;

	if (!data) {
		fprintf(stderr, "teev certs import-vcek: %s\n", err);
		return NULL;
	}
	if (*len < 10 || memcmp(data, "-----BEGIN", 10) != 0)
		return data;
	bio = BIO_new_mem_buf(data, (int)*len);
	cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(data);
	n = cert ? i2d_X509(cert, &der) : -1;
	X509_free(cert);
	if (n <= 0) {
		fprintf(stderr, "teev certs import-vcek: %s is not a PEM certificate\n", path);
		return NULL;
	}
	data = malloc((size_t)n);
	if (data)
		memcpy(data, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return data;
}

static int import_vcek(int argc, char **argv)
{
	const char *config_path = NULL, *database = NULL, *roots = NULL;
	struct teev_config config;
	struct snp_verifier verifier;
	struct db *db = NULL;
	char err[1024];
	int first_file = 0, refused = 0, imported = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			certs_usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			database = argv[++i];
		else if (strcmp(argv[i], "--amd-root-dir") == 0 && i + 1 < argc)
			roots = argv[++i];
		else if (argv[i][0] == '-') {
			fprintf(stderr, "teev certs import-vcek: unexpected argument \"%s\"\n", argv[i]);
			return 2;
		} else if (!first_file) {
			first_file = i;
		}
	}
	if (!first_file) {
		certs_usage(stderr);
		return 2;
	}
	if (load_config(&config, config_path))
		return 2;
	if (database)
		snprintf(config.database, sizeof(config.database), "%s", database);
	if (roots)
		snprintf(config.amd_root_dir, sizeof(config.amd_root_dir), "%s", roots);
	struct snp_verifier_config vc = {.amd_root_dir = config.amd_root_dir, .cache_slots = 8};
	if (snp_verifier_init(&verifier, &vc, err, sizeof(err))) {
		fprintf(stderr, "teev certs import-vcek: cannot load AMD trust anchors: %s\n", err);
		return 1;
	}
	if (db_open(config.database, &db, err, sizeof(err))) {
		fprintf(stderr, "teev certs import-vcek: %s\n", err);
		snp_verifier_free(&verifier);
		return 1;
	}
	for (int i = first_file; i < argc; i++) {
		struct failures f;
		enum snp_product product;
		char key[256];
		size_t len = 0;
		uint8_t *der;

		/* False positive: argv[i] for i < argc is never NULL (C17 5.1.2.2.1). */
		if (argv[i][0] == '-') { // NOLINT(clang-analyzer-core.NullDereference)
			i++; /* an option and its value, parsed above */
			continue;
		}
		der = certificate_der(argv[i], &len);
		if (!der) {
			refused++;
			continue;
		}
		failures_init(&f);
		if (snp_verifier_prove_vcek(&verifier, der, len, time(NULL), &product, key, sizeof(key),
					    &f)) {
			fprintf(stderr, "teev certs import-vcek: %s refused: %s\n", argv[i],
				f.count ? f.items[0].message : "unknown reason");
			refused++;
		} else if (cert_cache_put(db, "vcek", snp_product_name(product), key, der, len, 0)) {
			fprintf(stderr, "teev certs import-vcek: %s: database write failed\n", argv[i]);
			refused++;
		} else {
			printf("imported %s VCEK %s\n", snp_product_name(product), key);
			imported++;
		}
		failures_clear(&f);
		free(der);
	}
	db_close(db);
	snp_verifier_free(&verifier);
	printf("%d imported, %d refused\n", imported, refused);
	return refused ? 1 : 0;
}

/* An existing server certificate is never changed without --reissue-server:
 * say so when it lacks a --san, rather than "already complete". */
static int warn_missing_sans(const char *dir, const char *const *sans, size_t n_sans,
			     int created)
{
	size_t missing[MAX_SANS];
	char err[1024];
	int n = ca_tool_server_sans_missing(dir, sans, n_sans, missing, err, sizeof(err));

	if (n < 0) {
		fprintf(stderr, "teev certs init: %s\n", err);
		return 1;
	}
	if (n == 0) {
		if (!created)
			printf("teev certs init: %s already complete, nothing written\n", dir);
		return 0;
	}
	fprintf(stderr, "teev certs init: warning: %s/server-cert.crt already exists and does not "
			"name",
		dir);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", sans[missing[i]]);
	fprintf(stderr, "; it was not changed. To re-issue it for the same key with these names, "
			"run:\n  teev certs init %s",
		dir);
	for (size_t i = 0; i < n_sans; i++)
		fprintf(stderr, " --san %s", sans[i]);
	fprintf(stderr, " --reissue-server\nthen restart teev or send it SIGHUP.\n");
	return 0;
}

static int reissue_server(const char *dir, const char *const *sans, size_t n_sans)
{
	char err[1024];

	if (ca_tool_reissue_server(dir, sans, n_sans, err, sizeof(err))) {
		fprintf(stderr, "teev certs init --reissue-server: %s\n", err);
		return 1;
	}
	printf("teev certs init: re-issued %s/server-cert.crt for the same key, naming localhost, "
	       "127.0.0.1, ::1",
	       dir);
	for (size_t i = 0; i < n_sans; i++)
		printf(", %s", sans[i]);
	printf("\nRestart teev or send it SIGHUP to serve it.\n");
	return 0;
}

int cmd_certs(int argc, char **argv)
{
	const char *sans[MAX_SANS];
	size_t n_sans = 0;
	const char *dir = NULL;
	char err[1024];
	int created = 0;
	bool reissue = false;
	enum jose_alg result_alg = JOSE_ES256;

	if (argc >= 2 && strcmp(argv[1], "import-vcek") == 0)
		return import_vcek(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "rotate-result-key") == 0)
		return cmd_certs_rotate_result_key(argc, argv);
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
		} else if (strcmp(argv[i], "--reissue-server") == 0) {
			reissue = true;
		} else if (strcmp(argv[i], "--result-key-alg") == 0 && i + 1 < argc) {
			result_alg = jose_alg_from_name(argv[++i]);
			if (!result_alg) {
				fprintf(stderr, "teev certs init: --result-key-alg is ES256 or RS256\n");
				return 2;
			}
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
	if (ca_tool_init(dir, sans, n_sans, &created, err, sizeof(err)) ||
	    result_keys_create(dir, result_alg, &created, err, sizeof(err))) {
		fprintf(stderr, "teev certs init: %s\n", err);
		return 1;
	}
	if (created)
		printf("teev certs init: wrote %d file(s) in %s\n", created, dir);
	if (reissue)
		return reissue_server(dir, sans, n_sans);
	return warn_missing_sans(dir, sans, n_sans, created);
}
