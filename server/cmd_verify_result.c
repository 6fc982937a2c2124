/* cmd_verify_result.c - `teev verify-result TOKEN`: checks a signed result
 * (an EAR JWT) the way a relying party would, offline against a JWK Set or
 * PEM public keys, or against a JWK Set fetched over HTTPS, and prints what
 * it found as JSON. Exit 0 affirming, 1 not affirming or not valid, 2 bad
 * usage or keys that cannot be read. */
#include "certs/result_keys.h"
#include "evidence/ear.h"
#include "lib/jose.h"
#include "server/commands.h"
#include "server/config.h"
#include "server/help.h"
#include "verifier/bytes.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FETCH_TIMEOUT_MS 10000L

struct options {
	const char *token;
	const char *jwks;
	const char *cacert, *cert, *key;
	const char *keys_dir, *config;
	const char *nonce;
	long long max_age; /* -1: not checked */
};

static void usage(FILE *out)
{
	help_print(out, "verify-result");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_age = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(a, "--jwks") == 0)
			slot = &o->jwks;
		else if (strcmp(a, "--cacert") == 0)
			slot = &o->cacert;
		else if (strcmp(a, "--cert") == 0)
			slot = &o->cert;
		else if (strcmp(a, "--key") == 0)
			slot = &o->key;
		else if (strcmp(a, "--keys-dir") == 0)
			slot = &o->keys_dir;
		else if (strcmp(a, "--config") == 0)
			slot = &o->config;
		else if (strcmp(a, "--nonce") == 0)
			slot = &o->nonce;
		if (slot || strcmp(a, "--max-age") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "teev verify-result: %s needs a value\n", a);
				return -1;
			}
			if (slot) {
				*slot = argv[++i];
				continue;
			}
			char *end = NULL;
			o->max_age = strtoll(argv[++i], &end, 10);
			if (!end || *end || o->max_age < 0) {
				fprintf(stderr, "teev verify-result: --max-age wants seconds\n");
				return -1;
			}
		} else if (!o->token && (a[0] != '-' || strcmp(a, "-") == 0)) {
			o->token = a;
		} else {
			fprintf(stderr, "teev verify-result: unexpected argument \"%s\"\n", a);
			return -1;
		}
	}
	if (!o->token) {
		usage(stderr);
		return -1;
	}
	if (!o->cert != !o->key) {
		fprintf(stderr, "teev verify-result: --cert and --key go together\n");
		return -1;
	}
	return 0;
}

/* The token text, without surrounding white space (a file or a pipe ends
 * with a newline). Returns a malloc'd string or NULL. */
static char *read_token(const char *arg, size_t *len)
{
	char *text;
	size_t n = 0, start = 0;

	if (strcmp(arg, "-") == 0) {
		/* One byte more than allowed, so an oversized token is seen as such. */
		text = malloc(JOSE_TOKEN_MAX + 2);
		if (!text)
			return NULL;
		n = fread(text, 1, JOSE_TOKEN_MAX + 1, stdin);
		text[n] = '\0';
	} else {
		text = strdup(arg);
		if (!text)
			return NULL;
		n = strlen(text);
	}
	while (n > 0 && strchr(" \t\r\n", text[n - 1]))
		text[--n] = '\0';
	while (start < n && strchr(" \t\r\n", text[start]))
		start++;
	memmove(text, text + start, n - start + 1);
	*len = n - start;
	return text;
}

struct body {
	char *data;
	size_t len;
	bool too_long;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;

	if (n > JOSE_JWKS_MAX - b->len) {
		b->too_long = true;
		return 0;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* GETs an https URL (certificate verified, no redirects, bounded size). */
static char *fetch(const struct options *o, size_t *len, char *err, size_t cap)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct body b = {.data = malloc(JOSE_JWKS_MAX + 1)};
	CURL *curl = curl_easy_init();
	CURLcode rc = (curl && b.data) ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	long code = 0;

	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_URL, o->jwks);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, FETCH_TIMEOUT_MS);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "teev");
	if (rc == CURLE_OK && o->cacert)
		rc = curl_easy_setopt(curl, CURLOPT_CAINFO, o->cacert);
	if (rc == CURLE_OK && o->cert)
		rc = curl_easy_setopt(curl, CURLOPT_SSLCERT, o->cert);
	if (rc == CURLE_OK && o->key)
		rc = curl_easy_setopt(curl, CURLOPT_SSLKEY, o->key);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (b.too_long)
		snprintf(err, cap, "%s: the JWK Set is longer than %zu bytes", o->jwks,
			 JOSE_JWKS_MAX);
	else if (rc != CURLE_OK)
		snprintf(err, cap, "%s: %s", o->jwks,
			 curl_err[0] ? curl_err : curl_easy_strerror(rc));
	else if (code != 200)
		snprintf(err, cap, "%s: HTTP status %ld", o->jwks, code);
	curl_easy_cleanup(curl);
	if (b.too_long || rc != CURLE_OK || code != 200) {
		free(b.data);
		return NULL;
	}
	b.data[b.len] = '\0';
	*len = b.len;
	return b.data;
}

static int load_keys(const struct options *o, struct jose_keyset *keys, char *err, size_t cap)
{
	char why[512];
	size_t len = 0;
	char *text;
	int rc;

	memset(keys, 0, sizeof(*keys));
	if (!o->jwks) {
		struct teev_config config;
		const char *dir = o->keys_dir;

		if (!dir) {
			if (load_config(&config, o->config)) {
				snprintf(err, cap, "cannot load the configuration (see above)");
				return -1;
			}
			dir = config.tls_dir;
		}
		return result_keys_load_public(dir, keys, err, cap);
	}
	if (strncmp(o->jwks, "https://", 8) == 0) {
		text = fetch(o, &len, err, cap);
	} else if (strstr(o->jwks, "://")) {
		snprintf(err, cap, "--jwks %s: only https URLs are fetched", o->jwks);
		return -1;
	} else {
		text = (char *)bytes_read_file(o->jwks, JOSE_JWKS_MAX, &len, why, sizeof(why));
		if (!text)
			snprintf(err, cap, "%s", why);
	}
	if (!text)
		return -1;
	if (len >= 10 && memcmp(text, "-----BEGIN", 10) == 0)
		rc = result_keys_parse_pem(text, len, keys, why, sizeof(why));
	else
		rc = jose_jwks_parse(text, len, keys, why, sizeof(why));
	if (!rc && keys->count == 0) {
		snprintf(why, sizeof(why), "no public key");
		rc = -1;
	}
	if (rc)
		snprintf(err, cap, "%s: %s", o->jwks, why);
	free(text);
	return rc;
}

/* The relying party's own checks: nonce and age. Adds a line per problem. */
static void relying_party_checks(const struct options *o, const struct ear_checked *c,
				 struct json_object *problems)
{
	char line[256];
	long long age = (long long)time(NULL) - c->iat;

	if (o->nonce && (!c->nonce || strcmp(o->nonce, c->nonce) != 0))
		json_object_array_add(
			problems,
			json_object_new_string(c->nonce ? "the token's nonce is not --nonce"
							: "the token carries no nonce"));
	if (o->max_age >= 0 && age > o->max_age) {
		snprintf(line, sizeof(line), "issued %lld s ago, more than --max-age %lld", age,
			 o->max_age);
		json_object_array_add(problems, json_object_new_string(line));
	}
}

static struct json_object *submod_statuses(struct json_object *claims)
{
	struct json_object *out = json_object_new_object(), *submods = NULL;

	if (!json_object_object_get_ex(claims, "submods", &submods))
		return out;
	json_object_object_foreach (submods, name, value) {
		struct json_object *status = NULL;

		json_object_object_get_ex(value, "ear.status", &status);
		json_object_object_add(out, name, json_object_get(status));
	}
	return out;
}

int cmd_verify_result(int argc, char **argv)
{
	struct options o;
	struct jose_keyset keys;
	struct ear_checked checked;
	struct json_object *out;
	char err[1024];
	char *token;
	size_t len = 0;
	bool affirming = false;
	int parsed = parse_args(argc, argv, &o);

	if (parsed)
		return parsed > 0 ? 0 : 2;
	if (load_keys(&o, &keys, err, sizeof(err))) {
		fprintf(stderr, "teev verify-result: %s\n", err);
		return 2;
	}
	token = read_token(o.token, &len);
	if (!token) {
		fprintf(stderr, "teev verify-result: out of memory\n");
		jose_keyset_clear(&keys);
		return 2;
	}
	out = json_object_new_object();
	if (ear_check(token, len, &keys, &checked, err, sizeof(err))) {
		json_object_object_add(out, "valid", json_object_new_boolean(0));
		json_object_object_add(out, "affirming", json_object_new_boolean(0));
		json_object_object_add(out, "error", json_object_new_string(err));
	} else {
		struct json_object *problems = json_object_new_array();

		relying_party_checks(&o, &checked, problems);
		affirming = checked.status == EAR_STATUS_AFFIRMING &&
			    json_object_array_length(problems) == 0;
		json_object_object_add(out, "valid", json_object_new_boolean(1));
		json_object_object_add(out, "affirming", json_object_new_boolean(affirming));
		json_object_object_add(out, "status",
				       json_object_new_string(ear_status_name(checked.status)));
		json_object_object_add(out, "problems", problems);
		json_object_object_add(out, "alg",
				       json_object_new_string(jose_alg_name(checked.jws.alg)));
		json_object_object_add(out, "kid", json_object_new_string(checked.jws.kid));
		json_object_object_add(out, "submods", submod_statuses(checked.jws.payload));
		json_object_object_add(out, "ear", json_object_get(checked.jws.payload));
		ear_checked_clear(&checked);
	}
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	free(token);
	jose_keyset_clear(&keys);
	return affirming ? 0 : 1;
}
