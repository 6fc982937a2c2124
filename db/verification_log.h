/* verification_log.h - a durable record of every verdict, for auditors.
 *
 * Requests append to a bounded in-memory queue and return at once; one
 * background thread writes batches in single transactions on its own
 * SQLite connection, so the request path never waits for a disk commit. A
 * batch is written when 256 records are queued or the oldest has waited
 * 20 ms.
 * When the disk is full or read-only, records stay queued and the writer
 * retries until the storage recovers. When the queue is full a record is
 * dropped and counted (never a block, never a crash).
 * verification_log_close() writes everything still queued before it
 * returns, so a clean shutdown loses nothing. A SIGKILL loses the records
 * still queued (the last 20 ms or so of verdicts, unless the storage is
 * failing), never committed ones. Old records are pruned by age and by count.
 */
#ifndef TEEV_VERIFICATION_LOG_H
#define TEEV_VERIFICATION_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct verification_log;
struct json_object;

struct verification_record {
	int64_t id;           /* set when read back */
	int64_t time_ms;      /* Unix time in milliseconds */
	char client[256];     /* subject DN of the client certificate */
	char evidence_type[8];
	char evidence_sha256[65];
	char nonce[160];      /* as sent (truncated to fit) */
	bool valid;
	int http_status;
	char *failures;       /* JSON array of failure ids (owned) */
	char policy_name[160];
	int64_t policy_version; /* 0 when none */
	char *claims;         /* JSON (owned); large claims are summarised */
};

void verification_record_clear(struct verification_record *r);

struct verification_log_config {
	const char *database_path;
	size_t queue_capacity;   /* records */
	int64_t max_age_seconds; /* 0: keep forever */
	int64_t max_records;     /* 0: no limit */
	/* Told (from the writer thread) when writing starts failing, recovers,
	 * or records are lost; may be NULL. */
	void (*on_trouble)(void *context, const char *message);
	void *trouble_context;
};

/* Opens the writer's own connection and starts the writer thread. */
struct verification_log *verification_log_open(const struct verification_log_config *cfg,
					       char *err, size_t err_len);
/* Writes every queued record, stops the thread, closes. NULL is fine. */
void verification_log_close(struct verification_log *log);

/* Queues a record (takes ownership of its strings). Never blocks on disk;
 * returns false (and counts a drop) when the queue is full. */
bool verification_log_append(struct verification_log *log, struct verification_record *r);

struct verification_log_stats {
	uint64_t appended, written;
	uint64_t dropped;        /* the queue was full */
	uint64_t write_failures; /* batches that failed and stay queued for a retry */
	uint64_t lost;           /* records given up: not storable, or still failing at close */
	size_t queued;
};
void verification_log_stats(struct verification_log *log, struct verification_log_stats *out);

/* Reading, for `teev log` and GET /verifications. */
struct verification_query {
	int64_t since_ms;   /* 0: from the start */
	int valid;          /* -1 any, 0 false, 1 true */
	int64_t limit;      /* newest first */
};
/* Returns a JSON array of records (newest first) or NULL with err. */
struct db;
struct json_object *verification_log_query(struct db *db, const struct verification_query *q,
					   char *err, size_t err_len);
/* One record by id: NULL with err empty when there is none. */
struct json_object *verification_log_get(struct db *db, int64_t id, char *err, size_t err_len);

#endif
