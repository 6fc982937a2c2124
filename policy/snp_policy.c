/* snp_policy.c - parse, validate and evaluate SEV-SNP appraisal policies (see snp_policy.h).
 *
 * Parsing happens in three passes over a document of at most 1 MiB:
 *  1. json-c in strict mode (no comments, single quotes or trailing commas),
 *     UTF-8 validated, nesting limited; trailing data is refused by json-c
 *     itself in strict mode.
 *  2. A scan of the raw text for duplicate keys in the objects the schema
 *     reads (top level, min_tcb, min_launch_tcb, platform), because json-c
 *     silently keeps the last of two equal keys: {"allow_debug": false, ...,
 *     "allow_debug": true} must not mean whichever the reader saw last. Keys
 *     containing \u0000 are refused everywhere since json-c truncates them
 *     ("a\u0000b" becomes "a"), which would hide a duplicate.
 *  3. The schema walk over the json-c tree, in document order, decoding every
 *     value (hex into bytes, versions into numbers) into struct snp_policy so
 *     that evaluation allocates nothing.
 */
#include "policy/snp_policy.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "verifier/snp_verify.h"

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

/* ---- the decoded policy ---- */

enum tcb_part { TCB_FMC, TCB_BOOTLOADER, TCB_TEE, TCB_SNP, TCB_MICROCODE, TCB_PARTS };

struct named_index {
	const char *name; /* first member: the key scanner reads names by stride */
	unsigned index;
};

static const struct named_index tcb_keys[TCB_PARTS] = {
	{"fmc", TCB_FMC},   {"bootloader", TCB_BOOTLOADER}, {"tee", TCB_TEE},
	{"snp", TCB_SNP},   {"microcode", TCB_MICROCODE},
};

/* PLATFORM_INFO bits (SNP.md §3); bit 6 is undocumented and not selectable. */
static const struct named_index platform_keys[] = {
	{"smt_enabled", 0},	     {"tsme_enabled", 1},	       {"ecc_enabled", 2},
	{"rapl_disabled", 3},	     {"ciphertext_hiding_enabled", 4}, {"alias_check_complete", 5},
	{"tio_enabled", 7},
};
#define PLATFORM_KEY_COUNT (sizeof(platform_keys) / sizeof(platform_keys[0]))

struct tcb_minimum {
	bool given[TCB_PARTS];
	uint8_t value[TCB_PARTS];
};

/* An allowlist of fixed-width byte strings; count == 0 means "no rule". */
struct byte_list {
	size_t count;
	size_t width;   /* bytes per entry */
	uint8_t *bytes; /* count * width, decoded from hex once */
};

struct version_minimum {
	bool given;
	bool has_build; /* only firmware versions have one, and only when written */
	uint8_t major, minor, build;
};

struct snp_policy {
	bool allow_any_measurement;
	struct byte_list measurements;
	struct tcb_minimum min_tcb, min_launch_tcb;
	bool require_committed_equals_current;
	struct version_minimum min_firmware;
	bool allow_debug, allow_migrate_ma, allow_smt, require_single_socket;
	struct version_minimum min_abi;
	unsigned vmpl_mask; /* bit n: VMPL n allowed; 0: no rule */
	struct byte_list host_data, id_key_digests, author_key_digests;
	struct byte_list family_ids, image_ids, chip_ids;
	bool has_min_guest_svn, has_min_report_version;
	uint32_t min_guest_svn, min_report_version;
	unsigned signing_key_mask; /* bit enum snp_signing_key; 0: no rule */
	unsigned product_mask;     /* bit enum snp_product; 0: no rule */
	uint64_t platform_mask;    /* PLATFORM_INFO bits the policy states */
	uint64_t platform_value;   /* their required values */
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
	/* Strings come back quoted and escaped, so control characters stay on one line. */
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

/* ---- pass 2: duplicate keys in the raw text ---- */

struct scan {
	const char *s;
	size_t len, pos;
	struct parse_ctx *c;
};

/* Which names an object may hold: read from a table whose rows start with a
 * const char * name, rows stride bytes apart. */
struct name_table {
	const void *rows;
	size_t stride, count;
	const char *path; /* "" for the top level */
};

static void scan_ws(struct scan *sc)
{
	/* The text holds no NUL (refused up front), so strchr cannot match the terminator. */
	while (sc->pos < sc->len && strchr(" \t\r\n\f\v", sc->s[sc->pos]))
		sc->pos++;
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

/* Skips a string at sc->pos; when key is non-NULL decodes it into key (NUL
 * terminated) and clears *plain if it is too long or not ASCII, i.e. cannot
 * be one of our names. A \u0000 is refused: json-c cuts keys there. */
static int scan_string(struct scan *sc, char *key, size_t cap, bool *plain)
{
	size_t n = 0;

	sc->pos++; /* the opening quote */
	while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
		char ch = sc->s[sc->pos++];
		unsigned code = 0;

		if (ch == '\\') {
			if (sc->pos >= sc->len)
				break;
			ch = sc->s[sc->pos++];
			if (ch == 'u') {
				for (int i = 0; i < 4; i++) {
					int d = sc->pos < sc->len ? hex_value(sc->s[sc->pos]) : -1;

					if (d < 0)
						return refuse(sc->c, "invalid JSON: bad \\u escape at offset %zu",
							      sc->pos);
					code = code * 16 + (unsigned)d;
					sc->pos++;
				}
				if (code == 0 && key)
					return refuse(sc->c,
						      "a key contains \\u0000 (offset %zu), which json-c "
						      "would cut short",
						      sc->pos);
				ch = (char)(code < 0x80 ? code : '\0');
			} else {
				const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
				const char *at = strchr(from, ch);

				ch = (char)(at && ch ? to[at - from] : '\0');
			}
		}
		if (!key)
			continue;
		if (ch == '\0' || (unsigned char)ch >= 0x80 || n + 1 >= cap)
			*plain = false;
		else
			key[n++] = ch;
	}
	if (sc->pos >= sc->len)
		return refuse(sc->c, "invalid JSON: unterminated string");
	sc->pos++; /* the closing quote */
	if (key)
		key[n] = '\0';
	return 0;
}

/* scan_object, scan_array and scan_value recurse into each other, once per
 * nesting level: scan_value passes depth + 1 and the other two refuse a
 * depth past SNP_POLICY_MAX_DEPTH before reading on, so at most about
 * 2 * SNP_POLICY_MAX_DEPTH frames are ever on the stack, whatever the input. */
static int scan_value(struct scan *sc, int depth);

/* Returns the row index of name in t, or -1. */
static int table_find(const struct name_table *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++) {
		const char *row = *(const char *const *)((const char *)t->rows + i * t->stride);

		if (strcmp(row, name) == 0)
			return (int)i;
	}
	return -1;
}

static const struct name_table *sub_table(const struct name_table *t, const char *key);

/* Scans an object; when t is non-NULL, refuses a name of t given twice. Keys
 * not in t are left to the schema walk, which refuses them as unknown. */
static int scan_object(struct scan *sc, int depth, const struct name_table *t) // NOLINT(misc-no-recursion): depth <= SNP_POLICY_MAX_DEPTH
{
	uint64_t seen = 0;

	if (depth > SNP_POLICY_MAX_DEPTH)
		return refuse(sc->c, "JSON nested deeper than %d levels", SNP_POLICY_MAX_DEPTH);
	sc->pos++; /* '{' */
	scan_ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == '}') {
		sc->pos++;
		return 0;
	}
	for (;;) {
		char key[40];
		bool plain = true;
		int row;

		scan_ws(sc);
		if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
			return refuse(sc->c, "invalid JSON: expected a key at offset %zu", sc->pos);
		if (scan_string(sc, key, sizeof(key), &plain))
			return -1;
		scan_ws(sc);
		if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
			return refuse(sc->c, "invalid JSON: expected ':' at offset %zu", sc->pos);
		sc->pos++;
		scan_ws(sc);
		row = plain && t ? table_find(t, key) : -1;
		if (row >= 0) {
			if (seen & (1ull << row))
				return refuse(sc->c, "duplicate key \"%s%s%s\"", t->path,
					      t->path[0] ? "." : "", key);
			seen |= 1ull << row;
		}
		if (row >= 0 && sub_table(t, key) && sc->pos < sc->len && sc->s[sc->pos] == '{') {
			if (scan_object(sc, depth + 1, sub_table(t, key)))
				return -1;
		} else if (scan_value(sc, depth)) {
			return -1;
		}
		scan_ws(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == ',') {
			sc->pos++;
			continue;
		}
		if (sc->pos < sc->len && sc->s[sc->pos] == '}') {
			sc->pos++;
			return 0;
		}
		return refuse(sc->c, "invalid JSON: expected ',' or '}' at offset %zu", sc->pos);
	}
}

static int scan_array(struct scan *sc, int depth) // NOLINT(misc-no-recursion): depth <= SNP_POLICY_MAX_DEPTH
{
	if (depth > SNP_POLICY_MAX_DEPTH)
		return refuse(sc->c, "JSON nested deeper than %d levels", SNP_POLICY_MAX_DEPTH);
	sc->pos++; /* '[' */
	scan_ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
		sc->pos++;
		return 0;
	}
	for (;;) {
		if (scan_value(sc, depth))
			return -1;
		scan_ws(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == ',') {
			sc->pos++;
			continue;
		}
		if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
			sc->pos++;
			return 0;
		}
		return refuse(sc->c, "invalid JSON: expected ',' or ']' at offset %zu", sc->pos);
	}
}

/* A value nested in an object or array at depth: its own depth is depth + 1. */
static int scan_value(struct scan *sc, int depth) // NOLINT(misc-no-recursion): callees check the depth
{
	scan_ws(sc);
	if (sc->pos >= sc->len)
		return refuse(sc->c, "invalid JSON: value expected at offset %zu", sc->pos);
	switch (sc->s[sc->pos]) {
	case '{':
		return scan_object(sc, depth + 1, NULL);
	case '[':
		return scan_array(sc, depth + 1);
	case '"':
		return scan_string(sc, NULL, 0, NULL);
	default:
		/* Numbers, true, false, null: json-c already checked their spelling. */
		while (sc->pos < sc->len && !strchr(",]} \t\r\n\f\v", sc->s[sc->pos]))
			sc->pos++;
		return 0;
	}
}

/* ---- pass 3: the schema ---- */

struct field;
typedef int (*field_parser)(struct snp_policy *p, const struct field *fd, struct json_object *v,
			    struct parse_ctx *c);

struct field {
	const char *name; /* first member: the key scanner reads names by stride */
	field_parser parse;
	size_t offset; /* of the member of struct snp_policy it fills */
	size_t width;  /* hex lists: bytes per entry */
};

#define MEMBER(p, fd, type) ((type *)((char *)(p) + (fd)->offset))

static int want_bool(struct json_object *v, const char *path, bool *out, struct parse_ctx *c)
{
	char got[64];

	if (!json_object_is_type(v, json_type_boolean))
		return refuse(c, "field \"%s\": expected true or false, got %s", path,
			      describe(v, got, sizeof(got)));
	*out = json_object_get_boolean(v) != 0;
	return 0;
}

static int want_integer(struct json_object *v, const char *path, int64_t min, int64_t max,
			int64_t *out, struct parse_ctx *c)
{
	char got[64];
	int64_t x = 0;

	/* json-c saturates integers beyond int64/uint64 and reads "1.0" and "1e2"
	 * as doubles, which are refused: policy numbers are exact. */
	if (!json_object_is_type(v, json_type_int))
		return refuse(c, "field \"%s\": expected an integer %lld..%lld, got %s", path,
			      (long long)min, (long long)max, describe(v, got, sizeof(got)));
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return refuse(c, "field \"%s\": expected an integer %lld..%lld, got %s", path,
			      (long long)min, (long long)max, describe(v, got, sizeof(got)));
	*out = x;
	return 0;
}

/* A non-empty array of at most SNP_POLICY_MAX_LIST entries. */
static int want_list(struct json_object *v, const char *path, const char *empty_hint,
		     size_t *n, struct parse_ctx *c)
{
	char got[64];

	if (!json_object_is_type(v, json_type_array))
		return refuse(c, "field \"%s\": expected an array, got %s", path,
			      describe(v, got, sizeof(got)));
	*n = json_object_array_length(v);
	if (*n == 0)
		return refuse(c, "field \"%s\": an empty list would deny every report; %s", path,
			      empty_hint);
	if (*n > SNP_POLICY_MAX_LIST)
		return refuse(c, "field \"%s\": %zu entries, more than the limit of %d", path, *n,
			      SNP_POLICY_MAX_LIST);
	return 0;
}

static int want_object(struct json_object *v, const char *path, struct parse_ctx *c)
{
	char got[64];

	if (!json_object_is_type(v, json_type_object))
		return refuse(c, "field \"%s\": expected an object, got %s", path,
			      describe(v, got, sizeof(got)));
	return 0;
}

static int parse_bool_field(struct snp_policy *p, const struct field *fd, struct json_object *v,
			    struct parse_ctx *c)
{
	return want_bool(v, fd->name, MEMBER(p, fd, bool), c);
}

static int parse_description(struct snp_policy *p, const struct field *fd, struct json_object *v,
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

/* Decodes one hex entry of 2 * width digits, or 2 * short_width digits
 * (zero-extended to width) when short_width is non-zero. */
static int decode_hex_entry(struct json_object *v, const char *path, size_t width,
			    size_t short_width, uint8_t *out, struct parse_ctx *c)
{
	char got[64], expected[48];
	const char *s;
	size_t n = 0;

	if (short_width)
		snprintf(expected, sizeof(expected), "%zu or %zu hex digits", 2 * width,
			 2 * short_width);
	else
		snprintf(expected, sizeof(expected), "%zu hex digits", 2 * width);
	if (!json_object_is_type(v, json_type_string))
		return refuse(c, "field \"%s\": expected %s, got %s", path, expected,
			      describe(v, got, sizeof(got)));
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n != 2 * width && (!short_width || n != 2 * short_width))
		return refuse(c, "field \"%s\": expected %s, got %zu characters", path, expected, n);
	memset(out, 0, width);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return refuse(c, "field \"%s\": expected %s, found a non-hex character at position %zu",
				      path, expected, hi < 0 ? i : i + 1);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_hex_list(struct snp_policy *p, const struct field *fd, struct json_object *v,
			  size_t short_width, const char *empty_hint, struct parse_ctx *c)
{
	struct byte_list *l = MEMBER(p, fd, struct byte_list);
	char path[64];
	size_t n = 0;

	if (want_list(v, fd->name, empty_hint, &n, c))
		return -1;
	/* False positive: want_list() refused n == 0; the analyzer does not follow variadic refuse(). */
	l->bytes = calloc(n, fd->width); // NOLINT(clang-analyzer-optin.portability.UnixAPI)
	if (!l->bytes)
		return refuse(c, "out of memory");
	l->width = fd->width;
	for (size_t i = 0; i < n; i++) {
		uint8_t *entry = l->bytes + i * fd->width;

		snprintf(path, sizeof(path), "%s[%zu]", fd->name, i);
		if (decode_hex_entry(json_object_array_get_idx(v, i), path, fd->width, short_width,
				     entry, c))
			return -1;
		/* An all-zero CHIP_ID is what a report shows when the chip id is
		 * masked (MASK_CHIP_ID, most VLEK reports): allowing it would allow
		 * every such report, whatever chip it came from. */
		if (short_width && bytes_all_zero(entry, fd->width))
			return refuse(c,
				      "field \"%s\": an all-zero chip id matches every report "
				      "whose CHIP_ID is masked; omit \"chip_ids\" instead",
				      path);
	}
	l->count = n;
	return 0;
}

static int parse_hex_field(struct snp_policy *p, const struct field *fd, struct json_object *v,
			   struct parse_ctx *c)
{
	return parse_hex_list(p, fd, v, 0, "omit the field to allow any value", c);
}

static int parse_measurements(struct snp_policy *p, const struct field *fd, struct json_object *v,
			      struct parse_ctx *c)
{
	return parse_hex_list(p, fd, v, 0, "use \"allow_any_measurement\": true to allow any", c);
}

/* Turin chip ids are 8 bytes; the report zero-fills CHIP_ID[8:64]. */
static int parse_chip_ids(struct snp_policy *p, const struct field *fd, struct json_object *v,
			  struct parse_ctx *c)
{
	return parse_hex_list(p, fd, v, 8, "omit the field to allow any value", c);
}

static int parse_tcb_minimum(struct snp_policy *p, const struct field *fd, struct json_object *v,
			     struct parse_ctx *c)
{
	struct tcb_minimum *m = MEMBER(p, fd, struct tcb_minimum);
	char path[96], name[72];

	if (want_object(v, fd->name, c))
		return -1;
	json_object_object_foreach(v, key, value)
	{
		size_t i = 0;
		int64_t x = 0;

		while (i < TCB_PARTS && strcmp(tcb_keys[i].name, key) != 0)
			i++;
		if (i == TCB_PARTS)
			return refuse(c, "unknown field \"%s.%s\" (expected bootloader, tee, snp, microcode, fmc)",
				      fd->name, printable(key, name, sizeof(name)));
		snprintf(path, sizeof(path), "%s.%s", fd->name, key);
		if (want_integer(value, path, 0, 255, &x, c))
			return -1;
		m->given[tcb_keys[i].index] = true;
		m->value[tcb_keys[i].index] = (uint8_t)x;
	}
	return 0;
}

/* "M.m" (allow_build false) or "M.m" / "M.m.b"; each part 1-3 digits, 0..255. */
static bool parse_version_text(const char *s, size_t len, bool allow_build,
			       struct version_minimum *out)
{
	unsigned parts[3];
	size_t count = 0, i = 0;

	while (count < 3) {
		unsigned value = 0;
		size_t digits = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			value = value * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3 || value > 255)
			return false;
		parts[count++] = value;
		if (i == len)
			break;
		if (s[i] != '.')
			return false;
		i++;
	}
	if (i != len || count < 2 || (count == 3 && !allow_build))
		return false;
	out->given = true;
	out->major = (uint8_t)parts[0];
	out->minor = (uint8_t)parts[1];
	out->has_build = count == 3;
	out->build = out->has_build ? (uint8_t)parts[2] : 0;
	return true;
}

static int parse_version_field(struct snp_policy *p, const struct field *fd, struct json_object *v,
			       bool allow_build, struct parse_ctx *c)
{
	const char *expected = allow_build ? "\"major.minor\" or \"major.minor.build\""
					   : "\"major.minor\"";
	char got[64];

	if (!json_object_is_type(v, json_type_string) ||
	    !parse_version_text(json_object_get_string(v), (size_t)json_object_get_string_len(v),
				allow_build, MEMBER(p, fd, struct version_minimum)))
		return refuse(c, "field \"%s\": expected %s with each part 0..255, got %s", fd->name,
			      expected, describe(v, got, sizeof(got)));
	return 0;
}

static int parse_min_firmware(struct snp_policy *p, const struct field *fd, struct json_object *v,
			      struct parse_ctx *c)
{
	return parse_version_field(p, fd, v, true, c);
}

static int parse_min_abi(struct snp_policy *p, const struct field *fd, struct json_object *v,
			 struct parse_ctx *c)
{
	return parse_version_field(p, fd, v, false, c);
}

static int parse_vmpls(struct snp_policy *p, const struct field *fd, struct json_object *v,
		       struct parse_ctx *c)
{
	char path[64];
	size_t n = 0;

	if (want_list(v, fd->name, "omit the field to allow any VMPL", &n, c))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t x = 0;

		snprintf(path, sizeof(path), "%s[%zu]", fd->name, i);
		if (want_integer(json_object_array_get_idx(v, i), path, 0, 3, &x, c))
			return -1;
		p->vmpl_mask |= 1u << x;
	}
	return 0;
}

static int parse_min_guest_svn(struct snp_policy *p, const struct field *fd, struct json_object *v,
			       struct parse_ctx *c)
{
	int64_t x = 0;

	if (want_integer(v, fd->name, 0, UINT32_MAX, &x, c))
		return -1;
	p->has_min_guest_svn = true;
	p->min_guest_svn = (uint32_t)x;
	return 0;
}

static int parse_min_report_version(struct snp_policy *p, const struct field *fd,
				    struct json_object *v, struct parse_ctx *c)
{
	int64_t x = 0;

	if (want_integer(v, fd->name, 2, 255, &x, c))
		return -1;
	p->has_min_report_version = true;
	p->min_report_version = (uint32_t)x;
	return 0;
}

/* A list of names from choices (case-insensitive), as a bit mask of their indexes. */
static int parse_name_list(const struct field *fd, struct json_object *v,
			   const struct named_index *choices, size_t n_choices,
			   const char *expected, unsigned *mask, struct parse_ctx *c)
{
	char path[64], got[64];
	size_t n = 0;

	if (want_list(v, fd->name, "omit the field to allow any value", &n, c))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(v, i);
		size_t k = 0;

		snprintf(path, sizeof(path), "%s[%zu]", fd->name, i);
		if (json_object_is_type(item, json_type_string)) {
			const char *s = json_object_get_string(item);
			size_t len = (size_t)json_object_get_string_len(item);

			/* Compare lengths too: an embedded \u0000 must not shorten a match. */
			while (k < n_choices && !(strlen(choices[k].name) == len &&
						  strcasecmp(choices[k].name, s) == 0))
				k++;
		}
		if (!json_object_is_type(item, json_type_string) || k == n_choices)
			return refuse(c, "field \"%s\": expected one of %s, got %s", path, expected,
				      describe(item, got, sizeof(got)));
		*mask |= 1u << choices[k].index;
	}
	return 0;
}

static const struct named_index signing_key_names[] = {
	{"vcek", SNP_SIGNING_KEY_VCEK},
	{"vlek", SNP_SIGNING_KEY_VLEK},
};

static const struct named_index product_names[] = {
	{"Milan", SNP_PRODUCT_MILAN},
	{"Genoa", SNP_PRODUCT_GENOA},
	{"Turin", SNP_PRODUCT_TURIN},
};

static int parse_signing_keys(struct snp_policy *p, const struct field *fd, struct json_object *v,
			      struct parse_ctx *c)
{
	return parse_name_list(fd, v, signing_key_names, 2, "\"vcek\", \"vlek\"",
			       &p->signing_key_mask, c);
}

static int parse_products(struct snp_policy *p, const struct field *fd, struct json_object *v,
			  struct parse_ctx *c)
{
	return parse_name_list(fd, v, product_names, 3, "\"Milan\", \"Genoa\", \"Turin\"",
			       &p->product_mask, c);
}

static int parse_platform(struct snp_policy *p, const struct field *fd, struct json_object *v,
			  struct parse_ctx *c)
{
	char path[96], name[72];

	if (want_object(v, fd->name, c))
		return -1;
	json_object_object_foreach(v, key, value)
	{
		size_t i = 0;
		bool required = false;

		while (i < PLATFORM_KEY_COUNT && strcmp(platform_keys[i].name, key) != 0)
			i++;
		if (i == PLATFORM_KEY_COUNT)
			return refuse(c,
				      "unknown field \"%s.%s\" (expected smt_enabled, "
				      "tsme_enabled, ecc_enabled, rapl_disabled, "
				      "ciphertext_hiding_enabled, alias_check_complete, tio_enabled)",
				      fd->name, printable(key, name, sizeof(name)));
		snprintf(path, sizeof(path), "%s.%s", fd->name, key);
		if (want_bool(value, path, &required, c))
			return -1;
		p->platform_mask |= 1ull << platform_keys[i].index;
		if (required)
			p->platform_value |= 1ull << platform_keys[i].index;
	}
	return 0;
}

#define AT(member) offsetof(struct snp_policy, member)

static const struct field fields[] = {
	{"description", parse_description, 0, 0},
	{"measurements", parse_measurements, AT(measurements), 48},
	{"allow_any_measurement", parse_bool_field, AT(allow_any_measurement), 0},
	{"min_tcb", parse_tcb_minimum, AT(min_tcb), 0},
	{"min_launch_tcb", parse_tcb_minimum, AT(min_launch_tcb), 0},
	{"require_committed_equals_current", parse_bool_field,
	 AT(require_committed_equals_current), 0},
	{"min_firmware", parse_min_firmware, AT(min_firmware), 0},
	{"allow_debug", parse_bool_field, AT(allow_debug), 0},
	{"allow_migrate_ma", parse_bool_field, AT(allow_migrate_ma), 0},
	{"allow_smt", parse_bool_field, AT(allow_smt), 0},
	{"require_single_socket", parse_bool_field, AT(require_single_socket), 0},
	{"min_abi", parse_min_abi, AT(min_abi), 0},
	{"vmpls", parse_vmpls, 0, 0},
	{"host_data", parse_hex_field, AT(host_data), 32},
	{"id_key_digests", parse_hex_field, AT(id_key_digests), 48},
	{"author_key_digests", parse_hex_field, AT(author_key_digests), 48},
	{"family_ids", parse_hex_field, AT(family_ids), 16},
	{"image_ids", parse_hex_field, AT(image_ids), 16},
	{"chip_ids", parse_chip_ids, AT(chip_ids), 64},
	{"min_guest_svn", parse_min_guest_svn, 0, 0},
	{"min_report_version", parse_min_report_version, 0, 0},
	{"signing_keys", parse_signing_keys, 0, 0},
	{"products", parse_products, 0, 0},
	{"platform", parse_platform, 0, 0},
};
#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))
/* scan_object() tracks the names of a table in a 64-bit mask. */
_Static_assert(FIELD_COUNT <= 64, "too many top-level fields for the duplicate-key mask");

static const struct name_table top_names = {fields, sizeof(fields[0]), FIELD_COUNT, ""};
static const struct name_table min_tcb_names = {tcb_keys, sizeof(tcb_keys[0]), TCB_PARTS,
						"min_tcb"};
static const struct name_table min_launch_tcb_names = {tcb_keys, sizeof(tcb_keys[0]), TCB_PARTS,
						       "min_launch_tcb"};
static const struct name_table platform_names = {platform_keys, sizeof(platform_keys[0]),
						 PLATFORM_KEY_COUNT, "platform"};

/* The objects nested in the top level whose keys the schema reads. */
static const struct name_table *sub_table(const struct name_table *t, const char *key)
{
	if (t != &top_names)
		return NULL;
	if (strcmp(key, "min_tcb") == 0)
		return &min_tcb_names;
	if (strcmp(key, "min_launch_tcb") == 0)
		return &min_launch_tcb_names;
	if (strcmp(key, "platform") == 0)
		return &platform_names;
	return NULL;
}

static int parse_root(struct snp_policy *p, struct json_object *root, struct parse_ctx *c)
{
	/* Document order, so the first offending field is the one reported. */
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
	/* "allow_any_measurement": false beside a list is consistent and accepted. */
	if (p->allow_any_measurement && p->measurements.count)
		return refuse(c, "field \"allow_any_measurement\": ambiguous together with "
				 "\"measurements\"; give one or the other");
	if (!p->allow_any_measurement && !p->measurements.count)
		return refuse(c, "field \"measurements\" is required (or set "
				 "\"allow_any_measurement\": true)");
	return 0;
}

struct snp_policy *snp_policy_parse(const char *json_text, size_t len, char *err, size_t err_len)
{
	struct parse_ctx c = {err, err_len};
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	struct snp_policy *p = NULL;
	struct scan sc;
	enum json_tokener_error jerr;
	size_t start = 0;
	int rc = -1;

	if (err && err_len)
		err[0] = '\0';
	if (!json_text || len == 0) {
		refuse(&c, "policy is empty");
		goto out;
	}
	if (len > SNP_POLICY_MAX_SIZE) {
		refuse(&c, "policy is %zu bytes, more than the limit of %zu", len, SNP_POLICY_MAX_SIZE);
		goto out;
	}
	/* json-c would stop at a NUL and take the rest for trailing data, or not. */
	if (memchr(json_text, '\0', len)) {
		refuse(&c, "policy contains a NUL byte at offset %zu",
		       (size_t)((const char *)memchr(json_text, '\0', len) - json_text));
		goto out;
	}
	while (start < len && strchr(" \t\r\n", json_text[start]))
		start++;
	/* Checked first: json-c cannot tell a bare top-level number from a truncated one. */
	if (start == len) {
		refuse(&c, "the policy must be a JSON object, got only white space");
		goto out;
	}
	if (json_text[start] != '{') {
		unsigned char first = (unsigned char)json_text[start];

		if (first >= 0x20 && first < 0x7F)
			refuse(&c, "the policy must be a JSON object, got '%c' at offset %zu",
			       first, start);
		else
			refuse(&c, "the policy must be a JSON object, got byte 0x%02x at offset %zu",
			       first, start);
		goto out;
	}
	tok = json_tokener_new_ex(SNP_POLICY_MAX_DEPTH);
	if (!tok) {
		refuse(&c, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, json_text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		refuse(&c, "invalid JSON: the document ends early");
		goto out;
	}
	if (jerr == json_tokener_error_depth) {
		refuse(&c, "invalid JSON: nested deeper than %d levels (offset %zu)",
		       SNP_POLICY_MAX_DEPTH, json_tokener_get_parse_end(tok));
		goto out;
	}
	if (jerr != json_tokener_success || !root) {
		refuse(&c, "invalid JSON at offset %zu: %s", json_tokener_get_parse_end(tok),
		       json_tokener_error_desc(jerr));
		goto out;
	}
	/* Strict mode already refuses trailing data; this guards the assumption. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (!strchr(" \t\r\n", json_text[i])) {
			refuse(&c, "invalid JSON: trailing data at offset %zu", i);
			goto out;
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		refuse(&c, "the policy must be a JSON object");
		goto out;
	}
	sc = (struct scan){json_text, len, start, &c};
	if (scan_object(&sc, 1, &top_names))
		goto out;
	p = calloc(1, sizeof(*p));
	if (!p) {
		refuse(&c, "out of memory");
		goto out;
	}
	p->allow_smt = true;
	if (parse_root(p, root, &c))
		goto out;
	rc = 0;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	if (rc) {
		snp_policy_free(p);
		return NULL;
	}
	return p;
}

void snp_policy_free(struct snp_policy *p)
{
	if (!p)
		return;
	free(p->measurements.bytes);
	free(p->host_data.bytes);
	free(p->id_key_digests.bytes);
	free(p->author_key_digests.bytes);
	free(p->family_ids.bytes);
	free(p->image_ids.bytes);
	free(p->chip_ids.bytes);
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
	/* On truncation vsnprintf reports the full length; the buffer is then full. */
	if ((size_t)n >= sizeof(t->buf) - t->used)
		t->used = sizeof(t->buf) - 1;
	else
		t->used += (size_t)n;
}

/* Hex of a list entry or report field; Turin-style chip ids (CHIP_ID[8:64]
 * zero, CHIP_ID[0:8] not) are shown in their 16-digit form, as operators
 * write them. A masked (all-zero) CHIP_ID is shown in full. */
static void entry_hex(const uint8_t *p, size_t width, bool chip, char out[2 * 64 + 1])
{
	if (chip && width == 64 && bytes_all_zero(p + 8, 56) && !bytes_all_zero(p, 8))
		width = 8;
	bytes_to_hex(p, width, out);
}

struct list_rule {
	const char *id;       /* failure id suffix */
	const char *label;    /* the report field */
	const char *singular; /* "measurement" */
	const char *plural;   /* "measurements" */
	bool chip;
};

static size_t check_list(const struct byte_list *l, const uint8_t *value,
			 const struct list_rule *rule, struct failures *f)
{
	/* Room for the found value and the sentence around the allowed values. */
	enum { ALLOWED_BUDGET = 280 };
	char hex[2 * 64 + 1], type[FAILURE_TYPE_MAX];
	struct text allowed = {.used = 0};
	size_t shown = 0;

	if (l->count == 0)
		return 0;
	for (size_t i = 0; i < l->count; i++)
		if (memcmp(l->bytes + i * l->width, value, l->width) == 0)
			return 0;
	allowed.buf[0] = '\0';
	for (; shown < l->count; shown++) {
		entry_hex(l->bytes + shown * l->width, l->width, rule->chip, hex);
		/* Keep room for ", and 4096 more" unless this is the last entry. */
		if (allowed.used + 2 + strlen(hex) + (shown + 1 < l->count ? 20 : 0) > ALLOWED_BUDGET)
			break;
		text_add(&allowed, "%s%s", shown ? ", " : "", hex);
	}
	if (shown < l->count)
		text_add(&allowed, "%sand %zu more", shown ? ", " : "", l->count - shown);
	entry_hex(value, l->width, rule->chip, hex);
	snprintf(type, sizeof(type), FAILURE_PREFIX "%s", rule->id);
	if (l->count == 1)
		failures_add(f, type, "%s %s is not the allowed %s %s", rule->label, hex,
			     rule->singular, allowed.buf);
	else
		failures_add(f, type, "%s %s is not one of the %zu allowed %s: %s", rule->label, hex,
			     l->count, rule->plural, allowed.buf);
	return 1;
}

static uint8_t tcb_value(struct snp_tcb t, enum tcb_part part)
{
	switch (part) {
	case TCB_FMC:
		return t.fmc;
	case TCB_BOOTLOADER:
		return t.bootloader;
	case TCB_TEE:
		return t.tee;
	case TCB_SNP:
		return t.snp;
	case TCB_MICROCODE:
	case TCB_PARTS:
		break;
	}
	return t.microcode;
}

static size_t check_tcb_minimum(const struct tcb_minimum *m, uint64_t raw,
				enum snp_product product, const char *label, const char *id,
				struct failures *f)
{
	struct snp_tcb tcb = snp_tcb_decode(raw, product);
	struct text msg = {.used = 0};
	size_t below = 0;

	msg.buf[0] = '\0';
	for (unsigned part = 0; part < TCB_PARTS; part++) {
		uint8_t actual = tcb_value(tcb, (enum tcb_part)part);

		/* Milan and Genoa TCB_VERSIONs have no FMC byte (SNP.md §5): a
		 * minimum for it only applies to Turin and is ignored elsewhere. */
		if (part == TCB_FMC && product != SNP_PRODUCT_TURIN)
			continue;
		if (!m->given[part] || actual >= m->value[part])
			continue;
		text_add(&msg, "%s%s %u is below the minimum %u", below ? ", " : "",
			 tcb_keys[part].name, actual, m->value[part]);
		below++;
	}
	if (below == 0)
		return 0;
	failures_add(f, id, "%s %s", label, msg.buf);
	return 1;
}

static size_t check_committed(const struct snp_report *r, enum snp_product product,
			      struct failures *f)
{
	struct snp_tcb committed = snp_tcb_decode(r->committed_tcb, product);
	struct snp_tcb current = snp_tcb_decode(r->current_tcb, product);
	const struct snp_firmware *cf = &r->committed_fw, *uf = &r->current_fw;
	bool tcb_same = snp_tcb_equal(committed, current, product);
	bool fw_same = cf->major == uf->major && cf->minor == uf->minor && cf->build == uf->build;
	char a[64], b[64];
	struct text msg = {.used = 0};

	if (tcb_same && fw_same)
		return 0;
	msg.buf[0] = '\0';
	if (!tcb_same) {
		snp_tcb_format(committed, product, a, sizeof(a));
		snp_tcb_format(current, product, b, sizeof(b));
		text_add(&msg, "COMMITTED_TCB %s differs from CURRENT_TCB %s", a, b);
	}
	if (!fw_same)
		text_add(&msg, "%scommitted firmware %u.%u.%u differs from current %u.%u.%u",
			 tcb_same ? "" : "; ", cf->major, cf->minor, cf->build, uf->major, uf->minor,
			 uf->build);
	failures_add(f, FAILURE_PREFIX "committed_tcb", "%s (provisional firmware is not allowed)",
		     msg.buf);
	return 1;
}

static size_t check_firmware(const struct version_minimum *m, struct snp_firmware fw,
			     struct failures *f)
{
	char want[16];
	bool below;

	if (!m->given)
		return 0;
	if (fw.major != m->major)
		below = fw.major < m->major;
	else if (fw.minor != m->minor)
		below = fw.minor < m->minor;
	else
		below = m->has_build && fw.build < m->build;
	if (!below)
		return 0;
	if (m->has_build)
		snprintf(want, sizeof(want), "%u.%u.%u", m->major, m->minor, m->build);
	else
		snprintf(want, sizeof(want), "%u.%u", m->major, m->minor);
	failures_add(f, FAILURE_PREFIX "min_firmware",
		     "current firmware %u.%u.%u is below the minimum %s", fw.major, fw.minor,
		     fw.build, want);
	return 1;
}

static size_t check_guest_policy(const struct snp_policy *p, uint64_t policy, struct failures *f)
{
	unsigned abi_major = (unsigned)(policy >> 8) & 0xFF, abi_minor = (unsigned)policy & 0xFF;
	size_t broken = 0;

	if ((policy & SNP_POLICY_DEBUG) && !p->allow_debug) {
		failures_add(f, FAILURE_PREFIX "debug",
			     "guest policy 0x%llx allows debugging (DEBUG, bit 19) "
			     "but the policy does not set allow_debug",
			     (unsigned long long)policy);
		broken++;
	}
	if ((policy & SNP_POLICY_MIGRATE_MA) && !p->allow_migrate_ma) {
		failures_add(f, FAILURE_PREFIX "migrate_ma",
			     "guest policy 0x%llx allows a migration agent (MIGRATE_MA, bit 18) "
			     "but the policy does not set allow_migrate_ma",
			     (unsigned long long)policy);
		broken++;
	}
	if ((policy & SNP_POLICY_SMT) && !p->allow_smt) {
		failures_add(f, FAILURE_PREFIX "smt",
			     "guest policy 0x%llx allows SMT (bit 16) but the policy sets allow_smt false",
			     (unsigned long long)policy);
		broken++;
	}
	if (!(policy & SNP_POLICY_SINGLE_SOCKET) && p->require_single_socket) {
		failures_add(f, FAILURE_PREFIX "single_socket",
			     "guest policy 0x%llx does not require a single socket "
			     "(SINGLE_SOCKET, bit 20 clear) but the policy sets require_single_socket",
			     (unsigned long long)policy);
		broken++;
	}
	if (p->min_abi.given &&
	    (abi_major < p->min_abi.major ||
	     (abi_major == p->min_abi.major && abi_minor < p->min_abi.minor))) {
		failures_add(f, FAILURE_PREFIX "abi",
			     "guest policy ABI %u.%u is below the minimum %u.%u", abi_major, abi_minor,
			     p->min_abi.major, p->min_abi.minor);
		broken++;
	}
	return broken;
}

static size_t check_vmpl(unsigned mask, uint32_t vmpl, struct failures *f)
{
	struct text allowed = {.used = 0};

	if (mask == 0 || (vmpl < 4 && (mask & (1u << vmpl))))
		return 0;
	allowed.buf[0] = '\0';
	for (unsigned i = 0; i < 4; i++)
		if (mask & (1u << i))
			text_add(&allowed, "%s%u", allowed.used ? ", " : "", i);
	failures_add(f, FAILURE_PREFIX "vmpl", "VMPL %u is not one of the allowed VMPLs: %s", vmpl,
		     allowed.buf);
	return 1;
}

/* For signing keys and products: is value's bit in mask, else a failure naming both. */
static size_t check_name(unsigned mask, unsigned value, const char *found,
			 const struct named_index *names, size_t n_names, const char *id,
			 const char *what, struct failures *f)
{
	struct text allowed = {.used = 0};

	if (mask == 0 || (value < 32 && (mask & (1u << value))))
		return 0;
	allowed.buf[0] = '\0';
	for (size_t i = 0; i < n_names; i++)
		if (mask & (1u << names[i].index))
			text_add(&allowed, "%s%s", allowed.used ? ", " : "", names[i].name);
	failures_add(f, id, "%s %s is not one of the allowed %ss: %s", what, found, what,
		     allowed.buf);
	return 1;
}

static size_t check_platform(const struct snp_policy *p, uint64_t info, struct failures *f)
{
	struct text msg = {.used = 0};
	size_t wrong = 0;

	msg.buf[0] = '\0';
	for (size_t i = 0; i < PLATFORM_KEY_COUNT; i++) {
		uint64_t bit = 1ull << platform_keys[i].index;

		if (!(p->platform_mask & bit) || (info & bit) == (p->platform_value & bit))
			continue;
		text_add(&msg, "%s%s is %s, required %s", wrong ? "; " : "", platform_keys[i].name,
			 (info & bit) ? "true" : "false", (p->platform_value & bit) ? "true" : "false");
		wrong++;
	}
	if (wrong == 0)
		return 0;
	failures_add(f, FAILURE_PREFIX "platform", "PLATFORM_INFO 0x%llx: %s",
		     (unsigned long long)info, msg.buf);
	return 1;
}

static const struct list_rule measurement_rule = {"measurement", "launch measurement",
						  "measurement", "measurements", false};
static const struct list_rule host_data_rule = {"host_data", "HOST_DATA", "value", "values",
						false};
static const struct list_rule id_key_rule = {"id_key_digest", "ID_KEY_DIGEST", "digest",
					     "digests", false};
static const struct list_rule author_key_rule = {"author_key_digest", "AUTHOR_KEY_DIGEST",
						 "digest", "digests", false};
static const struct list_rule family_rule = {"family_id", "FAMILY_ID", "id", "ids", false};
static const struct list_rule image_rule = {"image_id", "IMAGE_ID", "id", "ids", false};
static const struct list_rule chip_rule = {"chip_id", "CHIP_ID", "chip id", "chip ids", true};

size_t snp_policy_evaluate(const struct snp_policy *p, const struct snp_result *res,
			   struct failures *f)
{
	const struct snp_report *r;
	size_t broken = 0;

	if (!p || !res || !f)
		return 0;
	r = &res->report;
	if (!p->allow_any_measurement)
		broken += check_list(&p->measurements, r->measurement, &measurement_rule, f);
	broken += check_tcb_minimum(&p->min_tcb, r->reported_tcb, res->product, "REPORTED_TCB",
				    FAILURE_PREFIX "min_tcb", f);
	broken += check_tcb_minimum(&p->min_launch_tcb, r->launch_tcb, res->product, "LAUNCH_TCB",
				    FAILURE_PREFIX "min_launch_tcb", f);
	if (p->require_committed_equals_current)
		broken += check_committed(r, res->product, f);
	broken += check_firmware(&p->min_firmware, r->current_fw, f);
	broken += check_guest_policy(p, r->policy, f);
	broken += check_vmpl(p->vmpl_mask, r->vmpl, f);
	broken += check_list(&p->host_data, r->host_data, &host_data_rule, f);
	broken += check_list(&p->id_key_digests, r->id_key_digest, &id_key_rule, f);
	broken += check_list(&p->author_key_digests, r->author_key_digest, &author_key_rule, f);
	broken += check_list(&p->family_ids, r->family_id, &family_rule, f);
	broken += check_list(&p->image_ids, r->image_id, &image_rule, f);
	broken += check_list(&p->chip_ids, r->chip_id, &chip_rule, f);
	if (p->has_min_guest_svn && r->guest_svn < p->min_guest_svn) {
		failures_add(f, FAILURE_PREFIX "guest_svn", "GUEST_SVN %u is below the minimum %u",
			     r->guest_svn, p->min_guest_svn);
		broken++;
	}
	if (p->has_min_report_version && r->version < p->min_report_version) {
		failures_add(f, FAILURE_PREFIX "report_version",
			     "report VERSION %u is below the minimum %u", r->version,
			     p->min_report_version);
		broken++;
	}
	broken += check_name(p->signing_key_mask, (unsigned)r->signing_key,
			     r->signing_key == SNP_SIGNING_KEY_VLEK   ? "vlek"
			     : r->signing_key == SNP_SIGNING_KEY_VCEK ? "vcek"
								      : "none",
			     signing_key_names, 2, FAILURE_PREFIX "signing_key", "signing key", f);
	broken += check_name(p->product_mask, (unsigned)res->product, snp_product_name(res->product),
			     product_names, 3, FAILURE_PREFIX "product", "product", f);
	broken += check_platform(p, r->platform_info, f);
	return broken;
}
