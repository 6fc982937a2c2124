/* timefmt.c - RFC 3339 parsing (see timefmt.h). */
#include "server/timefmt.h"

#include <stdbool.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3339: 2025-06-01T12:00:00Z, optional fraction, Z or +HH:MM / -HH:MM. */
int parse_rfc3339(const char *text, time_t *out)
{
	struct tm tm = {0};
	const char *p = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	long offset = 0;

	if (!p)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		char sign = *p;
		/* Exactly "HH:MM": sscanf would also take "+-1:00" or "+ 1:00". */
		if (!is_digit(p[1]) || !is_digit(p[2]) || p[3] != ':' || !is_digit(p[4]) ||
		    !is_digit(p[5]))
			return -1;
		int hours = (p[1] - '0') * 10 + (p[2] - '0');
		int minutes = (p[4] - '0') * 10 + (p[5] - '0');
		if (hours > 23 || minutes > 59)
			return -1;
		offset = (hours * 60L + minutes) * 60L * (sign == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*out = timegm(&tm) - offset;
	return 0;
}

