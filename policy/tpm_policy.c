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

struct pcr_rule {
	long long pcr;       /* Python int(): any integer, even one no TPM has */
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
 * decimal digits (underscores between digits allowed). */
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

static int compare_rules(const void *a, const void *b)
{
	const struct pcr_rule *x = a, *y = b;
	return (x->pcr > y->pcr) - (x->pcr < y->pcr);
}

/* A value is a list of strings, or one bare string (upstream's substring
 * test on a string degenerates to equality for well-formed hex). */
static int read_values(struct json_object *value, struct pcr_rule *rule, const char *key,
		       char *err, size_t err_len)
{
	size_t n;

	if (json_object_is_type(value, json_type_string)) {
		rule->values = calloc(1, sizeof(char *));
		if (!rule->values || !(rule->values[0] = strdup(json_object_get_string(value))))
			goto oom;
		rule->count = 1;
		return 0;
	}
	if (!json_object_is_type(value, json_type_array)) {
		snprintf(err, err_len, "PCR \"%s\": expected a list of hex strings", key);
		return -1;
	}
	n = json_object_array_length(value);
	if (n > MAX_VALUES) {
		snprintf(err, err_len, "PCR \"%s\": more than %d values", key, MAX_VALUES);
		return -1;
	}
	rule->values = calloc(n ? n : 1, sizeof(char *));
	if (!rule->values)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(value, i);
		if (!json_object_is_type(item, json_type_string)) {
			snprintf(err, err_len, "PCR \"%s\"[%zu]: expected a hex string", key, i);
			return -1;
		}
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

struct tpm_policy *tpm_policy_from_json(struct json_object *doc, char *err, size_t err_len)
{
	struct tpm_policy *p;
	size_t n, used = 0;

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
	json_object_object_foreach(doc, key, value)
	{
		long long pcr;
		struct pcr_rule *rule = NULL;

		if (strcmp(key, "mask") == 0)
			continue; /* upstream never uses it */
		if (python_int(key, &pcr)) {
			snprintf(err, err_len, "key \"%s\" is not a PCR number", key);
			goto fail;
		}
		/* Two spellings of one PCR ("15", "015"): the later wins, as in Python. */
		for (size_t i = 0; i < used; i++)
			if (p->rules[i].pcr == pcr)
				rule = &p->rules[i];
		if (rule) {
			for (size_t j = 0; j < rule->count; j++)
				free(rule->values[j]);
			free(rule->values);
			memset(rule, 0, sizeof(*rule));
		} else {
			rule = &p->rules[used++];
		}
		rule->pcr = pcr;
		p->count = used;
		if (read_values(value, rule, key, err, err_len))
			goto fail;
	}
	p->count = used;
	qsort(p->rules, p->count, sizeof(*p->rules), compare_rules);
	return p;
fail:
	tpm_policy_free(p);
	return NULL;
}

struct tpm_policy *tpm_policy_parse(const char *text, size_t len, char *err, size_t err_len)
{
	struct json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	struct json_object *doc = NULL;
	struct tpm_policy *p = NULL;

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
	p = tpm_policy_from_json(doc, err, err_len);
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
