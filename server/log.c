/* log.c - timestamped lines on stderr (see log.h). */
#include "server/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Written once by main before any thread starts, read-only afterwards. */
static enum log_level threshold = LOG_LEVEL_INFO;
static int json_format; /* same rule: set at start-up only */

void log_set_level(enum log_level level)
{
	threshold = level;
}

int log_parse_level(const char *text, enum log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};

	for (int i = 0; i < 4; i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int log_set_format(const char *format)
{
	if (strcmp(format, "text") == 0)
		json_format = 0;
	else if (strcmp(format, "json") == 0)
		json_format = 1;
	else
		return -1;
	return 0;
}

static void timestamp(char *out, size_t cap)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, cap - n, ".%03ldZ", now.tv_nsec / 1000000);
}

/* Writes text as a JSON string body (quotes and control bytes escaped). */
static void json_escape(const char *text, char *out, size_t cap)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p && n + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
}

void log_access(unsigned long long id, const char *client, const char *method, const char *path,
		int status, double milliseconds, const char *verdict)
{
	char stamp[40], c[512], p[512];

	if (LOG_LEVEL_INFO < threshold)
		return;
	timestamp(stamp, sizeof(stamp));
	if (json_format) {
		json_escape(client ? client : "", c, sizeof(c));
		json_escape(path, p, sizeof(p));
		fprintf(stderr,
			"{\"time\":\"%s\",\"level\":\"info\",\"request_id\":%llu,\"client\":\"%s\","
			"\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"duration_ms\":%.3f%s%s%s}\n",
			stamp, id, c, method, p, status, milliseconds, verdict ? ",\"verdict\":\"" : "",
			verdict ? verdict : "", verdict ? "\"" : "");
	} else {
		fprintf(stderr, "%s INFO request=%llu client=\"%s\" %s %s status=%d %.3fms%s%s\n", stamp,
			id, client ? client : "", method, path, status, milliseconds,
			verdict ? " verdict=" : "", verdict ? verdict : "");
	}
}

void log_message(enum log_level level, const char *fmt, ...)
{
	static const char *const labels[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	static const char *const json_levels[] = {"debug", "info", "warn", "error"};
	char line[2048];
	char stamp[40];
	va_list ap;

	if (level < threshold)
		return;
	timestamp(stamp, sizeof(stamp));
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line keeps lines from different threads whole. */
	if (json_format) {
		char escaped[4200];
		json_escape(line, escaped, sizeof(escaped));
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"%s\"}\n", stamp,
			json_levels[level], escaped);
	} else {
		fprintf(stderr, "%s %s %s\n", stamp, labels[level], line);
	}
}
