/* ima.c - parses, replays and checks an IMA measurement list the way Keylime's
 * one-shot verifier does (keylime/ima/ima.py + ast.py; KEYLIME-TPM.md §6).
 *
 * Cost per entry: the template bytes are rebuilt in one scratch buffer (no
 * allocation of ours per line), hashed once per bank (twice when the policy's
 * log_hash_alg differs from the quoted bank), extended, and looked up in the
 * policy's hash table. EVP digests are fetched once per call and one
 * EVP_MD_CTX per algorithm is reused (OpenSSL 3.0 still reallocates its
 * provider state inside each EVP_DigestInit_ex2; nothing to do about it here).
 */
#include "verifier/ima.h"

#include <json-c/json.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy/runtime_policy.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"

#define IMA_PCR_COLUMN "10"
/* Template bytes never exceed the line by more than the fixed headers, and
 * the legacy "ima" name field is 256 bytes: this covers both. */
#define TEMPLATE_CAP (IMA_LINE_MAX + 512)
#define COLUMN_CAP (IMA_LINE_MAX / 2 + 1)
/* The quoted line in ima.parser.entry: failures keep 480 bytes anyway. */
#define QUOTED_LINE_MAX 400
#define LEGACY_NAME_FIELD 256

enum ima_template { TEMPLATE_IMA, TEMPLATE_IMA_NG, TEMPLATE_IMA_SIG, TEMPLATE_IMA_BUF };

static const char *const template_names[] = {"ima", "ima-ng", "ima-sig", "ima-buf"};

struct span {
	const char *p;
	size_t n;
};

/* One parsed line; pointers go into the line or into the run's scratch. */
struct ima_entry {
	struct span pcr;
	const uint8_t *column; /* decoded template-hash column */
	size_t column_len;
	enum ima_template kind;
	const uint8_t *digest; /* the file digest, inside the template bytes */
	size_t digest_len;
	struct span name;
	const uint8_t *buf; /* ima-buf data, inside the template bytes */
	size_t buf_len;
	size_t template_len;
};

struct ima_run {
	const struct ima_input *in;
	struct failures *f; /* NULL: replay only */
	int reported;
	EVP_MD *bank_md, *log_md;
	size_t bank_len, log_len;
	bool same_alg;
	/* One context per algorithm: re-initialising a context with another
	 * digest frees and reallocates its state on every call. */
	EVP_MD_CTX *bank_ctx, *log_ctx;
	uint8_t running[EVP_MAX_MD_SIZE];
	bool found;
	uint8_t *tmpl;   /* TEMPLATE_CAP bytes */
	uint8_t *column; /* COLUMN_CAP bytes */
	struct runtime_policy_matcher *matcher;
	size_t entries;
	/* The template of the first file entry (the kernel writes boot_aggregate
	 * first); -1 until seen. File entries must agree with it on whether
	 * they use the legacy "ima" template (check_entry). */
	int file_template;
	bool internal_error;
};

/* ---- text helpers with Python's semantics ---- */

/* Python's bytes.fromhex(): pairs of hex digits (either case), ASCII
 * whitespace allowed between pairs but not inside one. A table keeps this
 * hot loop branch-light: it decodes every hex column of every line. */
#define HEX_SPACE 17 /* entries hold digit + 1; 0 = not allowed */

static const uint8_t hex_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	[' '] = HEX_SPACE, ['\t'] = HEX_SPACE, ['\n'] = HEX_SPACE,
	['\v'] = HEX_SPACE, ['\f'] = HEX_SPACE, ['\r'] = HEX_SPACE,
};

static long py_fromhex(const char *s, size_t n, uint8_t *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, w = 0;

	while (i < n) {
		uint8_t hi = hex_table[u[i]], lo;

		if (hi == HEX_SPACE) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		lo = hex_table[u[i + 1]];
		hi = (uint8_t)(hi - 1);
		lo = (uint8_t)(lo - 1);
		if ((hi | lo) & 0xf0)
			return -1; /* not a digit (0 wraps to 255), or whitespace inside a pair */
		out[w++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return (long)w;
}

/* Python's s.split(" ", max - 1): at most max parts, single-space separated. */
static size_t split_spaces(struct span s, size_t max, struct span *parts)
{
	size_t count = 0, start = 0;

	while (count + 1 < max) {
		const char *sp = memchr(s.p + start, ' ', s.n - start);

		if (!sp)
			break;
		parts[count].p = s.p + start;
		parts[count++].n = (size_t)(sp - (s.p + start));
		start = (size_t)(sp - s.p) + 1;
	}
	parts[count].p = s.p + start;
	parts[count++].n = s.n - start;
	return count;
}

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static void put_le32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- template encodings (ima_template_lib.c; ast.py) ---- */

/* Splits "alg:hex" or "hex"; more than one ':' is a parse error. */
static int split_digest(struct span tok, struct span *alg, struct span *hex, bool *has_alg)
{
	const char *colon = memchr(tok.p, ':', tok.n);

	*has_alg = colon != NULL;
	if (!colon) {
		*hex = tok;
		return 0;
	}
	alg->p = tok.p;
	alg->n = (size_t)(colon - tok.p);
	hex->p = colon + 1;
	hex->n = tok.n - alg->n - 1;
	return memchr(hex->p, ':', hex->n) ? -1 : 0;
}

/* d-ng: u32 len ‖ alg ‖ ':' ‖ NUL ‖ digest, where a bare digest is named
 * sha1 or md5 by its length. Returns the bytes written at w, or -1. */
static long put_digest_ng(struct span tok, uint8_t *w, struct ima_entry *e)
{
	struct span alg = {0}, hex;
	bool has_alg;
	long dl;

	if (split_digest(tok, &alg, &hex, &has_alg) != 0)
		return -1;
	if (has_alg) {
		dl = py_fromhex(hex.p, hex.n, w + 4 + alg.n + 2);
		if (dl < 0)
			return -1;
		memcpy(w + 4, alg.p, alg.n);
	} else {
		/* Decode where a 4-letter name would leave it, then name it. */
		dl = py_fromhex(hex.p, hex.n, w + 4 + 4 + 2);
		if (dl == 20) {
			alg.n = 4;
			memcpy(w + 4, "sha1", 4);
		} else if (dl == 16) {
			alg.n = 3;
			memmove(w + 4 + 3 + 2, w + 4 + 4 + 2, 16);
			memcpy(w + 4, "md5", 3);
		} else {
			return -1;
		}
	}
	w[4 + alg.n] = ':';
	w[4 + alg.n + 1] = 0;
	put_le32(w, alg.n + 2 + (size_t)dl);
	e->digest = w + 4 + alg.n + 2;
	e->digest_len = (size_t)dl;
	return (long)(4 + alg.n + 2 + (size_t)dl);
}

/* n-ng: u32 (len + 1) ‖ name ‖ NUL. */
static size_t put_name_ng(struct span name, uint8_t *w)
{
	put_le32(w, name.n + 1);
	memcpy(w + 4, name.p, name.n);
	w[4 + name.n] = 0;
	return 4 + name.n + 1;
}

/* Legacy "ima": a bare 20-byte (sha1) or 16-byte (md5) digest and the name
 * NUL-padded to a 256-byte field, nothing else (ima_template_lib.c's "d" and
 * "n"). The template hash does not cover the template's name, so a looser
 * parser lets the bytes of an ima-ng or ima-sig entry be re-read as "ima"
 * with another name (a digest of any length taking all but the last 256
 * bytes): the kernel's digest length and a name without NULs keep the only
 * reading the kernel's own. */
static int build_ima(struct span rest, uint8_t *t, struct ima_entry *e)
{
	struct span parts[2], alg, hex;
	bool has_alg;
	long dl;

	if (split_spaces(rest, 2, parts) != 2 || split_digest(parts[0], &alg, &hex, &has_alg) != 0)
		return -1;
	if (has_alg)
		return -1; /* "alg:hex" is the ima-ng digest field, never the legacy one */
	dl = py_fromhex(hex.p, hex.n, t);
	if (dl != 20 && dl != 16)
		return -1;
	/* Upstream's struct.pack fails on names over 255 bytes; a parse error here. */
	if (parts[1].n > LEGACY_NAME_FIELD - 1 || memchr(parts[1].p, 0, parts[1].n))
		return -1;
	e->digest = t;
	e->digest_len = (size_t)dl;
	e->name = parts[1];
	memcpy(t + dl, parts[1].p, parts[1].n);
	memset(t + dl + parts[1].n, 0, LEGACY_NAME_FIELD - parts[1].n);
	e->template_len = (size_t)dl + LEGACY_NAME_FIELD;
	return 0;
}

/* "ima-ng": d-ng ‖ n-ng; the name is everything after the first space. */
static int build_ima_ng(struct span rest, uint8_t *t, struct ima_entry *e)
{
	struct span parts[2];
	long dl;

	if (split_spaces(rest, 2, parts) != 2)
		return -1;
	dl = put_digest_ng(parts[0], t, e);
	if (dl < 0)
		return -1;
	e->name = parts[1];
	e->template_len = (size_t)dl + put_name_ng(parts[1], t + dl);
	return 0;
}

/* The head shared by ima-sig and ima-buf: three fields, d-ng ‖ n-ng.
 * Returns the bytes written (the u32 length and blob follow), or -1. */
static long put_ng_head(struct span rest, uint8_t *t, struct ima_entry *e, struct span parts[3])
{
	long dl;

	if (split_spaces(rest, 3, parts) != 3)
		return -1;
	dl = put_digest_ng(parts[0], t, e);
	if (dl < 0)
		return -1;
	e->name = parts[1];
	return dl + (long)put_name_ng(parts[1], t + dl);
}

/* "ima-sig": d-ng ‖ n-ng ‖ u32 len ‖ sig. A signature that is not hex or
 * whose header (u8 type, u8 version, u8 hash, u32 keyid, u16 BE size) does
 * not announce exactly its length counts as absent (ast.py ImaSig). */
static int build_ima_sig(struct span rest, uint8_t *t, struct ima_entry *e)
{
	struct span parts[3];
	long head = put_ng_head(rest, t, e, parts), sl;
	size_t w;

	if (head < 0)
		return -1;
	w = (size_t)head;
	sl = py_fromhex(parts[2].p, parts[2].n, t + w + 4);
	if (sl < 9 || 9 + ((size_t)t[w + 4 + 7] << 8 | t[w + 4 + 8]) != (size_t)sl)
		sl = 0;
	put_le32(t + w, (size_t)sl);
	e->template_len = w + 4 + (size_t)sl;
	return 0;
}

/* "ima-buf": d-ng ‖ n-ng ‖ u32 len ‖ buf; the buffer must be hex. */
static int build_ima_buf(struct span rest, uint8_t *t, struct ima_entry *e)
{
	struct span parts[3];
	long head = put_ng_head(rest, t, e, parts), bl;
	size_t w;

	if (head < 0)
		return -1;
	w = (size_t)head;
	bl = py_fromhex(parts[2].p, parts[2].n, t + w + 4);
	if (bl < 0)
		return -1;
	put_le32(t + w, (size_t)bl);
	e->buf = t + w + 4;
	e->buf_len = (size_t)bl;
	e->template_len = w + 4 + (size_t)bl;
	return 0;
}

/* "<pcr> <template-hash hex> <template name> <template data>" → entry and
 * template bytes in r->tmpl. Returns -1 when Keylime's parser would raise. */
static int parse_line(struct ima_run *r, struct span line, struct ima_entry *e)
{
	struct span parts[4];
	long cl;

	memset(e, 0, sizeof(*e));
	if (line.n > IMA_LINE_MAX || split_spaces(line, 4, parts) != 4)
		return -1;
	e->pcr = parts[0];
	cl = py_fromhex(parts[1].p, parts[1].n, r->column);
	if (cl < 0)
		return -1;
	e->column = r->column;
	e->column_len = (size_t)cl;
	if (span_is(parts[2], "ima-ng")) {
		e->kind = TEMPLATE_IMA_NG;
		return build_ima_ng(parts[3], r->tmpl, e);
	}
	if (span_is(parts[2], "ima-sig")) {
		e->kind = TEMPLATE_IMA_SIG;
		return build_ima_sig(parts[3], r->tmpl, e);
	}
	if (span_is(parts[2], "ima-buf")) {
		e->kind = TEMPLATE_IMA_BUF;
		return build_ima_buf(parts[3], r->tmpl, e);
	}
	if (span_is(parts[2], "ima")) {
		e->kind = TEMPLATE_IMA;
		return build_ima(parts[3], r->tmpl, e);
	}
	return -1; /* ima-modsig, ima-ngv2, evm-sig, ...: no parser upstream */
}

/* ---- hashing ---- */

static int hash2(struct ima_run *r, EVP_MD_CTX *ctx, EVP_MD *md, const uint8_t *a, size_t a_len,
		 const uint8_t *b, size_t b_len, uint8_t *out)
{
	unsigned int len = 0;

	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, a, a_len) != 1 ||
	    (b && EVP_DigestUpdate(ctx, b, b_len) != 1) || EVP_DigestFinal_ex(ctx, out, &len) != 1) {
		r->internal_error = true;
		return -1;
	}
	return 0;
}

static const char *md_name(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return "SHA1";
	case TPM_ALG_SHA256:
		return "SHA256";
	case TPM_ALG_SHA384:
		return "SHA384";
	case TPM_ALG_SHA512:
		return "SHA512";
	case TPM_ALG_SM3_256:
		return "SM3";
	default:
		return NULL;
	}
}

/* ---- failures ---- */

static bool failures_room(const struct ima_run *r)
{
	return r->f->count < FAILURES_MAX;
}

/* Python's repr() of a bytes object: upstream puts these in ima_hash. */
static struct json_object *py_bytes_repr(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	bool single = memchr(b, '\'', n) != NULL, dbl = memchr(b, '"', n) != NULL;
	char quote = single && !dbl ? '"' : '\'';
	char *out = malloc(4 * n + 4), *w = out;
	struct json_object *s;

	if (!out)
		return NULL;
	*w++ = 'b';
	*w++ = quote;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];

		if (c == (uint8_t)quote || c == '\\') {
			*w++ = '\\';
			*w++ = (char)c;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			*w++ = '\\';
			*w++ = (char)(c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
		} else if (c < 0x20 || c >= 0x7f) {
			*w++ = '\\';
			*w++ = 'x';
			*w++ = digits[c >> 4];
			*w++ = digits[c & 15];
		} else {
			*w++ = (char)c;
		}
	}
	*w++ = quote;
	s = json_object_new_string_len(out, (int)(w - out));
	free(out);
	return s;
}

static struct json_object *hex_string(const uint8_t *b, size_t n)
{
	char *hex = malloc(2 * n + 1);
	struct json_object *s;

	if (!hex)
		return NULL;
	bytes_to_hex(b, n, hex);
	s = json_object_new_string_len(hex, (int)(2 * n));
	free(hex);
	return s;
}

static void report_not_in_allowlist(struct ima_run *r, struct span name)
{
	r->reported++;
	failures_add(r->f, "ima.validation.ima-ng.not_in_allowlist", "File not found in allowlist: %.*s",
		     (int)(name.n > QUOTED_LINE_MAX ? QUOTED_LINE_MAX : name.n), name.p);
}

static void report_hash_not_in_policy(struct ima_run *r, const struct runtime_policy_digests *d,
				      bool boot, const struct ima_entry *e)
{
	const struct ima_input *in = r->in;
	struct json_object *extra = NULL, *expected;

	r->reported++;
	if (failures_room(r)) {
		extra = json_object_new_object();
		expected = json_object_new_array();
		json_object_object_add(extra, "got", hex_string(e->digest, e->digest_len));
		runtime_policy_digests_append_json(in->policy, d, expected);
		/* Upstream appends each measured-boot aggregate not already listed. */
		for (size_t i = 0; boot && i < in->n_extra_boot_aggregates; i++)
			if (!runtime_policy_digests_contain(in->policy, d, in->extra_boot_aggregates[i],
							    in->extra_boot_aggregate_len))
				json_object_array_add(expected,
						      hex_string(in->extra_boot_aggregates[i],
								 in->extra_boot_aggregate_len));
		json_object_object_add(extra, "expected", expected);
	}
	failures_add_extra(r->f, extra, "ima.validation.ima-ng.runtime_policy_hash",
			   "Hash not found in runtime policy");
}

/* ---- content checks ---- */

/* _validate_ima_ng: excludes, then the name's digest list in one table. */
static void check_allowlist(struct ima_run *r, enum runtime_policy_table table,
			    const struct ima_entry *e)
{
	const struct ima_input *in = r->in;
	const struct runtime_policy_digests *d;
	bool boot = table == RUNTIME_POLICY_DIGESTS && in->n_extra_boot_aggregates > 0 &&
		    span_is(e->name, "boot_aggregate");

	if (r->matcher && runtime_policy_excluded(in->policy, r->matcher, e->name.p, e->name.n))
		return;
	d = runtime_policy_lookup(in->policy, table, e->name.p, e->name.n);
	if (!d && !boot) {
		report_not_in_allowlist(r, e->name);
		return;
	}
	if (runtime_policy_digests_contain(in->policy, d, e->digest, e->digest_len))
		return;
	for (size_t i = 0; boot && i < in->n_extra_boot_aggregates; i++)
		if (e->digest_len == in->extra_boot_aggregate_len &&
		    memcmp(e->digest, in->extra_boot_aggregates[i], e->digest_len) == 0)
			return;
	report_hash_not_in_policy(r, d, boot, e);
}

enum buffer_kind { BUFFER_NOT_A_KEY, BUFFER_KEY, BUFFER_UNSUPPORTED_KEY };

static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1; /* encrypted keys are not keys here, and never prompt on a tty */
}

/* DER object that must span the whole buffer, like the Python loaders. */
static bool consumed(const unsigned char *q, const uint8_t *buf, size_t len)
{
	return q == buf + len;
}

static EVP_PKEY *load_any_key(const uint8_t *buf, size_t len)
{
	const unsigned char *q;
	EVP_PKEY *key = NULL;
	X509 *cert;
	BIO *bio;

	if (len > LONG_MAX)
		return NULL;
	/* file_signatures.get_pubkey() order: DER/PEM certificate, DER/PEM
	 * public key, DER/PEM private key. */
	q = buf;
	cert = d2i_X509(NULL, &q, (long)len);
	if (cert && consumed(q, buf, len))
		key = X509_get_pubkey(cert);
	X509_free(cert);
	if (!key && memmem(buf, len, "-----BEGIN", 10)) {
		bio = BIO_new_mem_buf(buf, (int)len);
		cert = bio ? PEM_read_bio_X509(bio, NULL, no_password, NULL) : NULL;
		if (cert)
			key = X509_get_pubkey(cert);
		X509_free(cert);
		BIO_free(bio);
	}
	if (!key) {
		q = buf;
		key = d2i_PUBKEY(NULL, &q, (long)len);
		if (key && !consumed(q, buf, len)) {
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	if (!key) {
		/* PKCS#1 RSAPublicKey: cryptography's DER loader accepts it too. */
		q = buf;
		key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)len);
		if (key && !consumed(q, buf, len)) {
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	if (!key && memmem(buf, len, "-----BEGIN", 10)) {
		bio = BIO_new_mem_buf(buf, (int)len);
		key = bio ? PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL) : NULL;
		BIO_free(bio);
	}
	if (!key) {
		q = buf;
		key = d2i_AutoPrivateKey(NULL, &q, (long)len);
		if (key && !consumed(q, buf, len)) {
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	if (!key && memmem(buf, len, "-----BEGIN", 10)) {
		bio = BIO_new_mem_buf(buf, (int)len);
		key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
		BIO_free(bio);
	}
	ERR_clear_error(); /* failed attempts are expected, not errors */
	return key;
}

/* Is the ima-buf data a key, and one Keylime supports (RSA or EC)? For the
 * unsupported ones, *type_name is cryptography's class name, which upstream
 * prints. */
static enum buffer_kind classify_buffer(const uint8_t *buf, size_t len, const char **type_name)
{
	static const struct {
		const char *openssl, *python;
	} names[] = {
		{"ED25519", "Ed25519PublicKey"}, {"ED448", "Ed448PublicKey"},
		{"X25519", "X25519PublicKey"},   {"X448", "X448PublicKey"},
		{"DSA", "DSAPublicKey"},         {"DH", "DHPublicKey"},
		{"DHX", "DHPublicKey"},
	};
	EVP_PKEY *key = load_any_key(buf, len);
	enum buffer_kind kind = BUFFER_NOT_A_KEY;

	if (!key)
		return BUFFER_NOT_A_KEY;
	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS") || EVP_PKEY_is_a(key, "EC")) {
		kind = BUFFER_KEY;
	} else if (EVP_PKEY_is_a(key, "SM2")) {
		kind = BUFFER_NOT_A_KEY; /* cryptography cannot load SM2: not a key upstream */
	} else {
		kind = BUFFER_UNSUPPORTED_KEY;
		*type_name = "UnknownPublicKey";
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (EVP_PKEY_is_a(key, names[i].openssl))
				*type_name = names[i].python;
	}
	EVP_PKEY_free(key);
	return kind;
}

/* _validate_ima_buf: keys go to "keyrings" unless the keyring is ignored;
 * other buffers to "ima-buf" (device-mapper policies are refused earlier). */
static void check_ima_buf(struct ima_run *r, const struct ima_entry *e)
{
	const char *type_name = "";

	switch (classify_buffer(e->buf, e->buf_len, &type_name)) {
	case BUFFER_UNSUPPORTED_KEY:
		r->reported++;
		failures_add(r->f, "ima.invalid_key",
			     "key from %.*s does not have a supported key: Unsupported key type %s",
			     (int)(e->name.n > QUOTED_LINE_MAX ? QUOTED_LINE_MAX : e->name.n),
			     e->name.p, type_name);
		return;
	case BUFFER_KEY:
		if (!runtime_policy_keyring_ignored(r->in->policy, e->name.p, e->name.n))
			check_allowlist(r, RUNTIME_POLICY_KEYRINGS, e);
		return;
	case BUFFER_NOT_A_KEY:
		check_allowlist(r, RUNTIME_POLICY_IMA_BUF, e);
		return;
	}
}

/* Entry.invalid() and the validators, for one entry. bank_hash is
 * H_bank(template) when it was computed (reused when the algorithms agree). */
static void check_entry(struct ima_run *r, const struct ima_entry *e, const uint8_t *bank_hash)
{
	uint8_t log_hash[EVP_MAX_MD_SIZE];
	const uint8_t *expected_hash = bank_hash;

	if (!span_is(e->pcr, IMA_PCR_COLUMN)) {
		struct json_object *extra = NULL;

		r->reported++;
		if (failures_room(r)) {
			extra = json_object_new_object();
			json_object_object_add(extra, "expected", json_object_new_string(IMA_PCR_COLUMN));
			json_object_object_add(extra, "got",
					       json_object_new_string_len(e->pcr.p, (int)e->pcr.n));
		}
		failures_add_extra(r->f, extra, "ima.validation.ima_pcr",
				   "IMA PCR is not the configured one");
	}

	/* The legacy template has no length fields, so its bytes are the only
	 * ones that can be re-read under another name (build_ima); ima-ng,
	 * ima-sig and ima-buf share d-ng ‖ n-ng, so a line relabelled among
	 * them keeps its name. Kernels mix those three (IMA policy rules may
	 * name their own template), never them with "ima". */
	if (e->kind != TEMPLATE_IMA_BUF && r->file_template >= 0 &&
	    (e->kind == TEMPLATE_IMA) != (r->file_template == TEMPLATE_IMA)) {
		struct json_object *extra = NULL;

		r->reported++;
		if (failures_room(r)) {
			extra = json_object_new_object();
			json_object_object_add(
				extra, "expected",
				json_object_new_string(template_names[r->file_template]));
			json_object_object_add(extra, "got",
					       json_object_new_string(template_names[e->kind]));
		}
		failures_add_extra(r->f, extra, "ima.validation.ima_template",
				   "IMA entry and the list's first entry (boot_aggregate) do not "
				   "both use the legacy ima template");
		return;
	}

	/* A measurement violation (ToMToU, open writers) is the only entry the
	 * kernel logs with an all-zero column (and extends as all-FF): its
	 * content is not checked. Any other column, all-FF included, must be
	 * the template's hash: upstream also skips an all-FF column, which
	 * would hide any file whose line is edited to carry one. Upstream's
	 * switch is inverted: ignore_tomtou_errors=True reports violations. */
	if (e->column_len == r->log_len && all_bytes(e->column, e->column_len, 0)) {
		if (r->in->ignore_tomtou) {
			r->reported++;
			failures_add(r->f, "ima.validation.tomtou", "hash validation was skipped");
		}
		return;
	}

	if (!r->same_alg || !bank_hash) {
		if (hash2(r, r->log_ctx, r->log_md, r->tmpl, e->template_len, NULL, 0, log_hash) != 0)
			return;
		expected_hash = log_hash;
	}
	if (e->column_len != r->log_len || memcmp(e->column, expected_hash, r->log_len) != 0) {
		struct json_object *extra = NULL;

		r->reported++;
		if (failures_room(r)) {
			extra = json_object_new_object();
			json_object_object_add(extra, "expected",
					       py_bytes_repr(e->column, e->column_len));
			json_object_object_add(extra, "got", py_bytes_repr(r->tmpl, e->template_len));
		}
		failures_add_extra(r->f, extra, "ima.validation.ima_hash",
				   "IMA template hash does not match the calculated hash.");
		return;
	}

	if (e->kind == TEMPLATE_IMA_BUF)
		check_ima_buf(r, e);
	else
		check_allowlist(r, RUNTIME_POLICY_DIGESTS, e); /* ima-sig signatures are not verified */
}

/* ---- the run ---- */

static void report_unparsable(struct ima_run *r, struct span line)
{
	r->reported++;
	failures_add(r->f, "ima.parser.entry", "Line was not parsable into a valid IMA entry: %.*s",
		     (int)(line.n > QUOTED_LINE_MAX ? QUOTED_LINE_MAX : line.n), line.p);
}

static void process_line(struct ima_run *r, struct span line)
{
	struct ima_entry e;
	uint8_t template_hash[EVP_MAX_MD_SIZE];
	const uint8_t *bank_hash = NULL;

	if (parse_line(r, line, &e) != 0) {
		if (r->f)
			report_unparsable(r, line);
		return; /* not extended */
	}
	r->entries++;
	if (e.kind != TEMPLATE_IMA_BUF && r->file_template < 0)
		r->file_template = (int)e.kind;
	/* The slot's cache miss then overlaps the hashing below. */
	if (r->f && e.kind != TEMPLATE_IMA_BUF)
		runtime_policy_prefetch(r->in->policy, RUNTIME_POLICY_DIGESTS, e.name.p, e.name.n);

	/* Every parsed entry is extended, whatever its PCR column. */
	if (e.column_len == r->log_len && all_bytes(e.column, e.column_len, 0)) {
		memset(template_hash, 0xff, r->bank_len);
	} else {
		if (hash2(r, r->bank_ctx, r->bank_md, r->tmpl, e.template_len, NULL, 0, template_hash) != 0)
			return;
		bank_hash = template_hash;
	}
	if (hash2(r, r->bank_ctx, r->bank_md, r->running, r->bank_len, template_hash, r->bank_len, r->running) != 0)
		return;
	if (!r->found && r->in->pcr10_len == r->bank_len &&
	    memcmp(r->running, r->in->pcr10, r->bank_len) == 0)
		r->found = true;

	if (r->f)
		check_entry(r, &e, bank_hash);
}

static int run_setup(struct ima_run *r, const struct ima_input *in, uint16_t log_alg)
{
	const char *bank_name = md_name(in->bank), *log_name = md_name(log_alg);

	if (!bank_name || !log_name)
		return -1;
	r->in = in;
	r->file_template = -1;
	r->bank_md = EVP_MD_fetch(NULL, bank_name, NULL);
	r->log_md = EVP_MD_fetch(NULL, log_name, NULL);
	r->bank_ctx = EVP_MD_CTX_new();
	r->log_ctx = EVP_MD_CTX_new();
	r->tmpl = malloc(TEMPLATE_CAP);
	r->column = malloc(COLUMN_CAP);
	if (!r->bank_md || !r->log_md || !r->bank_ctx || !r->log_ctx || !r->tmpl || !r->column)
		return -1;
	r->bank_len = (size_t)EVP_MD_get_size(r->bank_md);
	r->log_len = (size_t)EVP_MD_get_size(r->log_md);
	r->same_alg = in->bank == log_alg;
	memset(r->running, 0, sizeof(r->running));
	/* The quote may predate every entry: a PCR equal to its reset value matches. */
	r->found = !in->pcr10 || (in->pcr10_len == r->bank_len &&
				   bytes_all_zero(in->pcr10, in->pcr10_len));
	return 0;
}

static void run_cleanup(struct ima_run *r)
{
	runtime_policy_matcher_free(r->matcher);
	EVP_MD_free(r->bank_md);
	EVP_MD_free(r->log_md);
	EVP_MD_CTX_free(r->bank_ctx);
	EVP_MD_CTX_free(r->log_ctx);
	free(r->tmpl);
	free(r->column);
}

/* Splits on '\n' (only '\n': a '\r' stays in the line) and skips empty lines. */
static void run_lines(struct ima_run *r)
{
	const char *p = r->in->list, *end = p ? p + r->in->list_len : NULL;
	size_t lines = 0;

	while (p && p < end && !r->internal_error) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct span line = {p, nl ? (size_t)(nl - p) : (size_t)(end - p)};

		if (++lines > IMA_MAX_LINES) {
			if (r->f) {
				r->reported++;
				failures_add(r->f, "ima.parser.entry",
					     "IMA measurement list has more than %d lines; the rest was not read",
					     IMA_MAX_LINES);
			}
			break;
		}
		if (line.n)
			process_line(r, line);
		p = nl ? nl + 1 : end;
	}
}

int ima_verify(const struct ima_input *in, struct failures *f)
{
	struct ima_run r;
	const struct runtime_policy_info *info;
	uint16_t log_alg = TPM_ALG_SHA1; /* Keylime's empty policy says sha1 */
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (!in || !f || (in->list_len && !in->list) ||
	    (in->n_extra_boot_aggregates &&
	     (!in->extra_boot_aggregates || in->extra_boot_aggregate_len > 64)))
		return -1;
	info = runtime_policy_info(in->policy);
	if (info)
		log_alg = info->log_hash_alg;
	if (run_setup(&r, in, log_alg) != 0)
		goto out;
	r.f = f;
	r.matcher = runtime_policy_matcher_new(in->policy);
	if (info && info->n_excludes && !info->excludes_ignored && !r.matcher)
		goto out; /* could not allocate the regex scratch */

	run_lines(&r);
	if (r.internal_error)
		goto out;
	if (!r.found) {
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		size_t n = in->pcr10_len > EVP_MAX_MD_SIZE ? EVP_MAX_MD_SIZE : in->pcr10_len;

		bytes_to_hex(in->pcr10, n, hex);
		r.reported++;
		failures_add(f, "ima.pcr_mismatch", "IMA measurement list does not match TPM PCR %s", hex);
	}
	rc = r.reported;
out:
	run_cleanup(&r);
	return rc;
}

int ima_replay(const char *list, size_t list_len, uint16_t bank, uint16_t log_hash_alg,
	       uint8_t out[64], size_t *out_len, size_t *entries)
{
	struct ima_input in = {.list = list, .list_len = list_len, .bank = bank};
	struct ima_run r;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if ((list_len && !list) || !out || !out_len)
		return -1;
	if (run_setup(&r, &in, log_hash_alg) != 0)
		goto out;
	run_lines(&r);
	if (r.internal_error)
		goto out;
	memcpy(out, r.running, r.bank_len);
	*out_len = r.bank_len;
	if (entries)
		*entries = r.entries;
	rc = 0;
out:
	run_cleanup(&r);
	return rc;
}
