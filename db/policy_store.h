/* policy_store.h - stored policy documents: (kind, name) -> document with a
 * version and timestamps. Every write is one transaction: a policy is either
 * stored whole with its new version, or the old one stays. Validation of the
 * document is the caller's job (policy/); this module stores text. */
#ifndef TEEV_POLICY_STORE_H
#define TEEV_POLICY_STORE_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define POLICY_NAME_MAX 128

enum store_result {
	STORE_OK,
	STORE_NOT_FOUND,
	STORE_EXISTS,
	STORE_ERROR,
	STORE_UNAVAILABLE, /* the disk is full, read-only or failing: try later */
};

struct stored_policy {
	char kind[16];
	char name[POLICY_NAME_MAX + 1];
	int64_t version;
	int64_t created_at, updated_at; /* Unix seconds */
	char *document;                 /* owned; NULL in listings */
};

/* Names are 1..128 characters of [A-Za-z0-9._-], not starting with '.',
 * so they are safe in URLs, file names and logs. */
int policy_name_valid(const char *name);

enum store_result policy_store_get(struct db *db, const char *kind, const char *name,
				   struct stored_policy *out, char *err, size_t err_len);
/* Creates version 1; STORE_EXISTS when the name is taken. out may be NULL. */
enum store_result policy_store_create(struct db *db, const char *kind, const char *name,
				      const char *document, struct stored_policy *out, char *err,
				      size_t err_len);
/* Replaces and bumps the version; STORE_NOT_FOUND when absent. */
enum store_result policy_store_replace(struct db *db, const char *kind, const char *name,
				       const char *document, struct stored_policy *out, char *err,
				       size_t err_len);
enum store_result policy_store_delete(struct db *db, const char *kind, const char *name,
				      char *err, size_t err_len);

/* Lists the policies of a kind by name (documents not loaded). Returns the
 * count, or -1 with err; *out is a malloc'd array the caller frees. */
int policy_store_list(struct db *db, const char *kind, struct stored_policy **out, char *err,
		      size_t err_len);

void stored_policy_clear(struct stored_policy *p);

#endif
