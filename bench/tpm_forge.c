/*
 * tpm_forge.c - TPM evidence for `make bench`, made with OpenSSL alone.
 *
 *   tpm_forge golden --cases FILE --name NAME --out FILE
 *       Writes the request of one recorded Keylime case (golden/tpm-cases.json)
 *       as a request body.
 *   tpm_forge ima --entries N --ak-key PEM --ak-public B64FILE --out DIR
 *                 [--policy-name NAME] [--repeat R]
 *       Forges an ima-ng measurement list of N files, a runtime policy that
 *       lists every path with its digest, and a quote over the resulting
 *       PCR 10 (sha256 bank) signed by the given software AK, in the formats
 *       of ../shared/docs/KEYLIME-TPM.md §4 and §6: TPMS_ATTEST, TPMT_SIGNATURE
 *       (RSASSA, SHA-256) and the tpm2-tools PCR blob. Writes to DIR:
 *         policy.json          the runtime policy (for `teev policy add --kind runtime`)
 *         request.json         evidence naming the stored policy (runtime_policy_name)
 *         request-inline.json  the same with the policy inline (runtime_policy)
 *         hash-cost.json       the raw hashing the list needs, timed here: per entry
 *                              SHA-256 of the template, the SHA-256 PCR extend and
 *                              the SHA-1 template-hash check (best of R rounds)
 *
 * The layouts are written from the spec, not from teev's parser, so a parser
 * bug cannot hide in its own bench input; the bench checks every forged
 * request passes through the server before timing it.
 */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_ENTRIES 2000000
#define MAX_REPEAT 100
#define TEMPLATE_MAX 512
#define NONCE "benchNonce0123456789" /* 20 alphanumerics, like Keylime's tenant */

#define TPM_ALG_SHA256 0x000B
#define TPM_ALG_RSASSA 0x0014
#define TPM_ST_ATTEST_QUOTE 0x8018
#define TPM_GENERATED_VALUE 0xFF544347u
#define IMA_PCR 10
#define PCR_SLOTS 16       /* tpm2-tools' TPML_PCR_SELECTION in memory */
#define DIGESTS_PER_TPML 8 /* TPML_DIGEST: u32 count + 8 x (u16 size, 64 bytes) */

/* A growable byte buffer; big-endian (TPM) and little-endian (tpm2-tools
 * memory dump) writers. */
struct buf {
	uint8_t *data;
	size_t len, cap;
	bool failed;
};

static void put_bytes(struct buf *b, const void *p, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (!b->data || b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *grown;
		while (cap < b->len + n)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_u8(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put_bytes(b, &x, 1);
}

static void put_be(struct buf *b, uint64_t v, unsigned size)
{
	for (unsigned i = size; i > 0; i--)
		put_u8(b, (unsigned)(v >> (8 * (i - 1))) & 0xff);
}

static void put_le(struct buf *b, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		put_u8(b, (unsigned)(v >> (8 * i)) & 0xff);
}

static void put_zeros(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_u8(b, 0);
}

static char *b64_encode(const uint8_t *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static char *read_text(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	long size = -1;

	if (!fp) {
		fprintf(stderr, "tpm_forge: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0)
		size = ftell(fp);
	if (size >= 0 && fseek(fp, 0, SEEK_SET) == 0)
		text = malloc((size_t)size + 1);
	if (text && fread(text, 1, (size_t)size, fp) == (size_t)size) {
		text[size] = '\0';
		if (len)
			*len = (size_t)size;
	} else {
		free(text);
		text = NULL;
		fprintf(stderr, "tpm_forge: cannot read %s\n", path);
	}
	fclose(fp);
	return text;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *fp;
	int rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	fp = fopen(path, "w");
	if (!fp) {
		fprintf(stderr, "tpm_forge: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fputs(text, fp) == EOF)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* ---- golden: one recorded request ---- */

static int cmd_golden(const char *cases_path, const char *name, const char *out)
{
	struct json_object *cases = json_object_from_file(cases_path);
	int rc = -1;

	if (!cases || !json_object_is_type(cases, json_type_array)) {
		fprintf(stderr, "tpm_forge: %s is not a JSON array of cases\n", cases_path);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i), *n, *request;
		const char *text;
		if (!json_object_object_get_ex(c, "name", &n) ||
		    strcmp(json_object_get_string(n), name) != 0)
			continue;
		if (!json_object_object_get_ex(c, "request", &request))
			break;
		text = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE);
		if (strstr(text, "\"@base64file:")) {
			fprintf(stderr, "tpm_forge: case %s uses file placeholders; pick another\n",
				name);
			goto out;
		}
		rc = write_text(NULL, out, text);
		goto out;
	}
	fprintf(stderr, "tpm_forge: no case named %s in %s\n", name, cases_path);
out:
	json_object_put(cases);
	return rc;
}

/* ---- ima: list, policy, quote ---- */

struct digests {
	EVP_MD *sha1, *sha256;
	EVP_MD_CTX *ctx;
};

static int digest(struct digests *d, EVP_MD *md, const uint8_t *a, size_t a_len,
		  const uint8_t *b, size_t b_len, uint8_t *out)
{
	unsigned len = 0;

	if (EVP_DigestInit_ex2(d->ctx, md, NULL) != 1 || EVP_DigestUpdate(d->ctx, a, a_len) != 1 ||
	    (b && EVP_DigestUpdate(d->ctx, b, b_len) != 1) ||
	    EVP_DigestFinal_ex(d->ctx, out, &len) != 1)
		return -1;
	return 0;
}

/* The ima-ng template data (KEYLIME-TPM.md §6): d-ng ‖ n-ng, u32s little-endian. */
static size_t ima_ng_template(const uint8_t file_digest[32], const char *path, uint8_t *t)
{
	static const char alg[] = "sha256";
	size_t alg_len = strlen(alg), path_len = strlen(path), n = 0;
	uint32_t d_len = (uint32_t)(alg_len + 2 + 32), n_len = (uint32_t)(path_len + 1);

	for (unsigned i = 0; i < 4; i++)
		t[n++] = (uint8_t)(d_len >> (8 * i));
	memcpy(t + n, alg, alg_len);
	n += alg_len;
	t[n++] = ':';
	t[n++] = 0;
	memcpy(t + n, file_digest, 32);
	n += 32;
	for (unsigned i = 0; i < 4; i++)
		t[n++] = (uint8_t)(n_len >> (8 * i));
	memcpy(t + n, path, path_len);
	n += path_len;
	t[n++] = 0;
	return n;
}

/* A plausible path per entry, unique, about 50 characters. */
static void entry_path(size_t i, char *out, size_t cap)
{
	if (i == 0)
		snprintf(out, cap, "boot_aggregate");
	else
		snprintf(out, cap, "/usr/lib/x86_64-linux-gnu/bench%04zu/libbench%07zu.so.1", i / 1000,
			 i);
}

struct ima_list {
	size_t entries;
	uint8_t *templates; /* entries x TEMPLATE_MAX */
	size_t *template_len;
	uint8_t pcr10[32];
};

/* Builds the list text, the policy's digests and the templates. */
static int build_ima(struct digests *d, size_t entries, struct ima_list *l, struct buf *text,
		     struct json_object *policy_digests)
{
	uint8_t running[32] = {0};

	l->entries = entries;
	l->templates = malloc(entries * TEMPLATE_MAX);
	l->template_len = malloc(entries * sizeof(size_t));
	if (!l->templates || !l->template_len)
		return -1;
	for (size_t i = 0; i < entries; i++) {
		char path[256], file_hex[65], column_hex[41], line[512];
		uint8_t file_digest[32], column[20], bank_hash[32];
		uint8_t *t = l->templates + i * TEMPLATE_MAX;
		struct json_object *allowed;
		int n;

		entry_path(i, path, sizeof(path));
		if (digest(d, d->sha256, (const uint8_t *)path, strlen(path), NULL, 0, file_digest))
			return -1;
		l->template_len[i] = ima_ng_template(file_digest, path, t);
		/* The list's template-hash column: SHA-1 (Keylime's log_hash_alg). */
		if (digest(d, d->sha1, t, l->template_len[i], NULL, 0, column) ||
		    digest(d, d->sha256, t, l->template_len[i], NULL, 0, bank_hash) ||
		    digest(d, d->sha256, running, 32, bank_hash, 32, running))
			return -1;
		to_hex(file_digest, 32, file_hex);
		to_hex(column, 20, column_hex);
		n = snprintf(line, sizeof(line), "10 %s ima-ng sha256:%s %s\n", column_hex, file_hex,
			     path);
		put_bytes(text, line, (size_t)n);
		allowed = json_object_new_array();
		json_object_array_add(allowed, json_object_new_string(file_hex));
		json_object_object_add(policy_digests, path, allowed);
	}
	memcpy(l->pcr10, running, 32);
	put_u8(text, 0);
	text->len--; /* NUL-terminated, not counted */
	return text->failed ? -1 : 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The hashing a verifier cannot avoid for this list, timed alone: per entry
 * the bank's template hash, the PCR extend and the SHA-1 column check. */
static double time_hashing(struct digests *d, const struct ima_list *l, unsigned repeat)
{
	double best = -1;

	for (unsigned r = 0; r < repeat; r++) {
		uint8_t running[32] = {0}, h[32], column[20];
		double t0 = now_seconds(), dt;
		for (size_t i = 0; i < l->entries; i++) {
			const uint8_t *t = l->templates + i * TEMPLATE_MAX;
			if (digest(d, d->sha256, t, l->template_len[i], NULL, 0, h) ||
			    digest(d, d->sha256, running, 32, h, 32, running) ||
			    digest(d, d->sha1, t, l->template_len[i], NULL, 0, column))
				return -1;
		}
		dt = now_seconds() - t0;
		if (memcmp(running, l->pcr10, 32) != 0)
			return -1;
		if (best < 0 || dt < best)
			best = dt;
	}
	return best;
}

/* TPM2B_PUBLIC (base64 text) -> its bytes. */
static uint8_t *decode_ak(const char *b64, size_t *len)
{
	size_t n = strcspn(b64, " \r\n\t");
	uint8_t *out = malloc(n / 4 * 3 + 3);
	int got;

	if (!out || n % 4 != 0)
		goto fail;
	got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (got < 0)
		goto fail;
	*len = (size_t)got - (n >= 1 && b64[n - 1] == '=') - (n >= 2 && b64[n - 2] == '=');
	return out;
fail:
	free(out);
	return NULL;
}

/* TPMS_ATTEST of a quote over PCR 10 in the sha256 bank (big-endian). */
static int build_attest(struct digests *d, const uint8_t *ak_public, size_t ak_len,
			const uint8_t pcr10[32], struct buf *a)
{
	uint8_t name_hash[32], pcr_digest[32];

	if (ak_len < 2)
		return -1;
	/* qualifiedSigner: a TPM name (nameAlg ‖ H(TPMT_PUBLIC)); nobody checks it here. */
	if (digest(d, d->sha256, ak_public + 2, ak_len - 2, NULL, 0, name_hash) ||
	    digest(d, d->sha256, pcr10, 32, NULL, 0, pcr_digest))
		return -1;
	put_be(a, TPM_GENERATED_VALUE, 4);
	put_be(a, TPM_ST_ATTEST_QUOTE, 2);
	put_be(a, 2 + 32, 2);
	put_be(a, TPM_ALG_SHA256, 2);
	put_bytes(a, name_hash, 32);
	put_be(a, strlen(NONCE), 2); /* extraData: the nonce's UTF-8 bytes */
	put_bytes(a, NONCE, strlen(NONCE));
	put_be(a, 1000, 8);          /* clockInfo.clock */
	put_be(a, 0, 4);             /* resetCount */
	put_be(a, 0, 4);             /* restartCount */
	put_u8(a, 1);                /* safe */
	put_be(a, 0x2016051100162800ull, 8); /* firmwareVersion */
	put_be(a, 1, 4);             /* TPML_PCR_SELECTION.count */
	put_be(a, TPM_ALG_SHA256, 2);
	put_u8(a, 3);                /* sizeofSelect */
	put_u8(a, 0);
	put_u8(a, 1u << (IMA_PCR - 8));
	put_u8(a, 0);
	put_be(a, 32, 2); /* pcrDigest = H(PCR 10) */
	put_bytes(a, pcr_digest, 32);
	return a->failed ? -1 : 0;
}

/* TPMT_SIGNATURE: RSASSA with SHA-256 over the TPMS_ATTEST bytes. */
static int build_signature(EVP_PKEY *key, const struct buf *attest, struct buf *s)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t sig[512];
	size_t sig_len = sizeof(sig);
	int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestSign(md, sig, &sig_len, attest->data, attest->len) == 1;

	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	put_be(s, TPM_ALG_RSASSA, 2);
	put_be(s, TPM_ALG_SHA256, 2);
	put_be(s, sig_len, 2);
	put_bytes(s, sig, sig_len);
	return s->failed ? -1 : 0;
}

/* The tpm2-tools PCR blob (little-endian memory dump): TPML_PCR_SELECTION
 * with 16 slots of {u16 hash, u8 sizeofSelect, 3+1 select bytes, 1 pad},
 * then u32 N and N TPML_DIGESTs. */
static int build_pcr_blob(const uint8_t pcr10[32], struct buf *p)
{
	put_le(p, 1, 4);
	put_le(p, TPM_ALG_SHA256, 2);
	put_u8(p, 3);
	put_u8(p, 0);
	put_u8(p, 1u << (IMA_PCR - 8));
	put_u8(p, 0);
	put_u8(p, 0); /* spare select byte */
	put_u8(p, 0); /* padding */
	put_zeros(p, (size_t)(PCR_SLOTS - 1) * 8);
	put_le(p, 1, 4); /* one TPML_DIGEST */
	put_le(p, 1, 4); /* holding one digest */
	put_le(p, 32, 2);
	put_bytes(p, pcr10, 32);
	put_zeros(p, 64 - 32);
	put_zeros(p, (size_t)(DIGESTS_PER_TPML - 1) * (2 + 64));
	return p->failed ? -1 : 0;
}

static char *quote_string(const struct buf *attest, const struct buf *sig, const struct buf *pcrs)
{
	char *a = b64_encode(attest->data, attest->len);
	char *s = b64_encode(sig->data, sig->len);
	char *p = b64_encode(pcrs->data, pcrs->len);
	char *q = NULL;

	if (a && s && p) {
		size_t n = 1 + strlen(a) + 1 + strlen(s) + 1 + strlen(p) + 1;
		q = malloc(n);
		if (q)
			snprintf(q, n, "r%s:%s:%s", a, s, p);
	}
	free(a);
	free(s);
	free(p);
	return q;
}

static struct json_object *runtime_policy(struct json_object *digests)
{
	struct json_object *policy = json_object_new_object();
	struct json_object *meta = json_object_new_object();
	struct json_object *ima = json_object_new_object();

	json_object_object_add(meta, "version", json_object_new_int(1));
	json_object_object_add(meta, "generator", json_object_new_string("teev bench/tpm_forge"));
	json_object_object_add(policy, "meta", meta);
	json_object_object_add(policy, "release", json_object_new_int(0));
	json_object_object_add(policy, "digests", digests);
	json_object_object_add(policy, "excludes", json_object_new_array());
	json_object_object_add(policy, "keyrings", json_object_new_object());
	json_object_object_add(ima, "ignored_keyrings", json_object_new_array());
	json_object_object_add(ima, "log_hash_alg", json_object_new_string("sha1"));
	json_object_object_add(ima, "dm_policy", NULL);
	json_object_object_add(policy, "ima", ima);
	json_object_object_add(policy, "ima-buf", json_object_new_object());
	json_object_object_add(policy, "verification-keys", json_object_new_string(""));
	return policy;
}

static int write_request(const char *dir, const char *file, const char *quote, const char *ak_b64,
			 const struct buf *list, const char *policy_key, const char *policy_value)
{
	struct json_object *request = json_object_new_object();
	struct json_object *data = json_object_new_object();
	size_t ak_len = strcspn(ak_b64, " \r\n\t");
	int rc;

	json_object_object_add(request, "type", json_object_new_string("tpm"));
	json_object_object_add(data, "quote", json_object_new_string(quote));
	json_object_object_add(data, "nonce", json_object_new_string(NONCE));
	json_object_object_add(data, "hash_alg", json_object_new_string("sha256"));
	json_object_object_add(data, "tpm_ek", json_object_new_string("unused-but-required"));
	json_object_object_add(data, "tpm_ak", json_object_new_string_len(ak_b64, (int)ak_len));
	json_object_object_add(data, "ima_measurement_list",
			       json_object_new_string_len((const char *)list->data, (int)list->len));
	json_object_object_add(data, policy_key, json_object_new_string(policy_value));
	json_object_object_add(request, "data", data);
	rc = write_text(dir, file,
			json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN |
									JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(request);
	return rc;
}

static int cmd_ima(size_t entries, const char *key_path, const char *ak_path, const char *dir,
		   const char *policy_name, unsigned repeat)
{
	struct digests d = {0};
	struct ima_list l = {0};
	struct buf list = {0}, attest = {0}, sig = {0}, pcrs = {0};
	struct json_object *digests = json_object_new_object(), *policy = NULL;
	char *ak_b64 = read_text(ak_path, NULL), *quote = NULL, cost[512];
	const char *policy_text;
	uint8_t *ak = NULL;
	size_t ak_len = 0;
	EVP_PKEY *key = NULL;
	FILE *fp = fopen(key_path, "r");
	double hashing;
	int rc = -1;

	if (fp) {
		key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	d.sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	d.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	d.ctx = EVP_MD_CTX_new();
	if (!key || !ak_b64 || !d.sha1 || !d.sha256 || !d.ctx) {
		fprintf(stderr, "tpm_forge: cannot load the AK (%s, %s) or OpenSSL digests\n", key_path,
			ak_path);
		goto out;
	}
	ak = decode_ak(ak_b64, &ak_len);
	if (!ak || (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
		fprintf(stderr, "tpm_forge: bad AK public file or cannot create %s\n", dir);
		goto out;
	}
	if (build_ima(&d, entries, &l, &list, digests) ||
	    build_attest(&d, ak, ak_len, l.pcr10, &attest) || build_signature(key, &attest, &sig) ||
	    build_pcr_blob(l.pcr10, &pcrs)) {
		fprintf(stderr, "tpm_forge: building the evidence failed\n");
		goto out;
	}
	quote = quote_string(&attest, &sig, &pcrs);
	policy = runtime_policy(digests);
	digests = NULL; /* owned by policy */
	if (!quote)
		goto out;
	policy_text = json_object_to_json_string_ext(
		policy, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_text(dir, "policy.json", policy_text) ||
	    write_request(dir, "request.json", quote, ak_b64, &list, "runtime_policy_name",
			  policy_name) ||
	    write_request(dir, "request-inline.json", quote, ak_b64, &list, "runtime_policy",
			  policy_text))
		goto out;
	hashing = time_hashing(&d, &l, repeat);
	if (hashing < 0) {
		fprintf(stderr, "tpm_forge: timing the hashing failed\n");
		goto out;
	}
	snprintf(cost, sizeof(cost),
		 "{\n  \"entries\": %zu,\n  \"list_bytes\": %zu,\n  \"hash_seconds\": %.6f,\n"
		 "  \"hash_ns_per_entry\": %.1f,\n  \"hashes\": \"sha256(template) + sha256 extend + "
		 "sha1(template) per entry, OpenSSL EVP, one thread, best of %u\"\n}\n",
		 entries, list.len, hashing, hashing * 1e9 / (double)entries, repeat);
	if (write_text(dir, "hash-cost.json", cost))
		goto out;
	printf("tpm_forge: %zu entries (%zu bytes of list) in %s; raw hashing %.2f ms\n", entries,
	       list.len, dir, hashing * 1000);
	rc = 0;
out:
	json_object_put(digests);
	json_object_put(policy);
	EVP_PKEY_free(key);
	EVP_MD_free(d.sha1);
	EVP_MD_free(d.sha256);
	EVP_MD_CTX_free(d.ctx);
	free(l.templates);
	free(l.template_len);
	free(list.data);
	free(attest.data);
	free(sig.data);
	free(pcrs.data);
	free(quote);
	free(ak);
	free(ak_b64);
	return rc;
}

static void usage(FILE *out)
{
	fputs("usage: tpm_forge golden --cases FILE --name NAME --out FILE\n"
	      "       tpm_forge ima --entries N --ak-key PEM --ak-public B64FILE --out DIR\n"
	      "                     [--policy-name NAME] [--repeat R]\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cases = NULL, *name = NULL, *out = NULL, *key = NULL, *ak = NULL;
	const char *policy_name = "bench-ima";
	unsigned long entries = 0, repeat = 3;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];
		if (strcmp(opt, "--cases") == 0)
			cases = val;
		else if (strcmp(opt, "--name") == 0)
			name = val;
		else if (strcmp(opt, "--out") == 0)
			out = val;
		else if (strcmp(opt, "--ak-key") == 0)
			key = val;
		else if (strcmp(opt, "--ak-public") == 0)
			ak = val;
		else if (strcmp(opt, "--policy-name") == 0)
			policy_name = val;
		else if (strcmp(opt, "--entries") == 0)
			entries = strtoul(val, NULL, 10);
		else if (strcmp(opt, "--repeat") == 0)
			repeat = strtoul(val, NULL, 10);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (argc % 2 != 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "golden") == 0 && cases && name && out)
		return cmd_golden(cases, name, out) ? 1 : 0;
	if (strcmp(argv[1], "ima") == 0 && entries >= 1 && entries <= MAX_ENTRIES && key && ak &&
	    out && repeat >= 1 && repeat <= MAX_REPEAT)
		return cmd_ima(entries, key, ak, out, policy_name, (unsigned)repeat) ? 1 : 0;
	usage(stderr);
	return 2;
}
