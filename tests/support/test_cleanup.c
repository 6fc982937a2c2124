/* test_cleanup.c - per-test cleanup (see test_cleanup.h). */
#include "tests/support/test_cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

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
