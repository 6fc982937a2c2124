/* test_snp_crl.c - check_crl: AMD's CRL must be signed by the product's ARK
 * and current, and a revoked ASK refuses every VCEK under it. The CRL comes
 * from a test cert_store (the server's is SQLite); the chain and report are
 * forged with tests/support/snp_forge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/support/snp_forge.h"
#include "verifier/failures.h"
#include "verifier/snp_verify.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	struct forge_chain chain, other;
	EVP_PKEY *vcek_key;
	X509 *vcek;
	uint8_t report[FORGE_REPORT_SIZE];
	char roots[64];
	/* What the store hands out as the Milan VCEK CRL (NULL = none). */
	uint8_t *crl;
	size_t crl_len;
	int64_t crl_next_update;
	int saves;
};

static uint8_t *store_load(void *ctx, const char *kind, const char *product, const char *key,
			   size_t *len, int64_t *next_update)
{
	struct fixture *fx = ctx;
	uint8_t *copy;
	(void)product;
	(void)key;

	if (strcmp(kind, "crl") != 0 || !fx->crl)
		return NULL;
	copy = malloc(fx->crl_len);
	memcpy(copy, fx->crl, fx->crl_len);
	*len = fx->crl_len;
	*next_update = fx->crl_next_update;
	return copy;
}

static void store_save(void *ctx, const char *kind, const char *product, const char *key,
		       const uint8_t *der, size_t len, int64_t next_update)
{
	struct fixture *fx = ctx;
	(void)kind;
	(void)product;
	(void)key;
	(void)der;
	(void)len;
	(void)next_update;
	fx->saves++;
}

/* A CRL issued in the name of issuer, signed with key, valid for
 * [now - 1 h, now + lifetime], listing revoked (may be NULL). */
static void make_crl(struct fixture *fx, X509 *issuer, EVP_PKEY *key, X509 *revoked,
		     long lifetime)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_adj(NULL, time(NULL), 0, -3600);
	ASN1_TIME *next = ASN1_TIME_adj(NULL, time(NULL), 0, lifetime);
	unsigned char *der = NULL;
	int n;

	assert_non_null(crl);
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_CRL_set1_lastUpdate(crl, last);
	X509_CRL_set1_nextUpdate(crl, next);
	if (revoked) {
		X509_REVOKED *entry = X509_REVOKED_new();
		X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(revoked));
		X509_REVOKED_set_revocationDate(entry, last);
		X509_CRL_add0_revoked(crl, entry);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, key, EVP_sha384()) > 0);
	n = i2d_X509_CRL(crl, &der);
	assert_true(n > 0);
	free(fx->crl);
	fx->crl = malloc((size_t)n);
	memcpy(fx->crl, der, (size_t)n);
	fx->crl_len = (size_t)n;
	fx->crl_next_update = (int64_t)time(NULL) + lifetime;
	OPENSSL_free(der);
	X509_CRL_free(crl);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct forge_report_opts opts;
	uint8_t chip[64];

	if (!fx || forge_chain_create(FORGE_MILAN, &fx->chain) ||
	    forge_chain_create(FORGE_MILAN, &fx->other))
		return -1;
	snprintf(fx->roots, sizeof(fx->roots), "/tmp/teev-crl-XXXXXX");
	if (!mkdtemp(fx->roots) || forge_chain_write(&fx->chain, fx->roots))
		return -1;
	for (size_t i = 0; i < 64; i++)
		chip[i] = (uint8_t)(i + 1);
	fx->vcek_key = EVP_EC_gen("P-384");
	forge_report_opts_default(&opts, FORGE_MILAN);
	memcpy(opts.chip_id, chip, 64);
	struct forge_vek_opts vo = {.tcb = opts.reported_tcb, .hwid = chip, .hwid_len = 64};
	fx->vcek = forge_vek_create(&fx->chain, fx->vcek_key, &vo);
	forge_report_build(fx->report, &opts);
	if (!fx->vcek_key || !fx->vcek || forge_report_sign(fx->report, fx->vcek_key))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	forge_chain_free(&fx->chain);
	forge_chain_free(&fx->other);
	EVP_PKEY_free(fx->vcek_key);
	X509_free(fx->vcek);
	free(fx->crl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->roots);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* Verifies the forged report with check_crl on; returns the failure ids. */
static enum verdict_status run(struct fixture *fx, char *types, size_t cap)
{
	struct cert_store store = {fx, store_load, store_save};
	struct snp_verifier_config cfg = {
		.amd_root_dir = fx->roots, .store = &store, .check_crl = true};
	struct snp_verifier v;
	struct snp_result result;
	struct failures f;
	unsigned char *der = NULL;
	int der_len = i2d_X509(fx->vcek, &der);
	char err[256];
	enum verdict_status status;
	size_t used = 0;

	assert_int_equal(snp_verifier_init(&v, &cfg, err, sizeof(err)), 0);
	struct snp_evidence e = {.report = fx->report, .report_len = FORGE_REPORT_SIZE,
				 .vek_der = der, .vek_der_len = (size_t)der_len};
	failures_init(&f);
	status = snp_verify(&v, &e, time(NULL), &result, &f);
	types[0] = '\0';
	for (size_t i = 0; i < f.count; i++)
		used += (size_t)snprintf(types + used, cap - used, "%s%s", i ? "," : "", f.items[i].type);
	failures_clear(&f);
	snp_verifier_free(&v);
	OPENSSL_free(der);
	return status;
}

static void test_current_crl_without_the_ask_passes(void **state)
{
	struct fixture *fx = *state;
	char types[256];

	make_crl(fx, fx->chain.ark, fx->chain.ark_key, NULL, 86400);
	assert_int_equal(run(fx, types, sizeof(types)), VERDICT_PASS);
}

static void test_revoked_ask_fails(void **state)
{
	struct fixture *fx = *state;
	char types[256];

	make_crl(fx, fx->chain.ark, fx->chain.ark_key, fx->chain.ask, 86400);
	assert_int_equal(run(fx, types, sizeof(types)), VERDICT_FAIL);
	assert_string_equal(types, "tee_attestation.revoked");
}

static void test_crl_signed_by_another_ark_is_refused(void **state)
{
	struct fixture *fx = *state;
	char types[256];

	/* Same issuer name (both chains are "ARK-Milan"), wrong key. */
	make_crl(fx, fx->chain.ark, fx->other.ark_key, NULL, 86400);
	assert_int_equal(run(fx, types, sizeof(types)), VERDICT_FAIL);
	assert_string_equal(types, "tee_attestation.crl_fetch");
}

static void test_stale_crl_and_offline_fails_closed(void **state)
{
	struct fixture *fx = *state;
	char types[256];

	/* nextUpdate in the past: the store's copy is dropped, and with no KDS
	 * (offline) there is no way to know: refuse rather than guess. */
	make_crl(fx, fx->chain.ark, fx->chain.ark_key, NULL, -60);
	assert_int_equal(run(fx, types, sizeof(types)), VERDICT_FAIL);
	assert_string_equal(types, "tee_attestation.crl_fetch");
	free(fx->crl);
	fx->crl = NULL;
	assert_int_equal(run(fx, types, sizeof(types)), VERDICT_FAIL);
	assert_string_equal(types, "tee_attestation.crl_fetch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_crl_without_the_ask_passes),
		cmocka_unit_test(test_revoked_ask_fails),
		cmocka_unit_test(test_crl_signed_by_another_ark_is_refused),
		cmocka_unit_test(test_stale_crl_and_offline_fails_closed),
	};
	return cmocka_run_group_tests_name("snp: AMD CRL (check_crl)", tests, setup, teardown);
}
