/* test_bad_input.c - hostile input through the real `teev serve` over mTLS:
 * one table of cases, each {name, bytes, expected status range, text that
 * must appear}, run against the running server.
 *
 * Bodies of POST /v2.5/verify/evidence go through libcurl (harness_request):
 * truncated and invalid JSON, deep nesting, huge strings, wrong types for
 * every field of both evidence types, invalid and non-canonical base64,
 * non-UTF-8, duplicate keys, NUL bytes. Raw HTTP (wrong Content-Length,
 * chunked bodies, header floods) goes through a TLS socket of our own
 * (OpenSSL, with the client certificate) so the exact bytes are sent; every
 * read there is bounded, so a server that hangs fails the case instead of
 * the run.
 *
 * Every case must get a 4xx naming the problem, or for raw-protocol cases a
 * 4xx or a clean close; never a 5xx, a hang or a crash. A few fields answer
 * 200 with qoute_validation.invalid_quote on purpose (Keylime's catch-all for
 * a bad quote, AK, PCR policy or boot log; README "TPM evidence"): their rows
 * say so. After the catalog the server must answer GET /version and still
 * run. TEEV_TEST_VERBOSE=1 prints every case's answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVIDENCE "/v2.5/verify/evidence"
#define MIB ((size_t)1024 * 1024)
/* Upper bound on any raw exchange; the server's connection_timeout is 5 s. */
#define RAW_DEADLINE_MS 15000
#define RAW_REPLY_MAX (256 * 1024)

enum server_choice { SRV_DEFAULT, SRV_SMALL }; /* SMALL: max_upload_size = 1 MiB */
enum transport { VIA_CURL, VIA_RAW };

struct bad_case {
	char name[96];
	enum server_choice server;
	enum transport transport;
	char *bytes; /* the body (curl) or the whole request (raw); owned */
	size_t len;
	bool close_after; /* raw: send close_notify after the bytes */
	int lo, hi;       /* expected status range */
	bool may_close;   /* raw: a close without an answer is fine too */
	const char *text; /* must appear in the answer (NULL: nothing required) */
};

struct catalog {
	struct bad_case *cases;
	size_t count, cap;
};

struct suite {
	struct teev_server def, small;
	struct client_identity def_client, small_client;
	struct catalog catalog;
	char shared[512];
};

static struct suite *S(void **state)
{
	return *state;
}

/* ---- building the catalog ---- */

static struct bad_case *add_case(struct catalog *c, const char *name, const void *bytes,
				 size_t len, int lo, int hi, const char *text)
{
	struct bad_case *k;

	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct bad_case *grown = realloc(c->cases, cap * sizeof(*grown));
		if (!grown)
			abort();
		c->cases = grown;
		c->cap = cap;
	}
	k = &c->cases[c->count++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->bytes = malloc(len + 1);
	if (!k->bytes)
		abort();
	memcpy(k->bytes, bytes, len);
	k->bytes[len] = '\0';
	k->len = len;
	k->lo = lo;
	k->hi = hi;
	k->text = text;
	return k;
}

static struct bad_case *add_text(struct catalog *c, const char *name, const char *body, int lo,
				 int hi, const char *text)
{
	return add_case(c, name, body, strlen(body), lo, hi, text);
}

static struct bad_case *add_raw(struct catalog *c, const char *name, const void *bytes, size_t len,
				int lo, int hi, bool may_close, const char *text)
{
	struct bad_case *k = add_case(c, name, bytes, len, lo, hi, text);
	k->transport = VIA_RAW;
	k->may_close = may_close;
	return k;
}

static char *doc_text(struct json_object *doc)
{
	char *text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!text)
		abort();
	return text;
}

/* Sets (or adds) the member at a dotted path; value is owned. */
static void set_path(struct json_object *doc, const char *path, struct json_object *value)
{
	char buf[256];
	char *dot, *key = buf;
	struct json_object *at = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(key, '.')) != NULL) {
		*dot = '\0';
		at = json_object_object_get(at, key);
		if (!at)
			abort();
		key = dot + 1;
	}
	json_object_object_add(at, key, value);
}

static const char *get_path_string(struct json_object *doc, const char *path)
{
	char buf[256];
	char *dot, *key = buf;
	struct json_object *at = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(key, '.')) != NULL) {
		*dot = '\0';
		at = json_object_object_get(at, key);
		key = dot + 1;
	}
	return json_object_get_string(json_object_object_get(at, key));
}

/* The base document with one member replaced by value (owned). */
static char *variant(const char *base, const char *path, struct json_object *value)
{
	struct json_object *doc = json_tokener_parse(base);
	char *text;

	if (!doc)
		abort();
	set_path(doc, path, value);
	text = doc_text(doc);
	json_object_put(doc);
	return text;
}

static char *variant_string(const char *base, const char *path, const char *value, size_t len)
{
	return variant(base, path, json_object_new_string_len(value, (int)len));
}

/* The base document with one member removed. */
static char *without(const char *base, const char *path)
{
	struct json_object *doc = json_tokener_parse(base);
	char buf[256];
	char *dot, *key = buf;
	struct json_object *at = doc;
	char *text;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(key, '.')) != NULL) {
		*dot = '\0';
		at = json_object_object_get(at, key);
		key = dot + 1;
	}
	json_object_object_del(at, key);
	text = doc_text(doc);
	json_object_put(doc);
	return text;
}

static struct bad_case *add_owned(struct catalog *c, const char *name, char *body, int lo,
				  int hi, const char *text)
{
	struct bad_case *k = add_text(c, name, body, lo, hi, text);
	free(body);
	return k;
}

/* The base64 text of field with its last data character changed so that
 * the unused low bits are not zero: valid alphabet, not canonical. */
static char *non_canonical(const char *b64)
{
	char *t = strdup(b64);
	size_t n = strlen(t);

	if (!t)
		abort();
	while (n > 0 && t[n - 1] == '=')
		n--;
	if (n > 0)
		t[n - 1] = t[n - 1] == 'A' ? 'B' : t[n - 1] == 'Q' ? 'R' : (char)(t[n - 1] + 1);
	return t;
}

static const char *const wrong_type_names[5] = {"number", "array", "object", "null", "true"};

static struct json_object *wrong_value(int i)
{
	switch (i) {
	case 0:
		return json_object_new_int(42);
	case 1: {
		struct json_object *a = json_object_new_array();
		json_object_array_add(a, json_object_new_int(1));
		return a;
	}
	case 2: {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "a", json_object_new_int(1));
		return o;
	}
	case 3:
		return NULL; /* JSON null */
	default:
		return json_object_new_boolean(1);
	}
}

/* Expected answer of one wrong-typed field, per JSON type
 * (number, array, object, null, true). */
struct type_rule {
	const char *path;
	struct {
		int lo, hi;
		const char *text;
	} by_type[5];
};

#define R400(t) {400, 400, t}
#define R200(t) {200, 200, t}
#define SAME5(r) {r, r, r, r, r}

static const struct type_rule tee_rules[] = {
	{"type", SAME5(R400("invalid evidence type"))},
	{"data",
	 {R400("parameter \\\"data\\\" must be a JSON object"),
	  R400("parameter \\\"data\\\" must be a JSON object"),
	  R400("missing parameter \\\"tee-evidence\\\""),
	  R400("parameter \\\"data\\\" must be a JSON object"),
	  R400("parameter \\\"data\\\" must be a JSON object")}},
	{"data.tee-evidence",
	 {R400("\\\"tee-evidence\\\" must be a JSON object"),
	  R400("\\\"tee-evidence\\\" must be a JSON object"),
	  R400("missing parameter \\\"tee\\\""), R400("missing parameter \\\"tee-evidence\\\""),
	  R400("\\\"tee-evidence\\\" must be a JSON object")}},
	{"data.tee-evidence.tee",
	 {R400("invalid tee argument"), R400("invalid tee argument"),
	  R400("invalid tee argument"), R400("missing parameter \\\"tee\\\""),
	  R400("invalid tee argument")}},
	{"data.tee-evidence.evidence",
	 {R400("\\\"evidence\\\" must be a JSON object"),
	  R400("\\\"evidence\\\" must be a JSON object"),
	  R400("missing parameter \\\"snp-report\\\""),
	  R400("missing parameter \\\"evidence\\\""),
	  R400("\\\"evidence\\\" must be a JSON object")}},
	{"data.tee-evidence.evidence.snp-report",
	 {R400("\\\"snp-report\\\" must be a string"), R400("\\\"snp-report\\\" must be a string"),
	  R400("\\\"snp-report\\\" must be a string"),
	  R400("missing parameter \\\"snp-report\\\""),
	  R400("\\\"snp-report\\\" must be a string")}},
	/* certs-buf is optional: null means "none" (README: "<base64> | null"). */
	{"data.tee-evidence.evidence.certs-buf",
	 {R400("\\\"certs-buf\\\" must be a string"), R400("\\\"certs-buf\\\" must be a string"),
	  R400("\\\"certs-buf\\\" must be a string"), R200("\"valid\":false"),
	  R400("\\\"certs-buf\\\" must be a string")}},
	{"data.nonce",
	 {R400("\\\"nonce\\\" must be a string"), R400("\\\"nonce\\\" must be a string"),
	  R400("\\\"nonce\\\" must be a string"), R400("missing parameter \\\"nonce\\\""),
	  R400("\\\"nonce\\\" must be a string")}},
	{"data.tee-pubkey-x-b64",
	 {R400("\\\"tee-pubkey-x-b64\\\" must be a string"),
	  R400("\\\"tee-pubkey-x-b64\\\" must be a string"),
	  R400("\\\"tee-pubkey-x-b64\\\" must be a string"),
	  R400("missing parameter \\\"tee-pubkey-x-b64\\\""),
	  R400("\\\"tee-pubkey-x-b64\\\" must be a string")}},
	{"data.tee-pubkey-y-b64",
	 {R400("\\\"tee-pubkey-y-b64\\\" must be a string"),
	  R400("\\\"tee-pubkey-y-b64\\\" must be a string"),
	  R400("\\\"tee-pubkey-y-b64\\\" must be a string"),
	  R400("missing parameter \\\"tee-pubkey-y-b64\\\""),
	  R400("\\\"tee-pubkey-y-b64\\\" must be a string")}},
	/* teev's extension; optional, null means the configured default. */
	{"data.tee-policy",
	 {R400("\\\"tee-policy\\\" must be a string"), R400("\\\"tee-policy\\\" must be a string"),
	  R400("\\\"tee-policy\\\" must be a string"), R200("\"valid\":false"),
	  R400("\\\"tee-policy\\\" must be a string")}},
};

#define INVALID_QUOTE "qoute_validation.invalid_quote"

static const struct type_rule tpm_rules[] = {
	{"type", SAME5(R400("invalid evidence type"))},
	{"data",
	 {R400("parameter \\\"data\\\" must be a JSON object"),
	  R400("parameter \\\"data\\\" must be a JSON object"),
	  R400("missing parameter \\\"quote\\\""),
	  R400("parameter \\\"data\\\" must be a JSON object"),
	  R400("parameter \\\"data\\\" must be a JSON object")}},
	{"data.quote", SAME5(R400("parameter \\\"quote\\\" must be a string"))},
	{"data.nonce", SAME5(R400("parameter \\\"nonce\\\" must be a string"))},
	{"data.hash_alg", SAME5(R400("parameter \\\"hash_alg\\\" must be a string"))},
	{"data.tpm_ek", SAME5(R400("parameter \\\"tpm_ek\\\" must be a string"))},
	{"data.tpm_ak", SAME5(R400("parameter \\\"tpm_ak\\\" must be a string"))},
	/* A PCR policy that does not parse is Keylime's invalid_quote (200);
	 * null is no policy at all, and the base request has no other. */
	{"data.tpm_policy",
	 {R200(INVALID_QUOTE), R200(INVALID_QUOTE), R200(INVALID_QUOTE),
	  R400("default.missing_policy"), R200(INVALID_QUOTE)}},
	{"data.tpm_policy_name",
	 {R400("default.ambiguous_policy"), R400("default.ambiguous_policy"),
	  R400("default.ambiguous_policy"), R200("\"valid\":true"),
	  R400("default.ambiguous_policy")}},
	{"data.runtime_policy",
	 {R400("must be a JSON string holding the runtime policy"),
	  R400("must be a JSON string holding the runtime policy"),
	  R400("must be a JSON string holding the runtime policy"), R200("\"valid\":true"),
	  R400("must be a JSON string holding the runtime policy")}},
	{"data.runtime_policy_name",
	 {R400("\\\"runtime_policy_name\\\" must name a stored policy"),
	  R400("\\\"runtime_policy_name\\\" must name a stored policy"),
	  R400("\\\"runtime_policy_name\\\" must name a stored policy"), R200("\"valid\":true"),
	  R400("\\\"runtime_policy_name\\\" must name a stored policy")}},
	/* Keylime: an mb_policy that is not JSON text or an object is
	 * pcr_validation.invalid_mb_policy (200); {"a": 1} is a policy, and the
	 * request has no boot log for the quoted PCR 15; null is no policy, as
	 * upstream reads it (issue 12 item 6). */
	{"data.mb_policy",
	 {R200("pcr_validation.invalid_mb_policy"), R200("pcr_validation.invalid_mb_policy"),
	  R200("pcr_validation.unused_pcr_15"), R200("\"valid\":true"),
	  R200("pcr_validation.invalid_mb_policy")}},
	{"data.mb_policy_name",
	 {R400("\\\"mb_policy_name\\\" must name a stored policy"),
	  R400("\\\"mb_policy_name\\\" must name a stored policy"),
	  R400("\\\"mb_policy_name\\\" must name a stored policy"), R200("\"valid\":true"),
	  R400("\\\"mb_policy_name\\\" must name a stored policy")}},
	/* Bad input, not upstream's invalid_quote (issue 12 item 8). */
	{"data.mb_log",
	 {R400("\\\"mb_log\\\" must be a base64 string"),
	  R400("\\\"mb_log\\\" must be a base64 string"),
	  R400("\\\"mb_log\\\" must be a base64 string"), R200("\"valid\":true"),
	  R400("\\\"mb_log\\\" must be a base64 string")}},
	{"data.ima_measurement_list",
	 {R200("ima_measurement_list must be a string"),
	  R200("ima_measurement_list must be a string"),
	  R200("ima_measurement_list must be a string"), R200("\"valid\":true"),
	  R200("ima_measurement_list must be a string")}},
};

static void add_wrong_types(struct catalog *c, const char *kind, const char *base,
			    const struct type_rule *rules, size_t n_rules)
{
	char name[96];

	for (size_t r = 0; r < n_rules; r++) {
		for (int t = 0; t < 5; t++) {
			snprintf(name, sizeof(name), "%s %s = %s", kind, rules[r].path,
				 wrong_type_names[t]);
			add_owned(c, name, variant(base, rules[r].path, wrong_value(t)),
				  rules[r].by_type[t].lo, rules[r].by_type[t].hi,
				  rules[r].by_type[t].text);
		}
	}
}

/* Bad base64 for one string field. std: the field is standard base64 with
 * padding (else base64url without). */
static void add_bad_base64(struct catalog *c, const char *kind, const char *base, const char *path,
			   bool std, int lo, int hi, const char *text)
{
	struct json_object *doc = json_tokener_parse(base);
	const char *good = get_path_string(doc, path);
	size_t n = strlen(good);
	char name[96], *value;
	struct {
		const char *what;
		char *text;
	} bad[8];
	size_t count = 0;

#define BAD(w, t) (bad[count].what = (w), bad[count++].text = (t))
	value = strdup(good);
	value[n / 2] = '%';
	BAD("a character outside the alphabet", value);
	/* Only a length that leaves spare bits has a non-canonical form. */
	if ((std && good[n - 1] == '=') || (!std && n % 4 != 0))
		BAD("non-canonical trailing bits", non_canonical(good));
	value = malloc(n + 3);
	snprintf(value, n + 3, "%.*s\n%s", (int)(n / 2), good, good + n / 2);
	BAD("a newline inside", value);
	value = strdup(good);
	value[0] = std ? '-' : '+';
	BAD(std ? "the base64url alphabet" : "the standard alphabet", value);
	if (std) {
		value = malloc(n + 2);
		snprintf(value, n + 2, "%s=", good);
		BAD("extra padding", value);
		value = strdup(good);
		while (strlen(value) && value[strlen(value) - 1] == '=')
			value[strlen(value) - 1] = '\0';
		if (strlen(value) == n) { /* no padding to drop: drop a character */
			value[strlen(value) - 1] = '\0';
			BAD("one character short", value);
		} else {
			BAD("missing padding", value);
		}
	} else {
		value = malloc(n + 3);
		snprintf(value, n + 3, "%s==", good);
		BAD("padding", value);
	}
	value = malloc(n + 2);
	snprintf(value, n + 2, " %s", good);
	BAD("a leading space", value);
#undef BAD
	for (size_t i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s %s: %s", kind, path, bad[i].what);
		add_owned(c, name, variant_string(base, path, bad[i].text, strlen(bad[i].text)), lo, hi,
			  text);
		free(bad[i].text);
	}
	json_object_put(doc);
}

/* The quote string is "r<b64>:<b64>:<b64>": corrupt one part. */
static void add_bad_quote_parts(struct catalog *c, const char *base)
{
	struct json_object *doc = json_tokener_parse(base);
	const char *quote = get_path_string(doc, "data.quote");
	static const char *const part_names[3] = {"TPMS_ATTEST", "TPMT_SIGNATURE", "PCR blob"};
	char name[96];

	for (int part = 0; part < 3; part++) {
		/* Find the part's first and last data characters. */
		const char *start = quote + 1;
		for (int i = 0; i < part; i++)
			start = strchr(start, ':') + 1;
		const char *end = strchr(start, ':');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		size_t at = (size_t)(start - quote);
		char *bad;

		bad = strdup(quote);
		bad[at + len / 2] = '%';
		snprintf(name, sizeof(name), "tpm quote %s: a character outside the alphabet",
			 part_names[part]);
		add_owned(c, name, variant_string(base, "data.quote", bad, strlen(bad)), 200, 200,
			  INVALID_QUOTE);
		free(bad);

		bad = strdup(quote);
		{
			size_t last = at + len - 1;
			while (bad[last] == '=')
				last--;
			bad[last] = bad[last] == 'A' ? 'B' : (char)(bad[last] + 1);
		}
		snprintf(name, sizeof(name), "tpm quote %s: non-canonical trailing bits",
			 part_names[part]);
		add_owned(c, name, variant_string(base, "data.quote", bad, strlen(bad)), 200, 200,
			  INVALID_QUOTE);
		free(bad);

		bad = malloc(strlen(quote) + 2);
		snprintf(bad, strlen(quote) + 2, "%.*s\n%s", (int)(at + 2), quote, quote + at + 2);
		snprintf(name, sizeof(name), "tpm quote %s: a newline inside", part_names[part]);
		add_owned(c, name, variant_string(base, "data.quote", bad, strlen(bad)), 200, 200,
			  INVALID_QUOTE);
		free(bad);
	}
	json_object_put(doc);
}

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

/* A raw HTTP/1.1 request with the given head lines (each ending in CRLF) and body. */
static char *raw_request(const char *head, const char *body, size_t body_len, size_t *out_len)
{
	size_t head_len = strlen(head);
	char *r = malloc(head_len + body_len + 64);
	int n;

	if (!r)
		abort();
	n = snprintf(r, head_len + 64, "%s\r\n", head);
	memcpy(r + n, body, body_len);
	*out_len = (size_t)n + body_len;
	return r;
}

#define HOST "Host: 127.0.0.1\r\n"
#define POST_HEAD "POST " EVIDENCE " HTTP/1.1\r\n" HOST

static void build_protocol_cases(struct catalog *c)
{
	static const char small_body[] = "{\"type\":\"tee\"}";
	char head[512];
	size_t len;
	char *req;
	struct bad_case *k;

	/* Content-Length larger than the body, then close_notify. */
	snprintf(head, sizeof(head), POST_HEAD "Content-Length: 100\r\n");
	req = raw_request(head, small_body, strlen(small_body), &len);
	k = add_raw(c, "Content-Length larger than the body, then close", req, len, 400, 499, true, NULL);
	k->close_after = true;
	free(req);
	/* ... and then silence: connection_timeout must end it. */
	req = raw_request(head, small_body, strlen(small_body), &len);
	add_raw(c, "Content-Length larger than the body, then silence", req, len, 400, 499, true, NULL);
	free(req);
	/* Smaller: the body is cut at 5 bytes and the rest is a garbage request. */
	snprintf(head, sizeof(head), POST_HEAD "Content-Length: 5\r\n");
	req = raw_request(head, small_body, strlen(small_body), &len);
	add_raw(c, "Content-Length smaller than the body", req, len, 400, 400, false,
		"body is not valid JSON");
	free(req);
	snprintf(head, sizeof(head), POST_HEAD "Content-Length: -1\r\n");
	req = raw_request(head, small_body, strlen(small_body), &len);
	add_raw(c, "Content-Length negative", req, len, 400, 499, true, NULL);
	free(req);
	snprintf(head, sizeof(head), POST_HEAD "Content-Length: abc\r\n");
	req = raw_request(head, small_body, strlen(small_body), &len);
	add_raw(c, "Content-Length not a number", req, len, 400, 499, true, NULL);
	free(req);
	snprintf(head, sizeof(head), POST_HEAD "Content-Length: 99999999999999999999999\r\n");
	req = raw_request(head, small_body, strlen(small_body), &len);
	add_raw(c, "Content-Length beyond 64 bits", req, len, 400, 499, true, NULL);
	free(req);
	snprintf(head, sizeof(head), POST_HEAD "Content-Length: 14\r\nContent-Length: 5\r\n");
	req = raw_request(head, small_body, strlen(small_body), &len);
	add_raw(c, "two different Content-Length headers", req, len, 400, 499, true, NULL);
	free(req);
	snprintf(head, sizeof(head),
		 POST_HEAD "Content-Length: 14\r\nTransfer-Encoding: chunked\r\n");
	req = raw_request(head, "e\r\n{\"type\":\"tee\"}\r\n0\r\n\r\n", 24, &len);
	add_raw(c, "Content-Length and chunked together", req, len, 400, 499, true, NULL);
	free(req);

	/* Chunked bodies. */
	snprintf(head, sizeof(head), POST_HEAD "Transfer-Encoding: chunked\r\n");
	{
		static const char chunks[] = "5\r\n{\"typ\r\n4\r\ne\":\"\r\n5;ext=1\r\ntee\"}\r\n0\r\n\r\n";
		req = raw_request(head, chunks, strlen(chunks), &len);
		add_raw(c, "chunked, valid (three chunks and an extension)", req, len, 400, 400, false,
			"missing parameter 'data'");
		free(req);
	}
	{
		static const char *const bad_chunks[][2] = {
			{"chunk size not hex", "zz\r\n{\"type\":\"tee\"}\r\n0\r\n\r\n"},
			{"chunk size beyond 64 bits",
			 "fffffffffffffffffffffff\r\n{\"type\":\"tee\"}\r\n0\r\n\r\n"},
			{"chunk size negative", "-5\r\n{\"typ\r\n0\r\n\r\n"},
			{"chunk size empty", "\r\n{\"type\":\"tee\"}\r\n0\r\n\r\n"},
			{"chunk longer than its size", "2\r\n{\"type\":\"tee\"}\r\n0\r\n\r\n"},
			{"chunk without CRLF after the data", "e\r\n{\"type\":\"tee\"}0\r\n\r\n"},
		};
		for (size_t i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
			char name[96];
			snprintf(name, sizeof(name), "chunked, %s", bad_chunks[i][0]);
			req = raw_request(head, bad_chunks[i][1], strlen(bad_chunks[i][1]), &len);
			add_raw(c, name, req, len, 400, 499, true, NULL);
			free(req);
		}
		req = raw_request(head, "100\r\n{\"type\"", 13, &len);
		k = add_raw(c, "chunked, chunk size larger than the data, then close", req, len, 400,
			    499, true, NULL);
		k->close_after = true;
		free(req);
		req = raw_request(head, "e\r\n{\"type\":\"tee\"}\r\n", 19, &len);
		add_raw(c, "chunked, no last chunk, then silence", req, len, 400, 499, true, NULL);
		free(req);
	}
	/* Chunked past max_upload_size (no Content-Length to refuse early). */
	{
		size_t chunk = 64 * 1024, n_chunks = 20; /* 1.25 MiB > 1 MiB */
		size_t cap = n_chunks * (chunk + 16) + 64;
		char *body = malloc(cap), *w = body;
		for (size_t i = 0; i < n_chunks; i++) {
			w += sprintf(w, "%zx\r\n", chunk);
			memset(w, ' ', chunk);
			w += chunk;
			w += sprintf(w, "\r\n");
		}
		w += sprintf(w, "0\r\n\r\n");
		req = raw_request(head, body, (size_t)(w - body), &len);
		k = add_raw(c, "chunked body past max_upload_size", req, len, 413, 413, false,
			    "max_upload_size");
		k->server = SRV_SMALL;
		free(req);
		free(body);
	}

	/* Header floods. */
	{
		size_t n = 10000, cap = n * 24 + 256;
		char *flood = malloc(cap), *w = flood;
		w += sprintf(w, POST_HEAD);
		for (size_t i = 0; i < n; i++)
			w += sprintf(w, "X-Flood-%zu: %zu\r\n", i, i);
		w += sprintf(w, "Content-Length: 2\r\n");
		req = raw_request(flood, "{}", 2, &len);
		add_raw(c, "10,000 headers", req, len, 400, 499, true, NULL);
		free(req);
		free(flood);
	}
	{
		char *line = malloc(MIB + 256);
		int n = sprintf(line, POST_HEAD "X-Long: ");
		memset(line + n, 'a', MIB);
		snprintf(line + n + MIB, 256, "\r\nContent-Length: 2\r\n");
		req = raw_request(line, "{}", 2, &len);
		add_raw(c, "a 1 MiB header line", req, len, 400, 499, true, NULL);
		free(req);
		free(line);
	}
	{
		char *line = malloc(MIB + 256);
		int n = sprintf(line, "GET /");
		memset(line + n, 'v', MIB);
		snprintf(line + n + MIB, 256, " HTTP/1.1\r\n" HOST);
		req = raw_request(line, "", 0, &len);
		add_raw(c, "a 1 MiB request line", req, len, 400, 499, true, NULL);
		free(req);
		free(line);
	}
	req = raw_request("POST " EVIDENCE " HTTP/1.1\r\nContent-Length: 2\r\n", "{}", 2, &len);
	add_raw(c, "HTTP/1.1 without Host", req, len, 400, 400, false, NULL);
	free(req);
	req = raw_request("BREW / HTCPCP/1.0\r\n", "", 0, &len);
	add_raw(c, "not an HTTP request line", req, len, 400, 499, true, NULL);
	free(req);
	req = raw_request("POST " EVIDENCE " HTTP/1.1\r\n" HOST "Bad Header\r\nContent-Length: 2\r\n",
			  "{}", 2, &len);
	add_raw(c, "a header line without a colon", req, len, 400, 499, true, NULL);
	free(req);
	/* NUL bytes in the head. */
	{
		static const char nul_head[] = "POST " EVIDENCE " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\0b\r\n"
					       "Content-Length: 2\r\n\r\n{}";
		add_raw(c, "a NUL byte in a header value", nul_head, sizeof(nul_head) - 1, 400, 499,
			true, NULL);
	}
}

static void build_catalog(struct suite *s)
{
	struct catalog *c = &s->catalog;
	char path[1024], name[96];
	char *tee_base, *tpm_base = NULL;
	struct json_object *golden, *request;

	/* The bases: the README's real Genoa request (200, only freshness fails)
	 * and Keylime's real swtpm quote (200, valid). */
	tee_base = harness_read_file("config/examples/snp-genoa-request.json", NULL);
	assert_non_null(tee_base);
	snprintf(path, sizeof(path), "%s/testdata/keylime/golden/tpm-cases.json", s->shared);
	golden = json_object_from_file(path);
	assert_non_null(golden);
	for (size_t i = 0; i < json_object_array_length(golden); i++) {
		struct json_object *g = json_object_array_get_idx(golden, i);
		if (strcmp(json_object_get_string(json_object_object_get(g, "name")),
			   "real_quote_test_data_files_ok") == 0) {
			request = json_object_object_get(g, "request");
			tpm_base = doc_text(request);
		}
	}
	json_object_put(golden);
	assert_non_null(tpm_base);

	/* ---- sanity: the bases themselves ---- */
	add_text(c, "tee base request (real Genoa report)", tee_base, 200, 200,
		 "tee_attestation.freshness_hash_failed");
	add_text(c, "tpm base request (real swtpm quote)", tpm_base, 200, 200, "\"valid\":true");

	/* ---- truncated JSON ---- */
	{
		size_t n = strlen(tee_base);
		const size_t cuts[] = {1, 2, 9, 10, n / 10, n / 2, n - 200, n - 3, n - 2};
		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			snprintf(name, sizeof(name), "tee request cut to %zu of %zu bytes", cuts[i], n);
			add_case(c, name, tee_base, cuts[i], 400, 400, "body is not valid JSON");
		}
		n = strlen(tpm_base);
		snprintf(name, sizeof(name), "tpm request cut to %zu of %zu bytes", n / 2, n);
		add_case(c, name, tpm_base, n / 2, 400, 400, "body is not valid JSON");
	}
	static const char *const truncated[] = {
		"{", "[", "\"", "{\"type\"", "{\"type\":", "{\"type\":\"tee", "{\"type\":\"tee\",",
		"{\"type\":\"tee\",\"data\":{", "{\"a\":\"\\u12", "{\"a\":tru", "{\"a\":-", "{\"a\":1e",
		"{\"a\":\"\\",
	};
	for (size_t i = 0; i < sizeof(truncated) / sizeof(truncated[0]); i++) {
		snprintf(name, sizeof(name), "truncated JSON %s", truncated[i]);
		add_text(c, name, truncated[i], 400, 400, "body is not valid JSON");
	}

	/* ---- invalid JSON ---- */
	static const char *const invalid[][2] = {
		{"single quotes", "{'type':'tee','data':{}}"},
		{"trailing comma in an object", "{\"type\":\"tee\",\"data\":{},}"},
		{"trailing comma in an array", "{\"type\":\"tee\",\"data\":[1,]}"},
		{"missing colon", "{\"type\" \"tee\"}"},
		{"missing comma", "{\"type\":\"tee\" \"data\":{}}"},
		{"unquoted key", "{type:\"tee\"}"},
		{"NaN", "{\"type\":\"tee\",\"data\":NaN}"},
		{"Infinity", "{\"type\":\"tee\",\"data\":-Infinity}"},
		{"a comment", "{\"type\":\"tee\" /* c */,\"data\":{}}"},
		{"a line comment", "{\"type\":\"tee\", // c\n\"data\":{}}"},
		{"a raw control character in a string", "{\"type\":\"te\x01\",\"data\":{}}"},
		{"a raw tab in a string", "{\"type\":\"t\tee\",\"data\":{}}"},
		{"an invalid escape", "{\"type\":\"\\x41\",\"data\":{}}"},
		{"a short unicode escape", "{\"type\":\"\\u41\",\"data\":{}}"},
		{"a leading zero", "{\"type\":\"tee\",\"data\":01}"},
		{"a hex number", "{\"type\":\"tee\",\"data\":0x10}"},
		{"two documents", "{\"type\":\"tee\",\"data\":{}} {}"},
		{"garbage after the document", "{\"type\":\"tee\",\"data\":{}}x"},
		{"an unclosed array in an object", "{\"type\":[\"tee\"}"},
		{"capitalised literal", "{\"type\":\"tee\",\"data\":True}"},
		{"a bare word", "tee"},
		{"a byte-order mark", "\xef\xbb\xbf{\"type\":\"tee\",\"data\":{}}"},
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		snprintf(name, sizeof(name), "invalid JSON: %s", invalid[i][0]);
		add_text(c, name, invalid[i][1], 400, 400, "body is not valid JSON");
	}

	/* ---- not an object, empty ---- */
	static const char *const not_object[] = {"[]", "\"tee\"", "42", "null", "true", "[{}]"};
	for (size_t i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
		snprintf(name, sizeof(name), "body is %s", not_object[i]);
		add_text(c, name, not_object[i], 400, 400, "JSON object");
	}
	add_text(c, "empty body", "", 400, 400, "missing request body");
	add_text(c, "whitespace only", " \r\n\t ", 400, 400, "body is not valid JSON");
	add_text(c, "empty object", "{}", 400, 400, "missing parameter 'type'");

	/* ---- nesting ---- */
	{
		size_t depth = 10000;
		char *deep = malloc(2 * depth + 1);
		memset(deep, '[', depth);
		memset(deep + depth, ']', depth);
		add_case(c, "arrays nested 10,000 deep", deep, 2 * depth, 400, 400, "nesting too deep");
		free(deep);
		deep = malloc(depth * 6 + 16);
		char *w = deep;
		for (size_t i = 0; i < depth; i++)
			w += sprintf(w, "{\"a\":");
		w += sprintf(w, "1");
		for (size_t i = 0; i < depth; i++)
			*w++ = '}';
		add_case(c, "objects nested 10,000 deep", deep, (size_t)(w - deep), 400, 400,
			 "nesting too deep");
		free(deep);
		/* 10,000 deep inside an otherwise good request's data. */
		size_t n = strlen(tee_base);
		char *inner = malloc(n + 2 * depth + 32);
		w = inner;
		memcpy(w, tee_base, n - 2); /* up to the data object's closing brace */
		w += n - 2;
		while (w > inner && (w[-1] == '}' || w[-1] == '\n' || w[-1] == ' '))
			w--;
		w += sprintf(w, ",\"x\":");
		memset(w, '[', depth);
		w += depth;
		memset(w, ']', depth);
		w += depth;
		w += sprintf(w, "}}");
		add_case(c, "tee request with 10,000-deep extra member", inner, (size_t)(w - inner),
			 400, 400, "nesting too deep");
		free(inner);
	}

	/* ---- huge strings ---- */
	{
		char *big = repeat('A', MIB);
		add_owned(c, "tee nonce of 1 MiB", variant_string(tee_base, "data.nonce", big, MIB), 400,
			  400, "\\\"nonce\\\" is too long");
		add_owned(c, "tee snp-report of 1 MiB",
			  variant_string(tee_base, "data.tee-evidence.evidence.snp-report", big, MIB),
			  400, 400, "\\\"snp-report\\\" is too long");
		add_owned(c, "tee certs-buf of 1 MiB",
			  variant_string(tee_base, "data.tee-evidence.evidence.certs-buf", big, MIB),
			  400, 400, "\\\"certs-buf\\\" is too long");
		add_owned(c, "tee type of 1 MiB", variant_string(tee_base, "type", big, MIB), 400, 400,
			  "invalid evidence type");
		add_owned(c, "tee-policy of 1 MiB",
			  variant_string(tee_base, "data.tee-policy", big, MIB), 400, 400,
			  "\\\"tee-policy\\\" is not a valid policy name");
		add_owned(c, "tee-pubkey-x-b64 of 1 MiB",
			  variant_string(tee_base, "data.tee-pubkey-x-b64", big, MIB), 400, 400,
			  "\\\"tee-pubkey-x-b64\\\" is too long");
		/* An unknown member is ignored, whatever its size. */
		add_owned(c, "tee request with an unknown 1 MiB member",
			  variant_string(tee_base, "data.padding", big, MIB), 200, 200,
			  "tee_attestation.freshness_hash_failed");
		add_owned(c, "tpm quote of 1 MiB", variant_string(tpm_base, "data.quote", big, MIB), 200,
			  200, "the quote is longer than");
		add_owned(c, "tpm_ak of 1 MiB", variant_string(tpm_base, "data.tpm_ak", big, MIB), 200,
			  200, INVALID_QUOTE);
		add_owned(c, "tpm nonce of 1 MiB", variant_string(tpm_base, "data.nonce", big, MIB),
			  200, 200, "qoute_validation.quote_validation");
		free(big);
	}
	{
		/* 100 MiB on the server whose max_upload_size is 1 MiB. */
		size_t n = 100 * MIB;
		char *huge = malloc(n + 64);
		int head = sprintf(huge, "{\"type\":\"tee\",\"data\":{\"nonce\":\"");
		memset(huge + head, 'A', n);
		memcpy(huge + head + n, "\"}}", 3);
		struct bad_case *k = add_case(c, "a 100 MiB string (max_upload_size 1 MiB)", huge,
					      (size_t)head + n + 3, 413, 413, "max_upload_size");
		k->server = SRV_SMALL;
		free(huge);
		/* Just over the limit, and valid JSON otherwise. */
		n = MIB + 1;
		huge = malloc(n + 64);
		head = sprintf(huge, "{\"type\":\"tee\",\"x\":\"");
		memset(huge + head, ' ', n);
		memcpy(huge + head + n, "\"}", 2);
		k = add_case(c, "a body one byte over max_upload_size", huge, (size_t)head + n + 2, 413,
			     413, "max_upload_size");
		k->server = SRV_SMALL;
		free(huge);
	}

	/* ---- missing fields ---- */
	static const char *const tee_required[][2] = {
		{"type", "missing parameter 'type'"},
		{"data", "missing parameter 'data'"},
		{"data.tee-evidence", "missing parameter \\\"tee-evidence\\\""},
		{"data.tee-evidence.tee", "missing parameter \\\"tee\\\""},
		{"data.tee-evidence.evidence", "missing parameter \\\"evidence\\\""},
		{"data.tee-evidence.evidence.snp-report", "missing parameter \\\"snp-report\\\""},
		{"data.nonce", "missing parameter \\\"nonce\\\""},
		{"data.tee-pubkey-x-b64", "missing parameter \\\"tee-pubkey-x-b64\\\""},
		{"data.tee-pubkey-y-b64", "missing parameter \\\"tee-pubkey-y-b64\\\""},
	};
	for (size_t i = 0; i < sizeof(tee_required) / sizeof(tee_required[0]); i++) {
		snprintf(name, sizeof(name), "tee without %s", tee_required[i][0]);
		add_owned(c, name, without(tee_base, tee_required[i][0]), 400, 400, tee_required[i][1]);
	}
	static const char *const tpm_required[][2] = {
		{"data.quote", "missing parameter \\\"quote\\\""},
		{"data.nonce", "missing parameter \\\"nonce\\\""},
		{"data.hash_alg", "missing parameter \\\"hash_alg\\\""},
		{"data.tpm_ek", "missing parameter \\\"tpm_ek\\\""},
		{"data.tpm_ak", "missing parameter \\\"tpm_ak\\\""},
		{"data.tpm_policy", "default.missing_policy"},
	};
	for (size_t i = 0; i < sizeof(tpm_required) / sizeof(tpm_required[0]); i++) {
		snprintf(name, sizeof(name), "tpm without %s", tpm_required[i][0]);
		add_owned(c, name, without(tpm_base, tpm_required[i][0]), 400, 400, tpm_required[i][1]);
	}

	/* ---- wrong types for every field ---- */
	add_wrong_types(c, "tee", tee_base, tee_rules, sizeof(tee_rules) / sizeof(tee_rules[0]));
	add_wrong_types(c, "tpm", tpm_base, tpm_rules, sizeof(tpm_rules) / sizeof(tpm_rules[0]));

	/* ---- invalid and non-canonical base64 ---- */
	add_bad_base64(c, "tee", tee_base, "data.tee-evidence.evidence.snp-report", true, 400, 400,
		       "\\\"snp-report\\\"");
	add_bad_base64(c, "tee", tee_base, "data.tee-evidence.evidence.certs-buf", true, 400, 400,
		       "\\\"certs-buf\\\" is not valid standard base64");
	add_bad_base64(c, "tee", tee_base, "data.nonce", true, 400, 400,
		       "\\\"nonce\\\" is not valid standard base64");
	add_bad_base64(c, "tee", tee_base, "data.tee-pubkey-x-b64", false, 400, 400,
		       "parameter \\\"tee-pubkey-x-b64\\\" is ");
	add_bad_base64(c, "tee", tee_base, "data.tee-pubkey-y-b64", false, 400, 400,
		       "parameter \\\"tee-pubkey-y-b64\\\" is ");
	/* Keylime's catch-all for an undecodable AK or boot log: invalid_quote, 200. */
	add_bad_base64(c, "tpm", tpm_base, "data.tpm_ak", true, 200, 200, INVALID_QUOTE);
	{
		char *log_b64 = NULL, *with_log;
		size_t log_len = 0;
		char *log;
		snprintf(path, sizeof(path), "%s/testdata/keylime/uefi-eventlogs/binary_bios_measurements",
			 s->shared);
		log = harness_read_file(path, &log_len);
		assert_non_null(log);
		log_b64 = malloc(log_len * 4 / 3 + 8);
		EVP_EncodeBlock((unsigned char *)log_b64, (const unsigned char *)log, (int)log_len);
		with_log = variant_string(tpm_base, "data.mb_log", log_b64, strlen(log_b64));
		add_bad_base64(c, "tpm", with_log, "data.mb_log", true, 200, 200, INVALID_QUOTE);
		free(with_log);
		free(log_b64);
		free(log);
	}
	add_bad_quote_parts(c, tpm_base);

	/* ---- non-UTF-8 ---- */
	static const char *const not_utf8[][2] = {
		{"0xFF in a value", "{\"type\":\"tee\xff\",\"data\":{}}"},
		{"0xFE 0xFF in a key", "{\"typ\xfe\xff\":\"tee\",\"data\":{}}"},
		{"an overlong '/'", "{\"type\":\"\xc0\xaf\",\"data\":{}}"},
		{"a UTF-16 surrogate in UTF-8", "{\"type\":\"\xed\xa0\x80\",\"data\":{}}"},
		{"a truncated sequence", "{\"type\":\"\xe2\x82\",\"data\":{}}"},
		{"a lone continuation byte", "{\"type\":\"\x80\",\"data\":{}}"},
		{"Latin-1 text", "{\"type\":\"t\xe9\xe9\",\"data\":{}}"},
		{"a code point above U+10FFFF", "{\"type\":\"\xf4\x90\x80\x80\",\"data\":{}}"},
		{"0xFF outside strings", "{\"type\":\"tee\"\xff,\"data\":{}}"},
	};
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		snprintf(name, sizeof(name), "non-UTF-8: %s", not_utf8[i][0]);
		add_text(c, name, not_utf8[i][1], 400, 400, "body is not valid JSON");
	}
	{
		/* Inside a real request's base64 field. */
		char *bad = variant_string(tee_base, "data.nonce", "bm9u\xff\xfe", 6);
		add_owned(c, "non-UTF-8 in the nonce of a real request", bad, 400, 400,
			  "body is not valid JSON");
	}

	/* ---- duplicate keys ---- */
	{
		static const char *const dups[][3] = {
			{"type twice (tee, then sgx)", "{\"type\":\"tee\",\"type\":\"sgx\",\"data\":{}}",
			 "appears twice in one object"},
			{"type twice (sgx, then tee)", "{\"type\":\"sgx\",\"type\":\"tee\",\"data\":{}}",
			 "appears twice in one object"},
			{"data twice", "{\"type\":\"tee\",\"data\":{},\"data\":{}}", "appears twice in one object"},
			{"the second spelled with an escape",
			 "{\"type\":\"tee\",\"typ\\u0065\":\"tpm\",\"data\":{}}", "appears twice in one object"},
			{"twice in a nested object",
			 "{\"type\":\"tee\",\"data\":{\"a\":{\"k\":1,\"j\":2,\"k\":3}}}",
			 "appears twice in one object"},
		};
		for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
			snprintf(name, sizeof(name), "duplicate key: %s", dups[i][0]);
			add_text(c, name, dups[i][1], 400, 400, dups[i][2]);
		}
		/* The same key in sibling and nested objects is no duplicate. */
		{
			struct json_object *inner = json_tokener_parse("{\"k\":{\"k\":{\"k\":1}},\"j\":{\"k\":2}}");
			add_owned(c, "the same key in sibling and nested objects (not a duplicate)",
				  variant(tee_base, "data.extra", inner), 200, 200,
				  "tee_attestation.freshness_hash_failed");
		}
		/* The same member twice inside a real request: the first copy is
		 * bogus, the second good (a parser taking the first would refuse). */
		static const char *const members[] = {"\"nonce\":", "\"snp-report\":",
						      "\"tee-pubkey-x-b64\":"};
		for (size_t i = 0; i < 3; i++) {
			const char *at = strstr(tee_base, members[i]);
			size_t n = strlen(tee_base), prefix;
			char *dup;
			assert_non_null(at);
			prefix = (size_t)(at - tee_base);
			dup = malloc(n + 64);
			snprintf(dup, n + 64, "%.*s%s\"AAAA\",%s", (int)prefix, tee_base, members[i],
				 tee_base + prefix);
			snprintf(name, sizeof(name), "duplicate key: %s in a real request", members[i]);
			add_text(c, name, dup, 400, 400, "appears twice in one object");
			free(dup);
		}
	}

	/* ---- NUL bytes ---- */
	{
		static const char nul_start[] = "\0{\"type\":\"tee\",\"data\":{}}";
		static const char nul_mid[] = "{\"type\":\"tee\0\",\"data\":{}}";
		static const char nul_key[] = "{\"ty\0pe\":\"tee\",\"data\":{}}";
		static const char nul_end[] = "{\"type\":\"tee\",\"data\":{}}\0";
		add_case(c, "a NUL byte first", nul_start, sizeof(nul_start) - 1, 400, 400,
			 "body contains a NUL byte");
		add_case(c, "a NUL byte in a value", nul_mid, sizeof(nul_mid) - 1, 400, 400,
			 "body contains a NUL byte");
		add_case(c, "a NUL byte in a key", nul_key, sizeof(nul_key) - 1, 400, 400,
			 "body contains a NUL byte");
		add_case(c, "a NUL byte last", nul_end, sizeof(nul_end) - 1, 400, 400,
			 "body contains a NUL byte");
		size_t n = strlen(tee_base);
		char *with_nul = malloc(n);
		memcpy(with_nul, tee_base, n);
		with_nul[n / 2] = '\0';
		add_case(c, "a NUL byte inside a real request", with_nul, n, 400, 400,
			 "body contains a NUL byte");
		free(with_nul);
		/* Escaped: valid JSON, but "\u0000" must not cut a value short. */
		static const char *const escaped[][3] = {
			{"type", "tee\0sgx", "(NUL) inside a string"},
			{"data.tee-evidence.tee", "snp\0tdx", "(NUL) inside a string"},
			{"data.tee-policy", "default\0../x", "(NUL) inside a string"},
			{"data.nonce", "AAAA\0AAAA", "(NUL) inside a string"},
		};
		for (size_t i = 0; i < sizeof(escaped) / sizeof(escaped[0]); i++) {
			size_t len = strlen(escaped[i][1]);
			len += 1 + strlen(escaped[i][1] + len + 1);
			snprintf(name, sizeof(name), "escaped NUL (\\u0000) inside %s", escaped[i][0]);
			add_owned(c, name, variant_string(tee_base, escaped[i][0], escaped[i][1], len), 400,
				  400, escaped[i][2]);
		}
		add_owned(c, "escaped NUL (\\u0000) inside tpm hash_alg",
			  variant_string(tpm_base, "data.hash_alg", "sha256\0x", 8), 400, 400,
			  "(NUL) inside a string");
	}

	build_protocol_cases(c);
	free(tee_base);
	free(tpm_base);
}

/* ---- running a case ---- */

struct answer {
	long status;    /* HTTP status; 0: closed without an answer; -1: no answer in time */
	char *text;     /* what came back (raw: head and body), owned */
	char error[256];
};

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Whether buf holds a whole response: head, and a body of Content-Length. */
static bool response_complete(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *cl;
	size_t head_len;

	if (!end)
		return false;
	head_len = (size_t)(end - buf) + 4;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > end)
		return false; /* read until the server closes */
	return len >= head_len + strtoul(cl + strlen("\r\nContent-Length:"), NULL, 10);
}

/* Sends bytes over TLS with the client certificate and reads one answer,
 * every step bounded by RAW_DEADLINE_MS. */
static void raw_exchange(const struct teev_server *server, const struct client_identity *id,
			 const struct bad_case *k, struct answer *out)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server->port)};
	struct timeval tv = {RAW_DEADLINE_MS / 1000, 0};
	struct timespec start;
	char cacert[400];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	size_t used = 0, sent = 0;
	int fd = -1;

	memset(out, 0, sizeof(*out));
	out->status = -1;
	out->text = calloc(1, RAW_REPLY_MAX + 1);
	clock_gettime(CLOCK_MONOTONIC, &start);
	snprintf(cacert, sizeof(cacert), "%s/cacert.crt", server->ca_dir);
	if (!ctx || !out->text || SSL_CTX_use_certificate_file(ctx, id->cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, id->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, cacert, NULL) != 1) {
		snprintf(out->error, sizeof(out->error), "client TLS setup failed");
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		snprintf(out->error, sizeof(out->error), "connect: %s", strerror(errno));
		goto out;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		snprintf(out->error, sizeof(out->error), "TLS handshake failed");
		goto out;
	}
	/* The server may answer and close before everything is sent. */
	while (sent < k->len && elapsed_ms(&start) < RAW_DEADLINE_MS) {
		size_t chunk = k->len - sent > 65536 ? 65536 : k->len - sent;
		int n = SSL_write(ssl, k->bytes + sent, (int)chunk);
		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	if (k->close_after)
		SSL_shutdown(ssl);
	for (;;) {
		long left = RAW_DEADLINE_MS - elapsed_ms(&start);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n;

		if (left <= 0) {
			out->status = -1;
			snprintf(out->error, sizeof(out->error), "no answer and no close in %d ms",
				 RAW_DEADLINE_MS);
			goto out;
		}
		if (SSL_pending(ssl) == 0 && poll(&pfd, 1, (int)left) <= 0)
			continue; /* the deadline check above ends it */
		n = SSL_read(ssl, out->text + used, (int)(RAW_REPLY_MAX - used));
		if (n <= 0) {
			int err = SSL_get_error(ssl, n);
			if (err == SSL_ERROR_WANT_READ)
				continue;
			break; /* closed (cleanly or not): judge what came */
		}
		used += (size_t)n;
		out->text[used] = '\0';
		if (used == RAW_REPLY_MAX || response_complete(out->text, used))
			break;
	}
	out->status = 0;
	if (used >= 12 && strncmp(out->text, "HTTP/1.", 7) == 0)
		out->status = strtol(out->text + 9, NULL, 10);
out:
	if (ssl)
		SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	ERR_clear_error();
}

static void run_case(struct suite *s, const struct bad_case *k, struct answer *out)
{
	struct teev_server *server = k->server == SRV_SMALL ? &s->small : &s->def;
	const struct client_identity *id = k->server == SRV_SMALL ? &s->small_client : &s->def_client;

	if (k->transport == VIA_RAW) {
		raw_exchange(server, id, k, out);
		return;
	}
	struct http_result r;
	memset(out, 0, sizeof(*out));
	harness_request(server, id, "POST", EVIDENCE, k->bytes, k->len, &r);
	out->status = r.status;
	out->text = r.body ? r.body : strdup("");
	r.body = NULL;
	snprintf(out->error, sizeof(out->error), "%s", r.error);
	http_result_free(&r);
}

static bool matches(const struct answer *a, int lo, int hi, const char *text, bool may_close)
{
	if (a->status == 0 && may_close)
		return true;
	if (a->status < lo || a->status > hi)
		return false;
	return !text || (a->text && strstr(a->text, text));
}

/* The whole catalog, every case run even after a failure; one line per
 * problem, then one verdict. */
static void test_catalog(void **state)
{
	struct suite *s = S(state);
	size_t failed = 0;
	bool verbose = getenv("TEEV_TEST_VERBOSE") != NULL;

	for (size_t i = 0; i < s->catalog.count; i++) {
		const struct bad_case *k = &s->catalog.cases[i];
		struct answer a;

		run_case(s, k, &a);
		if (a.status >= 500 || a.status < 0) {
			failed++;
			printf("FAIL %zu \"%s\": %ld %s %.300s\n", i, k->name, a.status, a.error,
			       a.text ? a.text : "");
		} else if (matches(&a, k->lo, k->hi, k->text, k->may_close)) {
			/* as required */
		} else {
			failed++;
			printf("FAIL %zu \"%s\": expected %d..%d%s with \"%s\", got %ld %s %.300s\n", i,
			       k->name, k->lo, k->hi, k->may_close ? " or a close" : "",
			       k->text ? k->text : "", a.status, a.error, a.text ? a.text : "");
		}
		if (verbose)
			printf("case %zu \"%s\": %ld %s %.160s\n", i, k->name, a.status, a.error,
			       a.text ? a.text : "");
		free(a.text);
		if (!harness_alive(k->server == SRV_SMALL ? &s->small : &s->def)) {
			fail_msg("the server died on case %zu \"%s\"", i, k->name);
		}
	}
	printf("bad-input catalog: %zu cases, %zu as required, %zu failed\n", s->catalog.count,
	       s->catalog.count - failed, failed);
	assert_true(s->catalog.count >= 100);
	assert_int_equal(failed, 0);
}

static void test_server_still_serves(void **state)
{
	struct suite *s = S(state);
	struct teev_server *servers[2] = {&s->def, &s->small};
	const struct client_identity *ids[2] = {&s->def_client, &s->small_client};

	for (int i = 0; i < 2; i++) {
		struct http_result r;
		assert_true(harness_alive(servers[i]));
		assert_int_equal(harness_request(servers[i], ids[i], "GET", "/version", NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body, "\"current_version\""));
		http_result_free(&r);
	}
}

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	*state = s;
	setvbuf(stdout, NULL, _IOLBF, 0); /* case lines in order with cmocka's */
	signal(SIGPIPE, SIG_IGN); /* a server that closes mid-write is a result, not a crash */
	snprintf(s->shared, sizeof(s->shared), "%s", harness_env("SHARED_DIR", "../shared"));
	/* Offline: no case may wait on AMD's KDS. */
	if (harness_start(&s->def, "offline = true\n") ||
	    harness_start(&s->small, "offline = true\nmax_upload_size = 1M\n"))
		return -1;
	harness_identity(s->def.ca_dir, "client", &s->def_client);
	harness_identity(s->small.ca_dir, "client", &s->small_client);
	build_catalog(s);
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int def_rc, small_rc;

	if (!s)
		return -1;
	def_rc = harness_stop(&s->def);
	small_rc = harness_stop(&s->small);
	for (size_t i = 0; i < s->catalog.count; i++)
		free(s->catalog.cases[i].bytes);
	free(s->catalog.cases);
	free(s);
	return def_rc == 0 && small_rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_server_still_serves),
	};

	return cmocka_run_group_tests_name("integration: hostile input", tests, suite_setup,
					   suite_teardown);
}
