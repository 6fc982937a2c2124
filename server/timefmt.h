/* timefmt.h - RFC 3339 times on the command line and in queries. */
#ifndef TEEV_TIMEFMT_H
#define TEEV_TIMEFMT_H

#include <time.h>

/* 2025-06-01T12:00:00Z, optional fraction, Z or +HH:MM / -HH:MM. 0 or -1. */
int parse_rfc3339(const char *text, time_t *out);

#endif
