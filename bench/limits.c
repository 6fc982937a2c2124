/*
 * limits.c - the machine's signature ceilings for `make bench`.
 *
 * Counts ECDSA P-384 and P-256 verifications, and RSA-2048 (PKCS#1 v1.5,
 * SHA-256) verifications and signatures, per second with one thread per
 * core the server uses, through the same OpenSSL EVP calls a verifier makes.
 * Like `openssl speed`, each operation works on a precomputed digest, so the
 * figures are the cost of the public-key arithmetic alone: a verifier that
 * does one P-384 verification per SEV-SNP report cannot answer faster than
 * the P-384 figure (RSA-2048 signing bounds full TLS handshakes). The CPU
 * time per operation is reported too: unlike the rate, it does not drop
 * when other processes share the cores.
 *
 * P-384 verification is timed twice more: in nettle's ecdsa_verify, which
 * teev's SNP verdicts use (verifier/p384.c; the fastest P-384 in the
 * process), and through GnuTLS's public-key API on top of nettle, for
 * reference.
 *
 *   limits [--threads N] [--seconds S] [--only NAME] [--json FILE]
 *
 * NAME is one of ecdsap384_verify, ecdsap256_verify, rsa2048_verify,
 * rsa2048_sign, ecdsap384_verify_nettle, ecdsap384_verify_gnutls (the JSON
 * keys, without "_per_second").
 */
#include <errno.h>
#include <gmp.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256

enum op { OP_VERIFY, OP_SIGN, OP_NETTLE_VERIFY, OP_GNUTLS_VERIFY };

struct algorithm {
	const char *name; /* JSON key prefix */
	const char *label;
	enum op op;
	EVP_PKEY *key;
	gnutls_pubkey_t gnutls_key; /* OP_GNUTLS_VERIFY */
	gnutls_datum_t gnutls_sig;
	struct ecc_point nettle_key; /* OP_NETTLE_VERIFY */
	struct dsa_signature nettle_sig;
	bool nettle_ready;
	const EVP_MD *md;
	size_t digest_len;
	unsigned char digest[64];
	unsigned char sig[512];
	size_t sig_len;
};

struct worker {
	pthread_t thread;
	const struct algorithm *alg;
	atomic_bool *stop;
	uint64_t ops;
	double cpu; /* seconds of CPU this thread used */
	bool failed;
};

static EVP_PKEY *make_key(const char *type, const char *curve)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;
	int ok = ctx && EVP_PKEY_keygen_init(ctx) == 1;

	if (ok && curve)
		ok = EVP_PKEY_CTX_set_group_name(ctx, curve) == 1;
	else if (ok)
		ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1;
	if (ok && EVP_PKEY_keygen(ctx, &key) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* Fills the digest and a valid signature over it (RSA: PKCS#1 v1.5, the default). */
static int prepare(struct algorithm *a)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(a->key, NULL);
	int ok;

	a->sig_len = sizeof(a->sig);
	ok = ctx && RAND_bytes(a->digest, (int)a->digest_len) == 1 && EVP_PKEY_sign_init(ctx) == 1 &&
	     (!a->md || EVP_PKEY_CTX_set_signature_md(ctx, a->md) == 1) &&
	     EVP_PKEY_sign(ctx, a->sig, &a->sig_len, a->digest, a->digest_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* A P-384 key and signature in GnuTLS, for OP_GNUTLS_VERIFY. */
static int prepare_gnutls(struct algorithm *a)
{
	gnutls_privkey_t priv = NULL;
	gnutls_datum_t digest = {a->digest, (unsigned)a->digest_len};
	int rc = -1;

	if (RAND_bytes(a->digest, (int)a->digest_len) != 1 || gnutls_privkey_init(&priv) < 0)
		return -1;
	if (gnutls_privkey_generate(priv, GNUTLS_PK_ECDSA,
				    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0) >= 0 &&
	    gnutls_privkey_sign_hash2(priv, GNUTLS_SIGN_ECDSA_SHA384, 0, &digest, &a->gnutls_sig) >=
		    0 &&
	    gnutls_pubkey_init(&a->gnutls_key) >= 0 &&
	    gnutls_pubkey_import_privkey(a->gnutls_key, priv, 0, 0) >= 0)
		rc = 0;
	gnutls_privkey_deinit(priv);
	return rc;
}

/* A 48-byte number from OpenSSL into GMP. */
static int import48(mpz_t out, const BIGNUM *b)
{
	uint8_t buf[48];

	if (!b || BN_bn2binpad(b, buf, sizeof(buf)) != (int)sizeof(buf))
		return -1;
	mpz_import(out, sizeof(buf), 1, 1, 1, 0, buf);
	return 0;
}

/* A P-384 key and signature made by OpenSSL, handed to nettle as teev does
 * (the public point from the key's coordinates, r and s as numbers). */
static int prepare_nettle(struct algorithm *a)
{
	BIGNUM *x = NULL, *y = NULL;
	ECDSA_SIG *sig = NULL;
	const unsigned char *p = a->sig;
	mpz_t mx, my;
	int rc = -1;

	a->key = make_key("EC", "P-384");
	a->md = EVP_sha384();
	if (!a->key || prepare(a))
		return -1;
	mpz_init(mx);
	mpz_init(my);
	ecc_point_init(&a->nettle_key, nettle_get_secp_384r1());
	dsa_signature_init(&a->nettle_sig);
	a->nettle_ready = true;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)a->sig_len);
	if (sig && EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	    EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	    import48(mx, x) == 0 && import48(my, y) == 0 &&
	    ecc_point_set(&a->nettle_key, mx, my) == 1 &&
	    import48(a->nettle_sig.r, ECDSA_SIG_get0_r(sig)) == 0 &&
	    import48(a->nettle_sig.s, ECDSA_SIG_get0_s(sig)) == 0 &&
	    ecdsa_verify(&a->nettle_key, a->digest_len, a->digest, &a->nettle_sig) == 1)
		rc = 0;
	BN_free(x);
	BN_free(y);
	ECDSA_SIG_free(sig);
	mpz_clear(mx);
	mpz_clear(my);
	return rc;
}

static void *work_nettle(struct worker *w)
{
	const struct algorithm *a = w->alg;
	struct timespec cpu0, cpu1;
	bool ok = true;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
	/* Bounded by the stop flag the main thread raises after the interval. */
	while (ok && !atomic_load_explicit(w->stop, memory_order_relaxed)) {
		ok = ecdsa_verify(&a->nettle_key, a->digest_len, a->digest, &a->nettle_sig) == 1;
		w->ops += ok;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
	w->cpu = (double)(cpu1.tv_sec - cpu0.tv_sec) + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;
	w->failed = !ok;
	return NULL;
}

static void *work_gnutls(struct worker *w)
{
	const struct algorithm *a = w->alg;
	gnutls_datum_t digest = {(unsigned char *)a->digest, (unsigned)a->digest_len};
	struct timespec cpu0, cpu1;
	bool ok = true;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
	/* Bounded by the stop flag the main thread raises after the interval. */
	while (ok && !atomic_load_explicit(w->stop, memory_order_relaxed)) {
		ok = gnutls_pubkey_verify_hash2(a->gnutls_key, GNUTLS_SIGN_ECDSA_SHA384, 0, &digest,
						&a->gnutls_sig) >= 0;
		w->ops += ok;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
	w->cpu = (double)(cpu1.tv_sec - cpu0.tv_sec) + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;
	w->failed = !ok;
	return NULL;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct algorithm *a = w->alg;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(a->key, NULL);
	unsigned char sig[512];
	struct timespec cpu0, cpu1;
	int ok = ctx != NULL;

	if (a->op == OP_GNUTLS_VERIFY || a->op == OP_NETTLE_VERIFY) {
		EVP_PKEY_CTX_free(ctx);
		return a->op == OP_GNUTLS_VERIFY ? work_gnutls(w) : work_nettle(w);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
	if (ok && a->op == OP_VERIFY)
		ok = EVP_PKEY_verify_init(ctx) == 1;
	else if (ok)
		ok = EVP_PKEY_sign_init(ctx) == 1;
	if (ok && a->md)
		ok = EVP_PKEY_CTX_set_signature_md(ctx, a->md) == 1;
	/* Bounded by the stop flag the main thread raises after the interval. */
	while (ok && !atomic_load_explicit(w->stop, memory_order_relaxed)) {
		size_t len = sizeof(sig);
		if (a->op == OP_VERIFY)
			ok = EVP_PKEY_verify(ctx, a->sig, a->sig_len, a->digest, a->digest_len) == 1;
		else
			ok = EVP_PKEY_sign(ctx, sig, &len, a->digest, a->digest_len) == 1;
		w->ops += ok;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
	w->cpu = (double)(cpu1.tv_sec - cpu0.tv_sec) + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;
	w->failed = !ok;
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Operations per second of one algorithm over all threads, and the CPU
 * seconds one operation takes (*cpu_per_op: immune to other processes
 * taking cores away, unlike the rate); -1 on failure. */
static double measure(const struct algorithm *a, unsigned threads, double seconds,
		      double *cpu_per_op)
{
	struct worker workers[MAX_THREADS];
	atomic_bool stop = false;
	struct timespec nap = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	uint64_t total = 0;
	double cpu = 0;
	bool failed = false;
	unsigned started = 0;
	double t0 = now_seconds(), elapsed;

	for (unsigned i = 0; i < threads; i++) {
		workers[i] = (struct worker){.alg = a, .stop = &stop};
		if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0)
			break;
		started++;
	}
	nanosleep(&nap, NULL);
	atomic_store(&stop, true);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		total += workers[i].ops;
		cpu += workers[i].cpu;
		failed |= workers[i].failed;
	}
	elapsed = now_seconds() - t0;
	if (failed || started != threads || elapsed <= 0 || total == 0)
		return -1;
	*cpu_per_op = cpu / (double)total;
	return (double)total / elapsed;
}

int main(int argc, char **argv)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cores > 0 ? (unsigned)cores : 1;
	double seconds = 2;
	const char *json_path = NULL, *only = NULL;
	struct algorithm algs[] = {
		{.name = "ecdsap384_verify", .label = "ECDSA P-384 verify", .op = OP_VERIFY,
		 .digest_len = 48},
		{.name = "ecdsap256_verify", .label = "ECDSA P-256 verify", .op = OP_VERIFY,
		 .digest_len = 32},
		{.name = "rsa2048_verify", .label = "RSA-2048 verify", .op = OP_VERIFY, .digest_len = 32},
		{.name = "rsa2048_sign", .label = "RSA-2048 sign", .op = OP_SIGN, .digest_len = 32},
		{.name = "ecdsap384_verify_nettle", .label = "P-384 verify, nettle",
		 .op = OP_NETTLE_VERIFY, .digest_len = 48},
		{.name = "ecdsap384_verify_gnutls", .label = "P-384 verify, GnuTLS", .op = OP_GNUTLS_VERIFY,
		 .digest_len = 48},
	};
	const size_t n_algs = sizeof(algs) / sizeof(algs[0]);
	double rates[sizeof(algs) / sizeof(algs[0])], cpu_us[sizeof(algs) / sizeof(algs[0])];
	FILE *json = NULL;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--threads") == 0 && next) {
			threads = (unsigned)strtoul(next, NULL, 10);
			i++;
		} else if (strcmp(argv[i], "--seconds") == 0 && next) {
			seconds = strtod(next, NULL);
			i++;
		} else if (strcmp(argv[i], "--only") == 0 && next) {
			only = next;
			i++;
		} else if (strcmp(argv[i], "--json") == 0 && next) {
			json_path = next;
			i++;
		} else {
			fprintf(stderr, "usage: limits [--threads N] [--seconds S] [--only NAME] "
					"[--json FILE]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > MAX_THREADS || !(seconds >= 0.1 && seconds <= 600)) {
		fprintf(stderr, "limits: threads 1-%d, seconds 0.1-600\n", MAX_THREADS);
		return 2;
	}
	if (only) {
		size_t known = 0;
		for (size_t i = 0; i < n_algs; i++)
			known += strcmp(only, algs[i].name) == 0;
		if (!known) {
			fprintf(stderr, "limits: --only takes ecdsap384_verify, ecdsap256_verify, "
					"rsa2048_verify, rsa2048_sign, ecdsap384_verify_nettle or "
					"ecdsap384_verify_gnutls\n");
			return 2;
		}
	}
	algs[0].key = make_key("EC", "P-384");
	algs[0].md = EVP_sha384();
	algs[1].key = make_key("EC", "P-256");
	algs[1].md = EVP_sha256();
	algs[2].key = make_key("RSA", NULL);
	algs[2].md = EVP_sha256();
	algs[3].key = EVP_PKEY_dup(algs[2].key);
	algs[3].md = EVP_sha256();
	for (size_t i = 0; i < n_algs; i++) {
		int bad = algs[i].op == OP_GNUTLS_VERIFY   ? prepare_gnutls(&algs[i])
			  : algs[i].op == OP_NETTLE_VERIFY ? prepare_nettle(&algs[i])
							   : !algs[i].key || prepare(&algs[i]);
		if (bad) {
			fprintf(stderr, "limits: cannot set up %s\n", algs[i].label);
			goto out;
		}
	}
	for (size_t i = 0; i < n_algs; i++) {
		double cpu_per_op = 0;
		rates[i] = cpu_us[i] = 0;
		if (only && strcmp(only, algs[i].name) != 0)
			continue;
		rates[i] = measure(&algs[i], threads, seconds, &cpu_per_op);
		cpu_us[i] = cpu_per_op * 1e6;
		if (rates[i] < 0) {
			fprintf(stderr, "limits: %s failed\n", algs[i].label);
			goto out;
		}
		printf("%-20s %10.1f /s with %u thread%s (%.1f /s per thread; %.1f us of CPU each)\n",
		       algs[i].label, rates[i], threads, threads == 1 ? "" : "s", rates[i] / threads,
		       cpu_us[i]);
	}
	if (json_path) {
		json = fopen(json_path, "w");
		if (!json) {
			fprintf(stderr, "limits: %s: %s\n", json_path, strerror(errno));
			goto out;
		}
		fprintf(json, "{\n  \"threads\": %u,\n  \"seconds\": %.2f", threads, seconds);
		for (size_t i = 0; i < n_algs; i++) {
			if (only && strcmp(only, algs[i].name) != 0)
				continue;
			fprintf(json, ",\n  \"%s_per_second\": %.1f", algs[i].name, rates[i]);
			fprintf(json, ",\n  \"%s_cpu_us\": %.2f", algs[i].name, cpu_us[i]);
		}
		fprintf(json, "\n}\n");
		if (fclose(json) != 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n_algs; i++) {
		EVP_PKEY_free(algs[i].key);
		if (algs[i].gnutls_key)
			gnutls_pubkey_deinit(algs[i].gnutls_key);
		if (algs[i].nettle_ready) {
			ecc_point_clear(&algs[i].nettle_key);
			dsa_signature_clear(&algs[i].nettle_sig);
		}
		gnutls_free(algs[i].gnutls_sig.data);
	}
	return rc;
}
