/* policy_store.c - policies in SQLite (see policy_store.h). */
#include "db/policy_store.h"

#include "db/db.h"
#include "db/db_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int policy_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > POLICY_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

void stored_policy_clear(struct stored_policy *p)
{
	free(p->document);
	memset(p, 0, sizeof(*p));
}

static enum store_result fail(sqlite3 *h, const char *what, char *err, size_t err_len)
{
	snprintf(err, err_len, "database error while %s: %s", what, sqlite3_errmsg(h));
	return db_error_is_transient(sqlite3_extended_errcode(h)) ? STORE_UNAVAILABLE : STORE_ERROR;
}

static void fill_row(sqlite3_stmt *stmt, struct stored_policy *out, int with_document)
{
	const char *kind = (const char *)sqlite3_column_text(stmt, 0);
	const char *name = (const char *)sqlite3_column_text(stmt, 1);

	memset(out, 0, sizeof(*out));
	snprintf(out->kind, sizeof(out->kind), "%s", kind ? kind : "");
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	out->version = sqlite3_column_int64(stmt, 2);
	out->created_at = sqlite3_column_int64(stmt, 3);
	out->updated_at = sqlite3_column_int64(stmt, 4);
	if (with_document) {
		const char *doc = (const char *)sqlite3_column_text(stmt, 5);
		out->document = strdup(doc ? doc : "");
	}
}

enum store_result policy_store_get(struct db *db, const char *kind, const char *name,
				   struct stored_policy *out, char *err, size_t err_len)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *stmt = NULL;
	enum store_result rc;
	int step;

	if (sqlite3_prepare_v2(h,
			       "SELECT kind, name, version, created_at, updated_at, document "
			       "FROM policies WHERE kind = ?1 AND name = ?2",
			       -1, &stmt, NULL) != SQLITE_OK)
		return fail(h, "reading a policy", err, err_len);
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW) {
		fill_row(stmt, out, 1);
		rc = out->document ? STORE_OK : STORE_ERROR;
		if (rc == STORE_ERROR)
			snprintf(err, err_len, "out of memory");
	} else if (step == SQLITE_DONE) {
		rc = STORE_NOT_FOUND;
	} else {
		rc = fail(h, "reading a policy", err, err_len);
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* Runs one statement that changes a row, inside its own transaction, and
 * reads the row back in the same transaction so the answer is what was
 * stored. */
static enum store_result write_policy(struct db *db, const char *sql, const char *kind,
				      const char *name, const char *document,
				      struct stored_policy *out, const char *what, char *err,
				      size_t err_len)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *stmt = NULL;
	enum store_result rc = STORE_ERROR;
	int step;

	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, what, err, err_len);
	if (sqlite3_prepare_v2(h, sql, -1, &stmt, NULL) != SQLITE_OK) {
		rc = fail(h, what, err, err_len);
		goto out;
	}
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	if (document)
		sqlite3_bind_text(stmt, 3, document, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
	step = sqlite3_step(stmt);
	if (step == SQLITE_CONSTRAINT) {
		/* Only the primary key means "exists"; a CHECK failing is an error. */
		if (sqlite3_extended_errcode(h) == SQLITE_CONSTRAINT_PRIMARYKEY)
			rc = STORE_EXISTS;
		else
			rc = fail(h, what, err, err_len);
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = fail(h, what, err, err_len);
		goto out;
	}
	if (sqlite3_changes(h) == 0) {
		rc = STORE_NOT_FOUND;
		goto out;
	}
	rc = STORE_OK;
	if (out) {
		struct stored_policy read_back;
		if (policy_store_get(db, kind, name, &read_back, err, err_len) != STORE_OK) {
			rc = STORE_ERROR;
			goto out;
		}
		*out = read_back;
	}
out:
	sqlite3_finalize(stmt);
	if (rc == STORE_OK) {
		if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			rc = fail(h, "committing", err, err_len);
			if (out)
				stored_policy_clear(out);
			sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
		}
	} else {
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

enum store_result policy_store_create(struct db *db, const char *kind, const char *name,
				      const char *document, struct stored_policy *out, char *err,
				      size_t err_len)
{
	return write_policy(db,
			    "INSERT INTO policies (kind, name, version, document, created_at, updated_at) "
			    "VALUES (?1, ?2, 1, ?3, ?4, ?4)",
			    kind, name, document, out, "creating a policy", err, err_len);
}

enum store_result policy_store_replace(struct db *db, const char *kind, const char *name,
				       const char *document, struct stored_policy *out, char *err,
				       size_t err_len)
{
	return write_policy(db,
			    "UPDATE policies SET document = ?3, version = version + 1, updated_at = ?4 "
			    "WHERE kind = ?1 AND name = ?2",
			    kind, name, document, out, "replacing a policy", err, err_len);
}

enum store_result policy_store_delete(struct db *db, const char *kind, const char *name,
				      char *err, size_t err_len)
{
	/* ?3 is unused; ?4 (time) is bound and ignored, keeping one code path. */
	return write_policy(db, "DELETE FROM policies WHERE kind = ?1 AND name = ?2 AND ?4 IS NOT NULL",
			    kind, name, NULL, NULL, "deleting a policy", err, err_len);
}

int policy_store_list(struct db *db, const char *kind, struct stored_policy **out, char *err,
		      size_t err_len)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *stmt = NULL;
	struct stored_policy *items = NULL;
	size_t count = 0, cap = 0;
	int step;

	*out = NULL;
	if (sqlite3_prepare_v2(h,
			       "SELECT kind, name, version, created_at, updated_at FROM policies "
			       "WHERE kind = ?1 ORDER BY name",
			       -1, &stmt, NULL) != SQLITE_OK) {
		fail(h, "listing policies", err, err_len);
		return -1;
	}
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			size_t grown_cap = cap ? cap * 2 : 16;
			struct stored_policy *grown = realloc(items, grown_cap * sizeof(*items));
			if (!grown) {
				snprintf(err, err_len, "out of memory");
				goto fail;
			}
			items = grown;
			cap = grown_cap;
		}
		fill_row(stmt, &items[count++], 0);
	}
	if (step != SQLITE_DONE) {
		fail(h, "listing policies", err, err_len);
		goto fail;
	}
	sqlite3_finalize(stmt);
	*out = items;
	return (int)count;
fail:
	sqlite3_finalize(stmt);
	free(items);
	return -1;
}
