/* tdx_collateral.c - collateral sources and Intel's signed TCB info and QE
 * identity documents (see tdx_collateral.h).
 *
 * A document is taken in three steps: json_span checks the whole text
 * strictly and finds the byte span of the signed value; the signature is
 * verified over exactly those bytes; then json-c parses exactly those bytes.
 * What is decoded is therefore what Intel signed, whatever else the text
 * holds. Unknown members inside the signed value are Intel's to add and are
 * ignored; every member teev reads has its type, range and size checked.
 */
#include "verifier/tdx_collateral.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/json_span.h"
#include "verifier/tdx_trust.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- items and sources ---- */

static const char *const item_names[TDX_COLLATERAL_ITEMS] = {
	"TCB info", "QE identity", "PCK CRL", "root CA CRL", "TCB signing chain",
};
static const char *const item_files[TDX_COLLATERAL_ITEMS] = {
	"tcb_info.json", "qe_identity.json", "pck_crl.der", "root_crl.der",
	"tcb_signing_chain.pem",
};

const char *tdx_collateral_item_name(enum tdx_collateral_item item)
{
	return (unsigned)item < TDX_COLLATERAL_ITEMS ? item_names[item] : "?";
}

const char *tdx_collateral_item_file(enum tdx_collateral_item item)
{
	return (unsigned)item < TDX_COLLATERAL_ITEMS ? item_files[item] : "?";
}

static int fixed_get(void *ctx, const uint8_t fmspc[6], enum tdx_ca_type ca, time_t at,
		     struct tdx_collateral *out, struct failures *f)
{
	(void)fmspc;
	(void)ca;
	(void)at;
	(void)f;
	*out = *(const struct tdx_collateral *)ctx;
	return 0;
}

void tdx_collateral_source_fixed(struct tdx_collateral_source *src,
				 const struct tdx_collateral *set)
{
	src->ctx = (void *)set;
	src->get = fixed_get;
	src->release = NULL;
}

static void dir_release(void *ctx, struct tdx_collateral *c)
{
	(void)ctx;
	for (size_t i = 0; i < TDX_COLLATERAL_ITEMS; i++) {
		free((void *)c->data[i]);
		c->data[i] = NULL;
		c->len[i] = 0;
	}
}

static int dir_get(void *ctx, const uint8_t fmspc[6], enum tdx_ca_type ca, time_t at,
		   struct tdx_collateral *out, struct failures *f)
{
	const char *dir = ctx;
	char why[1200];

	(void)fmspc;
	(void)ca;
	(void)at;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < TDX_COLLATERAL_ITEMS; i++) {
		struct stat st;
		size_t len = 0;
		uint8_t *data;

		snprintf(out->where[i], sizeof(out->where[i]), "%s/%s", dir, item_files[i]);
		/* Asked before reading: errno after the read is not the open's any more. */
		if (lstat(out->where[i], &st) != 0 && errno == ENOENT)
			continue; /* missing: the verifier names it */
		data = bytes_read_file(out->where[i], TDX_COLLATERAL_MAX_ITEM, &len, why,
				       sizeof(why));
		if (data) {
			out->data[i] = data;
			out->len[i] = len;
			continue;
		}
		failures_add(f, "tee_attestation.collateral", "%s: %s", item_names[i], why);
		dir_release(NULL, out);
		return -1;
	}
	return 0;
}

void tdx_collateral_source_dir(struct tdx_collateral_source *src, const char *dir)
{
	src->ctx = (void *)dir;
	src->get = dir_get;
	src->release = dir_release;
}

/* ---- statuses and times ---- */

static const char *const status_names[TDX_TCB_STATUS_COUNT] = {
	"UpToDate",
	"SWHardeningNeeded",
	"ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded",
	"OutOfDate",
	"OutOfDateConfigurationNeeded",
	"Revoked",
	"TDRelaunchAdvised",
	"TDRelaunchAdvisedConfigurationNeeded",
};

const char *tdx_tcb_status_name(enum tdx_tcb_status s)
{
	return (unsigned)s < TDX_TCB_STATUS_COUNT ? status_names[s] : "?";
}

int tdx_tcb_status_from_name(const char *name, size_t len, enum tdx_tcb_status *out)
{
	for (size_t i = 0; i < TDX_TCB_STATUS_COUNT; i++) {
		if (strlen(status_names[i]) == len && memcmp(status_names[i], name, len) == 0) {
			*out = (enum tdx_tcb_status)i;
			return 0;
		}
	}
	return -1;
}

static int digits(const char *p, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

int tdx_parse_time(const char *text, size_t len, time_t *out)
{
	static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm;
	int y, mo, d, h, mi, s;

	if (len != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
	    text[16] != ':' || text[19] != 'Z')
		return -1;
	if (digits(text, 4, &y) || digits(text + 5, 2, &mo) || digits(text + 8, 2, &d) ||
	    digits(text + 11, 2, &h) || digits(text + 14, 2, &mi) || digits(text + 17, 2, &s))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h > 23 ||
	    mi > 59 || s > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = timegm(&tm);
	return 0;
}

void tdx_format_time(time_t t, char out[TDX_DATE_TEXT])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, TDX_DATE_TEXT, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, TDX_DATE_TEXT, "?");
}

/* ---- decoding with messages that name the field ---- */

struct doc {
	const char *name;  /* "TCB info" */
	const char *where; /* file or URL */
	struct failures *f;
};

static int bad(struct doc *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct doc *d, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	failures_add(d->f, "tee_attestation.collateral", "%s (%s): field \"%s\": %s", d->name,
		     d->where, path, msg);
	return -1;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static void join(char *out, size_t cap, const char *base, const char *key)
{
	snprintf(out, cap, "%s%s%s", base, base[0] ? "." : "", key);
}

static int want_string(struct doc *d, struct json_object *o, const char *base, const char *key,
		       const char **s, size_t *len)
{
	struct json_object *v = member(o, key);
	char path[128];

	*s = "";
	*len = 0;
	join(path, sizeof(path), base, key);
	if (!v)
		return bad(d, path, "missing");
	if (!json_object_is_type(v, json_type_string))
		return bad(d, path, "expected a string");
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return 0;
}

static int want_int(struct doc *d, struct json_object *o, const char *base, const char *key,
		    int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v = member(o, key);
	char path[128];

	*out = 0;
	join(path, sizeof(path), base, key);
	if (!v)
		return bad(d, path, "missing");
	if (!json_object_is_type(v, json_type_int))
		return bad(d, path, "expected an integer");
	*out = json_object_get_int64(v);
	if (*out < min || *out > max)
		return bad(d, path, "%lld is outside %lld..%lld", (long long)*out, (long long)min,
			   (long long)max);
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int decode_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int want_hex(struct doc *d, struct json_object *o, const char *base, const char *key,
		    uint8_t *out, size_t n)
{
	const char *s;
	size_t len;
	char path[128];

	if (want_string(d, o, base, key, &s, &len))
		return -1;
	join(path, sizeof(path), base, key);
	if (decode_hex(s, len, out, n))
		return bad(d, path, "expected %zu hex digits", 2 * n);
	return 0;
}

static int want_time(struct doc *d, struct json_object *o, const char *base, const char *key,
		     time_t *t, char text[TDX_DATE_TEXT])
{
	const char *s;
	size_t len;
	char path[128];

	if (want_string(d, o, base, key, &s, &len))
		return -1;
	join(path, sizeof(path), base, key);
	if (tdx_parse_time(s, len, t))
		return bad(d, path, "expected a time like 2023-06-18T08:42:58Z");
	memcpy(text, s, len);
	text[len] = '\0';
	return 0;
}

static int want_status(struct doc *d, struct json_object *o, const char *base,
		       enum tdx_tcb_status *out)
{
	const char *s;
	size_t len;
	char path[128];

	if (want_string(d, o, base, "tcbStatus", &s, &len))
		return -1;
	join(path, sizeof(path), base, "tcbStatus");
	if (tdx_tcb_status_from_name(s, len, out) || *out == TDX_TCB_RELAUNCH_ADVISED ||
	    *out == TDX_TCB_RELAUNCH_ADVISED_CONFIGURATION_NEEDED)
		return bad(d, path, "\"%.40s\" is not a TCB level status", s);
	return 0;
}

static int want_array(struct doc *d, struct json_object *o, const char *base, const char *key,
		      size_t max, struct json_object **arr, size_t *n)
{
	struct json_object *v = member(o, key);
	char path[128];

	*arr = NULL;
	*n = 0;
	join(path, sizeof(path), base, key);
	if (!v)
		return bad(d, path, "missing");
	if (!json_object_is_type(v, json_type_array))
		return bad(d, path, "expected an array");
	*n = json_object_array_length(v);
	if (*n > max)
		return bad(d, path, "%zu entries, more than the %zu accepted", *n, max);
	*arr = v;
	return 0;
}

/* advisoryIDs is optional: a level without advisories omits it. */
static int want_advisories(struct doc *d, struct json_object *level, const char *base,
			   struct tdx_advisories *out)
{
	struct json_object *arr;
	size_t n = 0;
	char path[128];

	if (!member(level, "advisoryIDs"))
		return 0;
	if (want_array(d, level, base, "advisoryIDs", TDX_MAX_ADVISORIES, &arr, &n))
		return -1;
	if (n == 0)
		return 0;
	out->ids = calloc(n, sizeof(*out->ids));
	if (!out->ids)
		return bad(d, base, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);

		snprintf(path, sizeof(path), "%s.advisoryIDs[%zu]", base, i);
		if (!json_object_is_type(v, json_type_string) || len == 0 ||
		    len >= TDX_ADVISORY_ID_MAX || memchr(s, '\0', len))
			return bad(d, path, "expected an advisory id of 1..%d characters",
				   TDX_ADVISORY_ID_MAX - 1);
		memcpy(out->ids[i], s, len);
		out->ids[i][len] = '\0';
		out->count = i + 1;
	}
	return 0;
}

/* An array of 16 {"svn": 0..255, ...} component objects. */
static int want_components(struct doc *d, struct json_object *o, const char *base,
			   const char *key, uint8_t out[16])
{
	struct json_object *arr;
	size_t n = 0;
	char path[128];

	if (want_array(d, o, base, key, 16, &arr, &n))
		return -1;
	join(path, sizeof(path), base, key);
	if (n != 16)
		return bad(d, path, "%zu components, expected 16", n);
	for (size_t i = 0; i < 16; i++) {
		int64_t svn = 0;

		snprintf(path, sizeof(path), "%s.%s[%zu]", base, key, i);
		if (want_int(d, json_object_array_get_idx(arr, i), path, "svn", 0, 255, &svn))
			return -1;
		out[i] = (uint8_t)svn;
	}
	return 0;
}

static int want_isv_levels(struct doc *d, struct json_object *o, const char *base,
			   size_t *count, struct tdx_isv_level **levels)
{
	struct json_object *arr;
	size_t n = 0;
	char path[128];

	if (want_array(d, o, base, "tcbLevels", TDX_MAX_LEVELS, &arr, &n))
		return -1;
	*levels = calloc(n ? n : 1, sizeof(**levels));
	if (!*levels)
		return bad(d, base, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *level = json_object_array_get_idx(arr, i);
		struct tdx_isv_level *l = &(*levels)[i];
		int64_t svn = 0;
		time_t ignored;

		*count = i + 1;
		snprintf(path, sizeof(path), "%s%stcbLevels[%zu]", base, base[0] ? "." : "", i);
		char tcb_path[160];
		snprintf(tcb_path, sizeof(tcb_path), "%s.tcb", path);
		if (want_int(d, member(level, "tcb"), tcb_path, "isvsvn", 0, 65535, &svn) ||
		    want_time(d, level, path, "tcbDate", &ignored, l->tcb_date) ||
		    want_status(d, level, path, &l->status) ||
		    want_advisories(d, level, path, &l->advisories))
			return -1;
		l->isvsvn = (uint16_t)svn;
	}
	return 0;
}

static void free_isv_levels(struct tdx_isv_level *levels, size_t n)
{
	for (size_t i = 0; levels && i < n; i++)
		free(levels[i].advisories.ids);
	free(levels);
}

/* ---- the signed envelope ---- */

/* Finds the signed value and the signature, verifies, and parses the value
 * with json-c. Returns the parsed value (the caller puts it) or NULL. */
static struct json_object *open_signed(const uint8_t *text, size_t len, const char *value_key,
				       EVP_PKEY *signer, struct doc *d)
{
	struct json_span_member members[2] = {{value_key, false, 0, 0},
					      {"signature", false, 0, 0}};
	const char *s = (const char *)text;
	struct json_tokener *tok = NULL;
	struct json_object *value = NULL;
	uint8_t sig[64];
	char why[160];

	if (len > TDX_COLLATERAL_MAX_ITEM) {
		failures_add(d->f, "tee_attestation.collateral", "%s (%s) is %zu bytes, more than %zu",
			     d->name, d->where, len, TDX_COLLATERAL_MAX_ITEM);
		return NULL;
	}
	if (json_span_check(s, len, TDX_COLLATERAL_JSON_DEPTH, members, 2, why, sizeof(why))) {
		failures_add(d->f, "tee_attestation.collateral", "%s (%s) is not valid: %s", d->name,
			     d->where, why);
		return NULL;
	}
	if (!members[0].found || s[members[0].start] != '{') {
		bad(d, value_key, members[0].found ? "expected an object" : "missing");
		return NULL;
	}
	/* The span of a string includes its quotes. */
	if (!members[1].found || members[1].len != 130 || s[members[1].start] != '"' ||
	    decode_hex(s + members[1].start + 1, 128, sig, 64)) {
		bad(d, "signature", "expected 128 hex digits (r || s)");
		return NULL;
	}
	if (tdx_ecdsa_verify(signer, sig, text + members[0].start, members[0].len)) {
		failures_add(d->f, "tee_attestation.collateral_signature",
			     "%s (%s): the signature over the \"%s\" value does not verify with the Intel SGX TCB Signing key",
			     d->name, d->where, value_key);
		return NULL;
	}
	tok = json_tokener_new_ex(TDX_COLLATERAL_JSON_DEPTH);
	if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		value = json_tokener_parse_ex(tok, s + members[0].start, (int)members[0].len);
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != members[0].len) {
			json_object_put(value);
			value = NULL;
		}
		json_tokener_free(tok);
	}
	if (!json_object_is_type(value, json_type_object)) {
		json_object_put(value);
		bad(d, value_key, "does not parse as a JSON object");
		return NULL;
	}
	return value;
}

/* id and version, read before the rest: they say what the rest is. */
static int want_id_version(struct doc *d, struct json_object *o, char id[16], int *version,
			   const char *want_id, int want_version, const char *mismatch)
{
	const char *s;
	size_t len;
	int64_t v = 0;

	if (want_string(d, o, "", "id", &s, &len) || want_int(d, o, "", "version", 0, 1000, &v))
		return -1;
	snprintf(id, 16, "%.*s", (int)(len < 15 ? len : 15), s);
	*version = (int)v;
	if (len != strlen(want_id) || memcmp(s, want_id, len) != 0 || v != want_version) {
		failures_add(d->f, mismatch,
			     "%s (%s) has id \"%.20s\" version %d, expected id \"%s\" version %d",
			     d->name, d->where, s, (int)v, want_id, want_version);
		return -1;
	}
	return 0;
}

/* ---- TCB info ---- */

static int want_module(struct doc *d, struct json_object *o, const char *path,
		       struct tdx_module_identity *m)
{
	if (!json_object_is_type(o, json_type_object))
		return bad(d, path, "expected an object");
	return want_hex(d, o, path, "mrsigner", m->mrsigner, 48) ||
			       want_hex(d, o, path, "attributes", m->attributes, 8) ||
			       want_hex(d, o, path, "attributesMask", m->attributes_mask, 8)
		       ? -1
		       : 0;
}

static int want_module_identities(struct doc *d, struct json_object *o, struct tdx_tcb_info *t)
{
	struct json_object *arr;
	size_t n = 0;
	char path[96];

	/* Absent in TCB info from before TDX module identities existed. */
	if (!member(o, "tdxModuleIdentities"))
		return 0;
	if (want_array(d, o, "", "tdxModuleIdentities", TDX_MAX_MODULE_IDENTITIES, &arr, &n))
		return -1;
	t->modules = calloc(n ? n : 1, sizeof(*t->modules));
	if (!t->modules)
		return bad(d, "tdxModuleIdentities", "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(arr, i);
		struct tdx_module_identity *m = &t->modules[i];
		const char *id;
		size_t len;

		t->module_count = i + 1;
		snprintf(path, sizeof(path), "tdxModuleIdentities[%zu]", i);
		if (want_module(d, item, path, m) || want_string(d, item, path, "id", &id, &len))
			return -1;
		if (len == 0 || len >= sizeof(m->id) || memchr(id, '\0', len)) {
			char id_path[128];
			join(id_path, sizeof(id_path), path, "id");
			return bad(d, id_path, "expected an id like \"TDX_01\"");
		}
		memcpy(m->id, id, len);
		m->id[len] = '\0';
		if (want_isv_levels(d, item, path, &m->level_count, &m->levels))
			return -1;
	}
	return 0;
}

static int want_tcb_levels(struct doc *d, struct json_object *o, struct tdx_tcb_info *t)
{
	struct json_object *arr;
	size_t n = 0;
	char path[64], tcb_path[96];

	if (want_array(d, o, "", "tcbLevels", TDX_MAX_LEVELS, &arr, &n))
		return -1;
	if (n == 0)
		return bad(d, "tcbLevels", "no TCB levels");
	t->levels = calloc(n, sizeof(*t->levels));
	if (!t->levels)
		return bad(d, "tcbLevels", "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *level = json_object_array_get_idx(arr, i);
		struct json_object *tcb = member(level, "tcb");
		struct tdx_tcb_level *l = &t->levels[i];
		int64_t pcesvn = 0;
		time_t ignored;

		t->level_count = i + 1;
		snprintf(path, sizeof(path), "tcbLevels[%zu]", i);
		snprintf(tcb_path, sizeof(tcb_path), "%s.tcb", path);
		if (!tcb)
			return bad(d, tcb_path, "missing");
		if (want_components(d, tcb, tcb_path, "sgxtcbcomponents", l->sgx_svn) ||
		    want_int(d, tcb, tcb_path, "pcesvn", 0, 65535, &pcesvn) ||
		    want_components(d, tcb, tcb_path, "tdxtcbcomponents", l->tdx_svn) ||
		    want_time(d, level, path, "tcbDate", &ignored, l->tcb_date) ||
		    want_status(d, level, path, &l->status) ||
		    want_advisories(d, level, path, &l->advisories))
			return -1;
		l->pcesvn = (uint16_t)pcesvn;
	}
	return 0;
}

void tdx_tcb_info_free(struct tdx_tcb_info *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->modules && i < t->module_count; i++)
		free_isv_levels(t->modules[i].levels, t->modules[i].level_count);
	free(t->modules);
	for (size_t i = 0; t->levels && i < t->level_count; i++)
		free(t->levels[i].advisories.ids);
	free(t->levels);
	free(t);
}

struct tdx_tcb_info *tdx_tcb_info_load(const uint8_t *text, size_t len, EVP_PKEY *signer,
				       const char *where, struct failures *f)
{
	struct doc d = {"TCB info", where, f};
	struct json_object *o = open_signed(text, len, "tcbInfo", signer, &d);
	struct tdx_tcb_info *t = NULL;
	int rc = -1;

	if (!o)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		bad(&d, "tcbInfo", "out of memory");
		goto out;
	}
	if (want_id_version(&d, o, t->id, &t->version, "TDX", 3,
			    "tee_attestation.tcb_info_mismatch") ||
	    want_time(&d, o, "", "issueDate", &t->issue_date, t->issue_text) ||
	    want_time(&d, o, "", "nextUpdate", &t->next_update, t->next_text) ||
	    want_hex(&d, o, "", "fmspc", t->fmspc, 6) || want_hex(&d, o, "", "pceId", t->pce_id, 2) ||
	    want_int(&d, o, "", "tcbType", 0, 255, &t->tcb_type) ||
	    want_int(&d, o, "", "tcbEvaluationDataNumber", 0, UINT32_MAX, &t->eval_num))
		goto out;
	if (!member(o, "tdxModule")) {
		bad(&d, "tdxModule", "missing");
		goto out;
	}
	if (want_module(&d, member(o, "tdxModule"), "tdxModule", &t->module) ||
	    want_module_identities(&d, o, t) || want_tcb_levels(&d, o, t))
		goto out;
	rc = 0;
out:
	json_object_put(o);
	if (rc) {
		tdx_tcb_info_free(t);
		return NULL;
	}
	return t;
}

/* ---- QE identity ---- */

void tdx_qe_identity_free(struct tdx_qe_identity *q)
{
	if (!q)
		return;
	free_isv_levels(q->levels, q->level_count);
	free(q);
}

struct tdx_qe_identity *tdx_qe_identity_load(const uint8_t *text, size_t len, EVP_PKEY *signer,
					     const char *where, struct failures *f)
{
	struct doc d = {"QE identity", where, f};
	struct json_object *o = open_signed(text, len, "enclaveIdentity", signer, &d);
	struct tdx_qe_identity *q = NULL;
	int64_t prodid = 0;
	int rc = -1;

	if (!o)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q) {
		bad(&d, "enclaveIdentity", "out of memory");
		goto out;
	}
	if (want_id_version(&d, o, q->id, &q->version, "TD_QE", 2, "tee_attestation.qe_identity") ||
	    want_time(&d, o, "", "issueDate", &q->issue_date, q->issue_text) ||
	    want_time(&d, o, "", "nextUpdate", &q->next_update, q->next_text) ||
	    want_int(&d, o, "", "tcbEvaluationDataNumber", 0, UINT32_MAX, &q->eval_num) ||
	    want_hex(&d, o, "", "miscselect", q->miscselect, 4) ||
	    want_hex(&d, o, "", "miscselectMask", q->miscselect_mask, 4) ||
	    want_hex(&d, o, "", "attributes", q->attributes, 16) ||
	    want_hex(&d, o, "", "attributesMask", q->attributes_mask, 16) ||
	    want_hex(&d, o, "", "mrsigner", q->mrsigner, 32) ||
	    want_int(&d, o, "", "isvprodid", 0, 65535, &prodid) ||
	    want_isv_levels(&d, o, "", &q->level_count, &q->levels))
		goto out;
	if (q->level_count == 0) {
		bad(&d, "tcbLevels", "no TCB levels");
		goto out;
	}
	q->isvprodid = (uint16_t)prodid;
	rc = 0;
out:
	json_object_put(o);
	if (rc) {
		tdx_qe_identity_free(q);
		return NULL;
	}
	return q;
}
