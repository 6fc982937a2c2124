/* tpm_policy.c - Keylime's PCR policy (see tpm_policy.h). */
#include "policy/tpm_policy.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/tpm_quote.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 1024     /* PCR keys in one policy */
#define MAX_VALUES 4096      /* allowed values for one PCR */
#define MAX_DEPTH 8
#define IMA_PCR 10

struct pcr_rule {
	long long pcr;       /* 0-23, not 10 */
	size_t count;
	char **values;       /* owned strings, compared exactly */
};

struct tpm_policy {
	size_t count;
	struct pcr_rule *rules; /* ascending by pcr, one rule per pcr */
};

void tpm_policy_free(struct tpm_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++) {
		for (size_t j = 0; j < p->rules[i].count; j++)
			free(p->rules[i].values[j]);
		free(p->rules[i].values);
	}
	free(p->rules);
	free(p);
}

/* Python's int() on a string: surrounding whitespace, an optional sign,
 * decimal digits (underscores between digits allowed). Upstream's one-shot
 * verifier reads PCR keys with it; a key it cannot read is upstream's
 * invalid_quote too. */
static int python_int(const char *text, long long *out)
{
	const char *p = text;
	char digits[32];
	size_t n = 0;
	bool negative = false;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) || (*p == '_' && isdigit((unsigned char)p[1]) && n > 0)) {
		if (*p != '_') {
			if (n + 1 >= sizeof(digits))
				return -1;
			digits[n++] = *p;
		}
		p++;
	}
	digits[n] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -1;
	errno = 0;
	*out = strtoll(digits, NULL, 10) * (negative ? -1 : 1);
	return errno ? -1 : 0;
}

/* A PCR key as teev takes it: "0" to "23" in plain decimal, not "10". */
static int check_pcr_key(const char *key, long long pcr, char *err, size_t err_len)
{
	size_t n = strlen(key);
	bool canonical = n > 0 && n <= 2 && isdigit((unsigned char)key[0]) &&
			 (n == 1 || (key[0] != '0' && isdigit((unsigned char)key[1])));

	if (!canonical) {
		snprintf(err, err_len, "PCR \"%.40s\": a PCR number is written in plain decimal, 0 to %d",
			 key, TPM_PCR_COUNT - 1);
		return -1;
	}
	if (pcr < 0 || pcr >= TPM_PCR_COUNT) {
		snprintf(err, err_len, "PCR \"%s\": TPMs have PCRs 0 to %d", key, TPM_PCR_COUNT - 1);
		return -1;
	}
	if (pcr == IMA_PCR) {
		snprintf(err, err_len,
			 "PCR \"10\": PCR 10 belongs to the IMA measurement list and is judged by the "
			 "runtime policy, never by a PCR policy (Keylime refuses it too)");
		return -1;
	}
	return 0;
}

/* Lower-case hex of a SHA-1/256/384/512 digest: what a quote's PCR can hold. */
static int check_digest(const char *key, size_t i, const char *s, size_t n, char *err,
			size_t err_len)
{
	for (size_t j = 0; j < n; j++) {
		if (isdigit((unsigned char)s[j]) || (s[j] >= 'a' && s[j] <= 'f'))
			continue;
		snprintf(err, err_len,
			 "PCR \"%s\"[%zu]: \"%.20s%s\" is not lower-case hex (Keylime compares exact "
			 "strings with the quote's lower-case hex)",
			 key, i, s, n > 20 ? "..." : "");
		return -1;
	}
	if (n != 40 && n != 64 && n != 96 && n != 128) {
		snprintf(err, err_len,
			 "PCR \"%s\"[%zu]: %zu hex digits is no PCR bank's digest (40 sha1, 64 sha256, "
			 "96 sha384, 128 sha512)",
			 key, i, n);
		return -1;
	}
	return 0;
}

static int compare_rules(const void *a, const void *b)
{
	const struct pcr_rule *x = a, *y = b;
	return (x->pcr > y->pcr) - (x->pcr < y->pcr);
}

/* A value is a non-empty list of digests, or one bare digest (Keylime's
 * tenant wraps a singleton; upstream's one-shot substring test then
 * degenerates to equality). */
static int read_values(struct json_object *value, struct pcr_rule *rule, const char *key,
		       char *err, size_t err_len)
{
	size_t n;

	if (json_object_is_type(value, json_type_string)) {
		if (check_digest(key, 0, json_object_get_string(value),
				 (size_t)json_object_get_string_len(value), err, err_len))
			return -1;
		rule->values = calloc(1, sizeof(char *));
		if (!rule->values || !(rule->values[0] = strdup(json_object_get_string(value))))
			goto oom;
		rule->count = 1;
		return 0;
	}
	if (!json_object_is_type(value, json_type_array)) {
		snprintf(err, err_len, "PCR \"%s\": expected a list of hex digests", key);
		return -1;
	}
	n = json_object_array_length(value);
	if (n == 0) {
		snprintf(err, err_len, "PCR \"%s\": an empty list allows no value, so no quote could pass",
			 key);
		return -1;
	}
	if (n > MAX_VALUES) {
		snprintf(err, err_len, "PCR \"%s\": more than %d values", key, MAX_VALUES);
		return -1;
	}
	rule->values = calloc(n, sizeof(char *));
	if (!rule->values)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(value, i);
		if (!json_object_is_type(item, json_type_string)) {
			snprintf(err, err_len, "PCR \"%s\"[%zu]: expected a hex digest", key, i);
			return -1;
		}
		if (check_digest(key, i, json_object_get_string(item),
				 (size_t)json_object_get_string_len(item), err, err_len))
			return -1;
		rule->values[i] = strdup(json_object_get_string(item));
		if (!rule->values[i])
			goto oom;
		rule->count = i + 1;
	}
	return 0;
oom:
	snprintf(err, err_len, "out of memory");
	return -1;
}

/* "mask": upstream never uses it; Keylime writes hex(mask), "0x408000". */
static int check_mask(struct json_object *value, char *err, size_t err_len)
{
	const char *s = json_object_get_string(value);
	size_t n = (size_t)json_object_get_string_len(value);

	if (!json_object_is_type(value, json_type_string) || n < 3 || n > 10 || s[0] != '0' ||
	    (s[1] != 'x' && s[1] != 'X') || strspn(s + 2, "0123456789abcdefABCDEF") != n - 2) {
		snprintf(err, err_len, "\"mask\": expected a hex string such as \"0x408000\"");
		return -1;
	}
	return 0;
}

static void set_why(enum tpm_policy_refusal *why, enum tpm_policy_refusal kind)
{
	if (why)
		*why = kind;
}

struct tpm_policy *tpm_policy_from_json(struct json_object *doc, enum tpm_policy_use use,
					enum tpm_policy_refusal *why, char *err, size_t err_len)
{
	struct tpm_policy *p;
	size_t n, used = 0;

	set_why(why, TPM_POLICY_UPSTREAM_INVALID);
	if (!json_object_is_type(doc, json_type_object)) {
		snprintf(err, err_len, "a PCR policy must be a JSON object {\"<pcr>\": [\"<hex>\", ...]}");
		return NULL;
	}
	n = (size_t)json_object_object_length(doc);
	if (n > MAX_ENTRIES) {
		snprintf(err, err_len, "more than %d PCR entries", MAX_ENTRIES);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->rules = calloc(n ? n : 1, sizeof(*p->rules)))) {
		snprintf(err, err_len, "out of memory");
		free(p);
		return NULL;
	}
	/* Keys upstream cannot read at all first: that refusal is upstream's too. */
	json_object_object_foreach(doc, key0, value0)
	{
		long long pcr;

		(void)value0;
		if (strcmp(key0, "mask") != 0 && python_int(key0, &pcr)) {
			snprintf(err, err_len, "key \"%.40s\" is not a PCR number", key0);
			goto fail;
		}
	}
	set_why(why, TPM_POLICY_TOO_LOOSE);
	json_object_object_foreach(doc, key, value)
	{
		long long pcr = 0;
		struct pcr_rule *rule;

		if (strcmp(key, "mask") == 0) {
			if (check_mask(value, err, err_len))
				goto fail;
			continue;
		}
		(void)python_int(key, &pcr);
		if (check_pcr_key(key, pcr, err, err_len))
			goto fail;
		/* Canonical keys: json-c already merged repeated ones (the last wins). */
		rule = &p->rules[used++];
		rule->pcr = pcr;
		p->count = used;
		if (read_values(value, rule, key, err, err_len))
			goto fail;
	}
	if (use == TPM_POLICY_STORED && used == 0) {
		snprintf(err, err_len,
			 "a stored PCR policy must name at least one PCR: {\"<pcr>\": [\"<hex>\", ...]}");
		goto fail;
	}
	p->count = used;
	qsort(p->rules, p->count, sizeof(*p->rules), compare_rules);
	return p;
fail:
	tpm_policy_free(p);
	return NULL;
}

struct tpm_policy *tpm_policy_parse(const char *text, size_t len, enum tpm_policy_use use,
				    enum tpm_policy_refusal *why, char *err, size_t err_len)
{
	struct json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	struct json_object *doc = NULL;
	struct tpm_policy *p = NULL;

	set_why(why, TPM_POLICY_UPSTREAM_INVALID);
	if (!tok) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	if (len > 0x7fffffff || memchr(text, '\0', len)) {
		snprintf(err, err_len, "the PCR policy is not JSON text");
		goto out;
	}
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		snprintf(err, err_len, "the PCR policy is not valid JSON: %s",
			 json_tokener_get_error(tok) == json_tokener_success
				 ? "trailing data"
				 : json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	p = tpm_policy_from_json(doc, use, why, err, err_len);
out:
	json_object_put(doc);
	json_tokener_free(tok);
	return p;
}

static bool allowed(const struct pcr_rule *rule, const char *hex)
{
	for (size_t i = 0; i < rule->count; i++)
		if (strcmp(rule->values[i], hex) == 0)
			return true;
	return false;
}

size_t tpm_policy_check_pcrs(const struct tpm_policy *p, const struct tpm_pcr_values *pcrs,
			     uint32_t which, struct failures *f)
{
	size_t before = f->count;

	/* Rules are sorted by PCR, so failures come in ascending PCR order. */
	for (size_t i = 0; i < p->count; i++) {
		const struct pcr_rule *rule = &p->rules[i];
		bool wanted = rule->pcr >= 0 && rule->pcr < TPM_PCR_COUNT &&
			      (pcrs->quoted & which & (1u << rule->pcr));
		char hex[129], type[64];

		if (!wanted)
			continue;
		bytes_to_hex(pcrs->value[rule->pcr], pcrs->digest_size, hex);
		if (allowed(rule, hex))
			continue;
		struct json_object *context = json_object_new_object();
		struct json_object *expected = json_object_new_array();
		for (size_t j = 0; j < rule->count; j++)
			json_object_array_add(expected, json_object_new_string(rule->values[j]));
		json_object_object_add(context, "context",
				       json_object_new_string("PCR value is not in allowlist"));
		json_object_object_add(context, "got", json_object_new_string(hex));
		json_object_object_add(context, "expected", expected);
		snprintf(type, sizeof(type), "pcr_validation.invalid_pcr_%lld", rule->pcr);
		failures_add_context(f, type, context);
	}
	return f->count - before;
}

size_t tpm_policy_check_missing(const struct tpm_policy *p, const struct tpm_pcr_values *pcrs,
				struct failures *f)
{
	struct json_object *missing = json_object_new_array();
	struct json_object *context;

	for (size_t i = 0; i < p->count; i++) {
		long long pcr = p->rules[i].pcr;
		if (!(pcr >= 0 && pcr < TPM_PCR_COUNT && (pcrs->quoted & (1u << pcr))))
			json_object_array_add(missing, json_object_new_int64(pcr));
	}
	if (json_object_array_length(missing) == 0) {
		json_object_put(missing);
		return 0;
	}
	context = json_object_new_object();
	json_object_object_add(context, "context", json_object_new_string("PCRs are missing in quote"));
	json_object_object_add(context, "data", missing);
	failures_add_context(f, "pcr_validation.missing_pcrs", context);
	return 1;
}

size_t tpm_policy_evaluate(const struct tpm_policy *p, const struct tpm_pcr_values *pcrs,
			   uint32_t consumed, struct failures *f)
{
	return tpm_policy_check_pcrs(p, pcrs, ~consumed, f) + tpm_policy_check_missing(p, pcrs, f);
}
