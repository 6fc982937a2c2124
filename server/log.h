/* log.h - one-line log messages to stderr with a UTC timestamp and level.
 * The threshold is set once at start-up, before threads exist. */
#ifndef TEEV_LOG_H
#define TEEV_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_set_level(enum log_level level);
int log_parse_level(const char *text, enum log_level *out);
/* "text" (default) or "json" (one JSON object per line). */
int log_set_format(const char *format);

/* The access log: one line per request. verdict may be NULL. */
void log_access(unsigned long long id, const char *client, const char *method, const char *path,
		int status, double milliseconds, const char *verdict);
void log_message(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_message(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_message(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_message(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_message(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
