/* verification_log.c - queued, batched, durable verdict records (see verification_log.h). */
#include "db/verification_log.h"

#include "db/db.h"
#include "db/db_internal.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX 256
#define PRUNE_EVERY_MS 60000
#define GATHER_MS 20
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 5000

struct verification_log {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct verification_log_config cfg;
	/* Ring buffer of queued records. */
	struct verification_record *queue;
	size_t capacity, head, count;
	int64_t oldest_queued_ms; /* steady_ms() when the oldest queued record came */
	struct verification_log_stats stats;
};

void verification_record_clear(struct verification_record *r)
{
	free(r->failures);
	free(r->claims);
	memset(r, 0, sizeof(*r));
}

/* The writer's clock: monotonic, so a change of the wall clock neither
 * holds records back nor rushes them. */
static int64_t steady_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void bind_record(sqlite3_stmt *s, const struct verification_record *r)
{
	sqlite3_bind_int64(s, 1, r->time_ms);
	sqlite3_bind_text(s, 2, r->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->evidence_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->evidence_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->nonce, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, r->valid);
	sqlite3_bind_int(s, 7, r->http_status);
	sqlite3_bind_text(s, 8, r->failures ? r->failures : "[]", -1, SQLITE_STATIC);
	if (r->policy_name[0]) {
		sqlite3_bind_text(s, 9, r->policy_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 10, r->policy_version);
	} else {
		sqlite3_bind_null(s, 9);
		sqlite3_bind_null(s, 10);
	}
	sqlite3_bind_text(s, 11, r->claims ? r->claims : "{}", -1, SQLITE_STATIC);
}

/* Writes a batch in one transaction: one fsync for many verdicts. Returns
 * SQLITE_OK or the error code, with SQLite's message in err. */
static int write_batch(struct verification_log *log, const struct verification_record *batch,
		       size_t n, char *err, size_t err_len)
{
	int rc = sqlite3_exec(log->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		bind_record(log->insert, &batch[i]);
		rc = sqlite3_step(log->insert) == SQLITE_DONE ? SQLITE_OK
							     : sqlite3_extended_errcode(log->db);
		sqlite3_reset(log->insert);
		sqlite3_clear_bindings(log->insert);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(log->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sqlite3_extended_errcode(log->db);
		snprintf(err, err_len, "%s", sqlite3_errmsg(log->db));
		sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

static void report(struct verification_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(struct verification_log *log, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	if (!log->cfg.on_trouble)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log->cfg.on_trouble(log->cfg.trouble_context, message);
}

/* Removes the n oldest queued records (after they were written or given up). */
static void release_oldest(struct verification_log *log, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		verification_record_clear(&log->queue[log->head]);
		log->head = (log->head + 1) % log->capacity;
	}
	log->count -= n;
	/* Some of the rest may be older: counting from now holds them back by
	 * one gathering time at most. */
	log->oldest_queued_ms = steady_ms();
}

static void prune(struct verification_log *log)
{
	sqlite3_stmt *s = NULL;

	if (log->cfg.max_age_seconds > 0 &&
	    sqlite3_prepare_v2(log->db, "DELETE FROM verifications WHERE time_ms < ?1", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, now_ms() - log->cfg.max_age_seconds * 1000);
		sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
	}
	if (log->cfg.max_records > 0 &&
	    sqlite3_prepare_v2(log->db,
			       "DELETE FROM verifications WHERE id <= (SELECT id FROM verifications "
			       "ORDER BY id DESC LIMIT 1 OFFSET ?1)",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, log->cfg.max_records);
		sqlite3_step(s);
		sqlite3_finalize(s);
	}
}

/* When the queued records are to be written: at once when a batch is full
 * or at shutdown, when the oldest has waited GATHER_MS (so a busy server
 * commits a few dozen times a second rather than once per verdict), and
 * after a failure when the retry is due. INT64_MAX when nothing is queued. */
static int64_t due_at(const struct verification_log *log, int64_t retry_at_ms)
{
	if (log->count == 0)
		return INT64_MAX;
	if (log->stopping)
		return 0;
	if (retry_at_ms)
		return retry_at_ms;
	if (log->count >= BATCH_MAX)
		return 0;
	return log->oldest_queued_ms + GATHER_MS;
}

/* Waits (lock held) until records are due, or for a second at most. */
static void wait_for_work(struct verification_log *log, int64_t retry_at_ms)
{
	int64_t now = steady_ms(), due = due_at(log, retry_at_ms);
	int64_t wake_ms = due < now + 1000 ? due : now + 1000;
	struct timespec until;

	if (log->stopping || due <= now)
		return;
	until.tv_sec = (time_t)(wake_ms / 1000);
	until.tv_nsec = (long)(wake_ms % 1000) * 1000000L;
	pthread_cond_timedwait(&log->wake, &log->lock, &until);
}

/* Copies up to BATCH_MAX of the oldest records into batch; the queue keeps
 * owning them. Called with the lock held. */
static size_t peek_oldest(const struct verification_log *log, struct verification_record *batch)
{
	size_t n;

	for (n = 0; n < log->count && n < BATCH_MAX; n++)
		batch[n] = log->queue[(log->head + n) % log->capacity];
	return n;
}

/* Records stay in the queue while they are written: appenders only fill
 * slots after head + count, so the writer reads the oldest ones unlocked
 * and removes them only once they are committed. A storage failure keeps
 * them queued and retries with a growing pause; new verdicts meanwhile fill
 * the queue and, when it is full, are dropped and counted. */
static void *writer(void *arg)
{
	struct verification_log *log = arg;
	struct verification_record *batch = calloc(BATCH_MAX, sizeof(*batch));
	int64_t last_prune = 0, retry_at_ms = 0, pause_ms = RETRY_FIRST_MS;
	bool failing = false;

	if (!batch)
		return NULL;
	for (;;) {
		char err[256];
		size_t n = 0;
		bool stopping;
		int rc;

		pthread_mutex_lock(&log->lock);
		wait_for_work(log, retry_at_ms);
		stopping = log->stopping;
		if (due_at(log, retry_at_ms) <= steady_ms())
			n = peek_oldest(log, batch);
		pthread_mutex_unlock(&log->lock);
		if (n == 0) {
			if (stopping)
				break;
			continue;
		}

		rc = write_batch(log, batch, n, err, sizeof(err));
		pthread_mutex_lock(&log->lock);
		if (rc == SQLITE_OK) {
			log->stats.written += n;
			release_oldest(log, n);
		} else if (!db_error_is_transient(rc) || stopping) {
			/* A record the database refuses would block the log forever if
			 * retried; at shutdown there is no later. Say what is lost. */
			log->stats.lost += n;
			release_oldest(log, n);
		} else {
			log->stats.write_failures++;
		}
		pthread_mutex_unlock(&log->lock);

		if (rc == SQLITE_OK) {
			if (failing)
				report(log, "verification log: writing again after a storage failure");
			failing = false;
			retry_at_ms = 0;
			pause_ms = RETRY_FIRST_MS;
		} else if (!db_error_is_transient(rc) || stopping) {
			report(log, "verification log: %zu record(s) lost: %s", n, err);
		} else {
			if (!failing)
				report(log, "verification log: cannot write (%s); keeping records queued "
					    "and retrying", err);
			failing = true;
			retry_at_ms = steady_ms() + pause_ms;
			pause_ms = pause_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause_ms * 2;
		}
		if (!failing && steady_ms() - last_prune > PRUNE_EVERY_MS) {
			prune(log);
			last_prune = steady_ms();
		}
	}
	free(batch);
	return NULL;
}

struct verification_log *verification_log_open(const struct verification_log_config *cfg,
					       char *err, size_t err_len)
{
	struct verification_log *log = calloc(1, sizeof(*log));

	if (!log) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	log->cfg = *cfg;
	log->capacity = cfg->queue_capacity ? cfg->queue_capacity : 1;
	log->queue = calloc(log->capacity, sizeof(*log->queue));
	pthread_mutex_init(&log->lock, NULL);
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&log->wake, &monotonic);
	pthread_condattr_destroy(&monotonic);
	if (!log->queue ||
	    sqlite3_open_v2(cfg->database_path, &log->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "verification log: cannot open %s: %s", cfg->database_path,
			 log->db ? sqlite3_errmsg(log->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(log->db, 5000);
	sqlite3_exec(log->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(log->db,
			       "INSERT INTO verifications (time_ms, client, evidence_type, evidence_sha256,"
			       " nonce, valid, http_status, failures, policy_name, policy_version, claims)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			       -1, &log->insert, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "verification log: %s", sqlite3_errmsg(log->db));
		goto fail;
	}
	if (pthread_create(&log->thread, NULL, writer, log) != 0) {
		snprintf(err, err_len, "verification log: cannot start the writer thread");
		goto fail;
	}
	return log;
fail:
	sqlite3_finalize(log->insert);
	sqlite3_close(log->db);
	free(log->queue);
	free(log);
	return NULL;
}

void verification_log_close(struct verification_log *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	log->stopping = true;
	pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
	pthread_join(log->thread, NULL);
	for (size_t i = 0; i < log->capacity; i++)
		verification_record_clear(&log->queue[i]);
	sqlite3_finalize(log->insert);
	sqlite3_close(log->db);
	pthread_cond_destroy(&log->wake);
	pthread_mutex_destroy(&log->lock);
	free(log->queue);
	free(log);
}

bool verification_log_append(struct verification_log *log, struct verification_record *r)
{
	bool queued = false;

	pthread_mutex_lock(&log->lock);
	log->stats.appended++;
	if (log->count < log->capacity && !log->stopping) {
		log->queue[(log->head + log->count) % log->capacity] = *r;
		log->count++;
		queued = true;
		/* The writer needs waking only to start gathering, or for a full batch. */
		if (log->count == 1) {
			log->oldest_queued_ms = steady_ms();
			pthread_cond_signal(&log->wake);
		} else if (log->count == BATCH_MAX) {
			pthread_cond_signal(&log->wake);
		}
	} else {
		log->stats.dropped++;
	}
	pthread_mutex_unlock(&log->lock);
	if (queued)
		memset(r, 0, sizeof(*r)); /* the queue owns the strings now */
	else
		verification_record_clear(r);
	return queued;
}

void verification_log_stats(struct verification_log *log, struct verification_log_stats *out)
{
	pthread_mutex_lock(&log->lock);
	*out = log->stats;
	out->queued = log->count;
	pthread_mutex_unlock(&log->lock);
}

static struct json_object *row_json(sqlite3_stmt *s)
{
	struct json_object *o = json_object_new_object();
	const char *failures = (const char *)sqlite3_column_text(s, 8);
	const char *claims = (const char *)sqlite3_column_text(s, 11);
	time_t seconds = (time_t)(sqlite3_column_int64(s, 1) / 1000);
	struct tm tm;
	char stamp[40];

	gmtime_r(&seconds, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03lldZ",
		 (long long)(sqlite3_column_int64(s, 1) % 1000));
	json_object_object_add(o, "id", json_object_new_int64(sqlite3_column_int64(s, 0)));
	json_object_object_add(o, "time", json_object_new_string(stamp));
	json_object_object_add(o, "client", json_object_new_string((const char *)sqlite3_column_text(s, 2)));
	json_object_object_add(o, "evidence_type",
			       json_object_new_string((const char *)sqlite3_column_text(s, 3)));
	json_object_object_add(o, "evidence_sha256",
			       json_object_new_string((const char *)sqlite3_column_text(s, 4)));
	json_object_object_add(o, "nonce", json_object_new_string((const char *)sqlite3_column_text(s, 5)));
	json_object_object_add(o, "valid", json_object_new_boolean(sqlite3_column_int(s, 6)));
	json_object_object_add(o, "http_status", json_object_new_int(sqlite3_column_int(s, 7)));
	json_object_object_add(o, "failures", json_tokener_parse(failures ? failures : "[]"));
	if (sqlite3_column_type(s, 9) != SQLITE_NULL) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "name",
				       json_object_new_string((const char *)sqlite3_column_text(s, 9)));
		json_object_object_add(p, "version", json_object_new_int64(sqlite3_column_int64(s, 10)));
		json_object_object_add(o, "policy", p);
	}
	json_object_object_add(o, "claims", json_tokener_parse(claims ? claims : "{}"));
	return o;
}

#define COLUMNS "id, time_ms, client, evidence_type, evidence_sha256, nonce, valid, http_status," \
		" failures, policy_name, policy_version, claims"

struct json_object *verification_log_query(struct db *db, const struct verification_query *q,
					   char *err, size_t err_len)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *s = NULL;
	struct json_object *list;

	if (sqlite3_prepare_v2(h,
			       "SELECT " COLUMNS " FROM verifications WHERE time_ms >= ?1 AND"
			       " (?2 < 0 OR valid = ?2) ORDER BY id DESC LIMIT ?3",
			       -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "reading the verification log: %s", sqlite3_errmsg(h));
		return NULL;
	}
	sqlite3_bind_int64(s, 1, q->since_ms);
	sqlite3_bind_int(s, 2, q->valid);
	sqlite3_bind_int64(s, 3, q->limit > 0 ? q->limit : 100);
	list = json_object_new_array();
	while (sqlite3_step(s) == SQLITE_ROW)
		json_object_array_add(list, row_json(s));
	sqlite3_finalize(s);
	return list;
}

struct json_object *verification_log_get(struct db *db, int64_t id, char *err, size_t err_len)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *s = NULL;
	struct json_object *o = NULL;

	err[0] = '\0';
	if (sqlite3_prepare_v2(h, "SELECT " COLUMNS " FROM verifications WHERE id = ?1", -1, &s,
			       NULL) != SQLITE_OK) {
		snprintf(err, err_len, "reading the verification log: %s", sqlite3_errmsg(h));
		return NULL;
	}
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		o = row_json(s);
	sqlite3_finalize(s);
	return o;
}
