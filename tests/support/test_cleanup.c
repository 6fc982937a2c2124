/* test_cleanup.c - per-test cleanup, test data and timing (see test_cleanup.h). */
#include "tests/support/test_cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/bytes.h"

enum { CLEANUP_MAX = 1024 };

/* Test-process state: cmocka runs one test at a time in one thread. */
static struct {
	void (*fn)(void *);
	void *arg;
} cleanups[CLEANUP_MAX];
static size_t cleanup_count;

void *defer(void (*fn)(void *), void *arg)
{
	if (cleanup_count == CLEANUP_MAX)
		fail_msg("more than %d cleanups in one test", CLEANUP_MAX);
	cleanups[cleanup_count].fn = fn;
	cleanups[cleanup_count].arg = arg;
	cleanup_count++;
	return arg;
}

size_t defer_mark(void)
{
	return cleanup_count;
}

void release_to(size_t mark)
{
	while (cleanup_count > mark) {
		cleanup_count--;
		cleanups[cleanup_count].fn(cleanups[cleanup_count].arg);
	}
}

int run_cleanups(void **state)
{
	(void)state;
	release_to(0);
	return 0;
}

const char *shared_dir(void)
{
	const char *dir = getenv("SHARED_DIR");

	return dir && dir[0] ? dir : "../shared";
}

char *read_keylime_file(const char *rel, size_t *len)
{
	char path[1024], err[256] = "";
	uint8_t *data;

	snprintf(path, sizeof(path), "%s/testdata/keylime/%s", shared_dir(), rel);
	data = bytes_read_file(path, (size_t)64 << 20, len, err, sizeof(err));
	if (!data)
		fail_msg("%s (set SHARED_DIR)", err);
	return (char *)data;
}

double test_slowdown(void)
{
	const char *preload = getenv("LD_PRELOAD");

#if defined(__SANITIZE_ADDRESS__)
	return 10.0;
#endif
	if (preload && strstr(preload, "vgpreload"))
		return 50.0;
	return 1.0;
}

double test_now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
