/* tdx_policy.c - parse, validate and evaluate TDX appraisal policies (see tdx_policy.h).
 *
 * Parsing takes three passes over a document of at most 1 MiB:
 *  1. json_span_check: strict RFC 8259 grammar, strict UTF-8, nesting
 *     limited, and no duplicate keys anywhere (json-c keeps the last of two
 *     equal keys, so {"allow_debug": false, ..., "allow_debug": true} must
 *     not mean whichever the reader saw last), nor keys containing \u0000.
 *  2. json-c in strict mode builds the tree.
 *  3. The schema walk, in document order (so the first offending field is
 *     the one reported), decodes every value once into struct tdx_policy, so
 *     that evaluation allocates nothing.
 */
#include "policy/tdx_policy.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/json_span.h"
#include "verifier/tdx_verify.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FAILURE_PREFIX "tee_attestation.policy."
#define DESCRIPTION_MAX 1024

/* The allowlists of byte fields, in the order they are evaluated. */
enum hex_rule {
	RULE_MR_TD,
	RULE_RTMR_0,
	RULE_RTMR_1,
	RULE_RTMR_2,
	RULE_RTMR_3,
	RULE_MR_CONFIG_ID,
	RULE_MR_OWNER,
	RULE_MR_OWNER_CONFIG,
	RULE_MR_SEAM,
	RULE_MRSIGNER_SEAM,
	RULE_TD_ATTRIBUTES,
	RULE_XFAM,
	HEX_RULES,
};

struct hex_rule_info {
	const char *name;  /* field name and failure id suffix */
	const char *label; /* the quote field, in messages */
	size_t width;
};

static const struct hex_rule_info hex_rules[HEX_RULES] = {
	{"mr_td", "MRTD", 48},
	{"rtmr_0", "RTMR0", 48},
	{"rtmr_1", "RTMR1", 48},
	{"rtmr_2", "RTMR2", 48},
	{"rtmr_3", "RTMR3", 48},
	{"mr_config_id", "MRCONFIGID", 48},
	{"mr_owner", "MROWNER", 48},
	{"mr_owner_config", "MROWNERCONFIG", 48},
	{"mr_seam", "MRSEAM", 48},
	{"mrsigner_seam", "MRSIGNERSEAM", 48},
	{"td_attributes", "TDATTRIBUTES", 8},
	{"xfam", "XFAM", 8},
};

struct byte_list {
	size_t count; /* 0: no rule */
	uint8_t *bytes; /* count * width, decoded from hex once */
};

struct tdx_policy {
	unsigned status_mask; /* bit enum tdx_tcb_status */
	bool has_min_eval_num;
	int64_t min_eval_num;
	size_t refused_count;
	char (*refused)[TDX_ADVISORY_ID_MAX];
	bool allow_any_mr_td;
	bool allow_debug;
	struct byte_list lists[HEX_RULES];
	bool has_min_tee_tcb_svn;
	uint8_t min_tee_tcb_svn[16];
};

/* ---- parse errors ---- */

struct parse_ctx {
	char *err;
	size_t err_len;
};

static int refuse(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->err_len) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A short one-line rendering of a JSON value for "got ..." in messages. */
static const char *describe(struct json_object *v, char *buf, size_t cap)
{
	const char *text;

	switch (json_object_get_type(v)) {
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_null:
		return "null";
	default:
		break;
	}
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strlen(text) > 48)
		snprintf(buf, cap, "%.40s...", text);
	else
		snprintf(buf, cap, "%s", text);
	return buf;
}

/* A key as it may appear in a message: printable ASCII, at most 64 bytes. */
static const char *printable(const char *s, char *buf, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 1 < cap && n < 64; s++)
		buf[n++] = (char)((*s >= 0x20 && *s < 0x7F) ? *s : '?');
	buf[n] = '\0';
	return buf;
}

static int want_bool(struct json_object *v, const char *path, bool *out, struct parse_ctx *c)
{
	char got[64];

	if (!json_object_is_type(v, json_type_boolean))
		return refuse(c, "field \"%s\": expected true or false, got %s", path,
			      describe(v, got, sizeof(got)));
	*out = json_object_get_boolean(v) != 0;
	return 0;
}

/* A non-empty array of at most TDX_POLICY_MAX_LIST entries. */
static int want_list(struct json_object *v, const char *path, const char *empty_hint, size_t *n,
		     struct parse_ctx *c)
{
	char got[64];

	if (!json_object_is_type(v, json_type_array))
		return refuse(c, "field \"%s\": expected an array, got %s", path,
			      describe(v, got, sizeof(got)));
	*n = json_object_array_length(v);
	if (*n == 0)
		return refuse(c, "field \"%s\": an empty list would deny every quote; %s", path,
			      empty_hint);
	if (*n > TDX_POLICY_MAX_LIST)
		return refuse(c, "field \"%s\": %zu entries, more than the limit of %d", path, *n,
			      TDX_POLICY_MAX_LIST);
	return 0;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int decode_hex_entry(struct json_object *v, const char *path, size_t width, uint8_t *out,
			    struct parse_ctx *c)
{
	char got[64];
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return refuse(c, "field \"%s\": expected %zu hex digits, got %s", path, 2 * width,
			      describe(v, got, sizeof(got)));
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n != 2 * width)
		return refuse(c, "field \"%s\": expected %zu hex digits, got %zu characters", path,
			      2 * width, n);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return refuse(c, "field \"%s\": expected %zu hex digits, found a non-hex character at position %zu",
				      path, 2 * width, hi < 0 ? i : i + 1);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---- the fields ---- */

struct field;
typedef int (*field_parser)(struct tdx_policy *p, const struct field *fd, struct json_object *v,
			    struct parse_ctx *c);

struct field {
	const char *name;
	field_parser parse;
	int rule; /* enum hex_rule for allowlists, else -1 */
};

static int parse_description(struct tdx_policy *p, const struct field *fd, struct json_object *v,
			     struct parse_ctx *c)
{
	char got[64];

	(void)p;
	if (!json_object_is_type(v, json_type_string))
		return refuse(c, "field \"%s\": expected a string, got %s", fd->name,
			      describe(v, got, sizeof(got)));
	if (json_object_get_string_len(v) > DESCRIPTION_MAX)
		return refuse(c, "field \"%s\": %d bytes, more than the limit of %d", fd->name,
			      json_object_get_string_len(v), DESCRIPTION_MAX);
	return 0;
}

static int parse_statuses(struct tdx_policy *p, const struct field *fd, struct json_object *v,
			  struct parse_ctx *c)
{
	char path[64], got[64];
	size_t n = 0;

	if (want_list(v, fd->name, "omit the field to allow UpToDate only", &n, c))
		return -1;
	p->status_mask = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(v, i);
		enum tdx_tcb_status s;

		snprintf(path, sizeof(path), "%s[%zu]", fd->name, i);
		if (!json_object_is_type(item, json_type_string) ||
		    tdx_tcb_status_from_name(json_object_get_string(item),
					     (size_t)json_object_get_string_len(item), &s))
			return refuse(c,
				      "field \"%s\": expected a TCB status (UpToDate, SWHardeningNeeded, ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded, TDRelaunchAdvised, TDRelaunchAdvisedConfigurationNeeded), got %s",
				      path, describe(item, got, sizeof(got)));
		if (s == TDX_TCB_REVOKED)
			return refuse(c, "field \"%s\": a Revoked TCB is never acceptable", path);
		p->status_mask |= 1u << s;
	}
	return 0;
}

static int parse_min_eval_num(struct tdx_policy *p, const struct field *fd, struct json_object *v,
			      struct parse_ctx *c)
{
	char got[64];
	int64_t x;

	/* json-c reads "1.0" and "1e2" as doubles, refused: policy numbers are exact. */
	if (!json_object_is_type(v, json_type_int) || (x = json_object_get_int64(v)) < 0 ||
	    x > UINT32_MAX)
		return refuse(c, "field \"%s\": expected an integer 0..4294967295, got %s", fd->name,
			      describe(v, got, sizeof(got)));
	p->has_min_eval_num = true;
	p->min_eval_num = x;
	return 0;
}

static bool advisory_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-';
}

static int parse_refused_advisories(struct tdx_policy *p, const struct field *fd,
				    struct json_object *v, struct parse_ctx *c)
{
	char path[64], got[64];
	size_t n = 0;

	/* want_list refused an empty list; said again for the analyzer. */
	if (want_list(v, fd->name, "omit the field to refuse none", &n, c) || n == 0)
		return -1;
	p->refused = calloc(n, sizeof(*p->refused));
	if (!p->refused)
		return refuse(c, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(v, i);
		const char *s = json_object_get_string(item);
		size_t len = (size_t)json_object_get_string_len(item);
		bool ok = json_object_is_type(item, json_type_string) && len > 0 &&
			  len < TDX_ADVISORY_ID_MAX;

		for (size_t k = 0; ok && k < len; k++)
			ok = advisory_char(s[k]);
		snprintf(path, sizeof(path), "%s[%zu]", fd->name, i);
		if (!ok)
			return refuse(c, "field \"%s\": expected an advisory id like \"INTEL-SA-00837\" (letters, digits, '-', at most %d), got %s",
				      path, TDX_ADVISORY_ID_MAX - 1,
				      describe(item, got, sizeof(got)));
		memcpy(p->refused[i], s, len);
		p->refused[i][len] = '\0';
	}
	p->refused_count = n;
	return 0;
}

static int parse_hex_list(struct tdx_policy *p, const struct field *fd, struct json_object *v,
			  struct parse_ctx *c)
{
	const struct hex_rule_info *info = &hex_rules[fd->rule];
	struct byte_list *l = &p->lists[fd->rule];
	char path[64];
	size_t n = 0;

	if (want_list(v, fd->name,
		      fd->rule == RULE_MR_TD ? "use \"allow_any_mr_td\": true to allow any"
					     : "omit the field to allow any value",
		      &n, c) ||
	    n == 0)
		return -1;
	l->bytes = calloc(n, info->width);
	if (!l->bytes)
		return refuse(c, "out of memory");
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s[%zu]", fd->name, i);
		if (decode_hex_entry(json_object_array_get_idx(v, i), path, info->width,
				     l->bytes + i * info->width, c))
			return -1;
	}
	l->count = n;
	return 0;
}

static int parse_allow_any_mr_td(struct tdx_policy *p, const struct field *fd,
				 struct json_object *v, struct parse_ctx *c)
{
	return want_bool(v, fd->name, &p->allow_any_mr_td, c);
}

static int parse_allow_debug(struct tdx_policy *p, const struct field *fd, struct json_object *v,
			     struct parse_ctx *c)
{
	return want_bool(v, fd->name, &p->allow_debug, c);
}

static int parse_min_tee_tcb_svn(struct tdx_policy *p, const struct field *fd,
				 struct json_object *v, struct parse_ctx *c)
{
	if (decode_hex_entry(v, fd->name, 16, p->min_tee_tcb_svn, c))
		return -1;
	p->has_min_tee_tcb_svn = true;
	return 0;
}

static const struct field fields[] = {
	{"description", parse_description, -1},
	{"tcb_statuses", parse_statuses, -1},
	{"min_tcb_eval_num", parse_min_eval_num, -1},
	{"refused_advisory_ids", parse_refused_advisories, -1},
	{"mr_td", parse_hex_list, RULE_MR_TD},
	{"allow_any_mr_td", parse_allow_any_mr_td, -1},
	{"rtmr_0", parse_hex_list, RULE_RTMR_0},
	{"rtmr_1", parse_hex_list, RULE_RTMR_1},
	{"rtmr_2", parse_hex_list, RULE_RTMR_2},
	{"rtmr_3", parse_hex_list, RULE_RTMR_3},
	{"mr_config_id", parse_hex_list, RULE_MR_CONFIG_ID},
	{"mr_owner", parse_hex_list, RULE_MR_OWNER},
	{"mr_owner_config", parse_hex_list, RULE_MR_OWNER_CONFIG},
	{"mr_seam", parse_hex_list, RULE_MR_SEAM},
	{"mrsigner_seam", parse_hex_list, RULE_MRSIGNER_SEAM},
	{"allow_debug", parse_allow_debug, -1},
	{"td_attributes", parse_hex_list, RULE_TD_ATTRIBUTES},
	{"xfam", parse_hex_list, RULE_XFAM},
	{"min_tee_tcb_svn", parse_min_tee_tcb_svn, -1},
};
#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

static int parse_root(struct tdx_policy *p, struct json_object *root, struct parse_ctx *c)
{
	json_object_object_foreach(root, key, value)
	{
		char name[72];
		size_t i = 0;

		while (i < FIELD_COUNT && strcmp(fields[i].name, key) != 0)
			i++;
		if (i == FIELD_COUNT)
			return refuse(c, "unknown field \"%s\"", printable(key, name, sizeof(name)));
		if (fields[i].parse(p, &fields[i], value, c))
			return -1;
	}
	/* "allow_any_mr_td": false beside a list is consistent and accepted. */
	if (p->allow_any_mr_td && p->lists[RULE_MR_TD].count)
		return refuse(c, "field \"allow_any_mr_td\": ambiguous together with \"mr_td\"; give one or the other");
	if (!p->allow_any_mr_td && !p->lists[RULE_MR_TD].count)
		return refuse(c, "field \"mr_td\" is required (the TD measurements to allow), or set \"allow_any_mr_td\": true");
	return 0;
}

struct tdx_policy *tdx_policy_parse(const char *json_text, size_t len, char *err, size_t err_len)
{
	struct parse_ctx c = {err, err_len};
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	struct tdx_policy *p = NULL;
	char why[160];
	size_t start = 0;
	int rc = -1;

	if (err && err_len)
		err[0] = '\0';
	if (!json_text) {
		refuse(&c, "no policy text");
		goto out;
	}
	if (len > TDX_POLICY_MAX_SIZE) {
		refuse(&c, "policy is %zu bytes, more than the limit of %zu", len, TDX_POLICY_MAX_SIZE);
		goto out;
	}
	while (start < len && json_text[start] && strchr(" \t\r\n", json_text[start]))
		start++;
	if (start == len || json_text[start] != '{') {
		refuse(&c, "the policy must be a JSON object");
		goto out;
	}
	if (json_span_check(json_text, len, TDX_POLICY_MAX_DEPTH, NULL, 0, why, sizeof(why))) {
		refuse(&c, "%s", why);
		goto out;
	}
	tok = json_tokener_new_ex(TDX_POLICY_MAX_DEPTH);
	if (!tok) {
		refuse(&c, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, json_text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object)) {
		refuse(&c, "invalid JSON at offset %zu: %s", json_tokener_get_parse_end(tok),
		       json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		refuse(&c, "out of memory");
		goto out;
	}
	p->status_mask = 1u << TDX_TCB_UP_TO_DATE;
	if (parse_root(p, root, &c))
		goto out;
	rc = 0;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	if (rc) {
		tdx_policy_free(p);
		return NULL;
	}
	return p;
}

void tdx_policy_free(struct tdx_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < HEX_RULES; i++)
		free(p->lists[i].bytes);
	free(p->refused);
	free(p);
}

/* ---- evaluation ---- */

/* Appends to a fixed buffer; output is cut (still terminated) when full. */
struct text {
	char buf[FAILURE_MESSAGE_MAX];
	size_t used;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used >= sizeof(t->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, sizeof(t->buf) - t->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(t->buf) - t->used)
		t->used = sizeof(t->buf) - 1;
	else
		t->used += (size_t)n;
}

static size_t check_statuses(unsigned mask, const struct tdx_result *r, struct failures *f)
{
	struct text allowed = {.used = 0};

	allowed.buf[0] = '\0';
	for (unsigned s = 0; s < TDX_TCB_STATUS_COUNT; s++)
		if (mask & (1u << s))
			text_add(&allowed, "%s%s", allowed.used ? ", " : "",
				 tdx_tcb_status_name((enum tdx_tcb_status)s));
	if (!r->tcb_evaluated) {
		failures_add(f, FAILURE_PREFIX "tcb_status",
			     "the TCB status is unknown (no verified TCB info), allowed: %s",
			     allowed.buf);
		return 1;
	}
	if (mask & (1u << r->tcb_status))
		return 0;
	failures_add(f, FAILURE_PREFIX "tcb_status",
		     "TCB status %s is not one of the allowed statuses: %s",
		     tdx_tcb_status_name(r->tcb_status), allowed.buf);
	return 1;
}

static const uint8_t *report_field(const struct tdx_td_report *b, enum hex_rule rule)
{
	switch (rule) {
	case RULE_MR_TD:
		return b->mr_td;
	case RULE_RTMR_0:
	case RULE_RTMR_1:
	case RULE_RTMR_2:
	case RULE_RTMR_3:
		return b->rtmr[rule - RULE_RTMR_0];
	case RULE_MR_CONFIG_ID:
		return b->mr_config_id;
	case RULE_MR_OWNER:
		return b->mr_owner;
	case RULE_MR_OWNER_CONFIG:
		return b->mr_owner_config;
	case RULE_MR_SEAM:
		return b->mr_seam;
	case RULE_MRSIGNER_SEAM:
		return b->mrsigner_seam;
	case RULE_TD_ATTRIBUTES:
		return b->td_attributes;
	case RULE_XFAM:
	case HEX_RULES:
		break;
	}
	return b->xfam;
}

static size_t check_list(const struct byte_list *l, enum hex_rule rule, const uint8_t *value,
			 struct failures *f)
{
	/* Room for the found value and the sentence around the allowed values. */
	enum { ALLOWED_BUDGET = 280 };
	const struct hex_rule_info *info = &hex_rules[rule];
	char hex[2 * 48 + 1], type[FAILURE_TYPE_MAX];
	struct text allowed = {.used = 0};
	size_t shown = 0;

	if (l->count == 0)
		return 0;
	for (size_t i = 0; i < l->count; i++)
		if (memcmp(l->bytes + i * info->width, value, info->width) == 0)
			return 0;
	allowed.buf[0] = '\0';
	for (; shown < l->count; shown++) {
		bytes_to_hex(l->bytes + shown * info->width, info->width, hex);
		size_t reserve = shown + 1 < l->count ? 20 : 0; /* room for ", and N more" */

		if (allowed.used + 2 + strlen(hex) + reserve > ALLOWED_BUDGET)
			break;
		text_add(&allowed, "%s%s", shown ? ", " : "", hex);
	}
	if (shown < l->count)
		text_add(&allowed, "%sand %zu more", shown ? ", " : "", l->count - shown);
	bytes_to_hex(value, info->width, hex);
	snprintf(type, sizeof(type), FAILURE_PREFIX "%s", info->name);
	if (l->count == 1)
		failures_add(f, type, "%s %s is not the allowed value %s", info->label, hex,
			     allowed.buf);
	else
		failures_add(f, type, "%s %s is not one of the %zu allowed values: %s", info->label,
			     hex, l->count, allowed.buf);
	return 1;
}

static size_t check_eval_num(const struct tdx_policy *p, const struct tdx_result *r,
			     struct failures *f)
{
	struct text msg = {.used = 0};

	if (!p->has_min_eval_num)
		return 0;
	msg.buf[0] = '\0';
	if (!r->tcb_evaluated)
		text_add(&msg, "no verified TCB info");
	else if (r->tcb_eval_num < p->min_eval_num)
		text_add(&msg, "TCB info tcbEvaluationDataNumber %lld", (long long)r->tcb_eval_num);
	if (r->has_qe_identity && r->qe_eval_num < p->min_eval_num)
		text_add(&msg, "%sQE identity tcbEvaluationDataNumber %lld", msg.used ? ", " : "",
			 (long long)r->qe_eval_num);
	if (msg.used == 0)
		return 0;
	failures_add(f, FAILURE_PREFIX "tcb_eval_num", "%s below the minimum %lld", msg.buf,
		     (long long)p->min_eval_num);
	return 1;
}

static size_t check_advisories(const struct tdx_policy *p, const struct tdx_result *r,
			       struct failures *f)
{
	struct text found = {.used = 0};

	found.buf[0] = '\0';
	for (size_t i = 0; i < r->advisory_count; i++)
		for (size_t k = 0; k < p->refused_count; k++)
			if (strcasecmp(r->advisory_ids[i], p->refused[k]) == 0)
				text_add(&found, "%s%s", found.used ? ", " : "", r->advisory_ids[i]);
	if (found.used == 0)
		return 0;
	failures_add(f, FAILURE_PREFIX "advisory_id",
		     "the TCB is affected by refused advisories: %s", found.buf);
	return 1;
}

static size_t check_tee_tcb_svn(const struct tdx_policy *p, const uint8_t svn[16],
				struct failures *f)
{
	char have[33], want[33];
	struct text below = {.used = 0};

	if (!p->has_min_tee_tcb_svn)
		return 0;
	below.buf[0] = '\0';
	for (size_t i = 0; i < 16; i++)
		if (svn[i] < p->min_tee_tcb_svn[i])
			text_add(&below, "%s[%zu] %u < %u", below.used ? ", " : "", i, svn[i],
				 p->min_tee_tcb_svn[i]);
	if (below.used == 0)
		return 0;
	bytes_to_hex(svn, 16, have);
	bytes_to_hex(p->min_tee_tcb_svn, 16, want);
	failures_add(f, FAILURE_PREFIX "tee_tcb_svn",
		     "TEE_TCB_SVN %s is below the minimum %s: %s", have, want, below.buf);
	return 1;
}

size_t tdx_policy_evaluate(const struct tdx_policy *p, const struct tdx_result *r,
			   struct failures *f)
{
	const struct tdx_td_report *b;
	size_t broken = 0;

	if (!p || !r || !f)
		return 0;
	b = &r->quote.body;
	broken += check_statuses(p->status_mask, r, f);
	broken += check_eval_num(p, r, f);
	broken += check_advisories(p, r, f);
	for (int rule = 0; rule < HEX_RULES; rule++) {
		if (rule == RULE_MR_TD && p->allow_any_mr_td)
			continue;
		broken += check_list(&p->lists[rule], (enum hex_rule)rule,
				     report_field(b, (enum hex_rule)rule), f);
	}
	if ((b->td_attributes[0] & TDX_TD_ATTRIBUTES_DEBUG) && !p->allow_debug) {
		char attributes[17];

		bytes_to_hex(b->td_attributes, 8, attributes);
		failures_add(f, FAILURE_PREFIX "debug",
			     "TDATTRIBUTES %s has DEBUG (bit 0) set, a debuggable TD, but the policy does not set allow_debug",
			     attributes);
		broken++;
	}
	broken += check_tee_tcb_svn(p, b->tee_tcb_svn, f);
	return broken;
}

size_t tdx_policy_evaluate_default(const struct tdx_result *r, struct failures *f)
{
	if (!r || !f)
		return 0;
	return check_statuses(1u << TDX_TCB_UP_TO_DATE, r, f);
}
