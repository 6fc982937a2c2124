/* test_cleanup.h - per-test cleanup, test data and timing for cmocka tests.
 *
 * A failed cmocka assertion longjmps past a test's own frees; whatever a
 * test hands to defer() is released by run_cleanups(), registered as the
 * test's teardown, whether the test passed or failed. */
#ifndef TEEV_TEST_CLEANUP_H
#define TEEV_TEST_CLEANUP_H

#include <stddef.h>

/* Registers fn(arg) to run at teardown; returns arg for chaining. */
void *defer(void (*fn)(void *), void *arg);

/* How many cleanups are pending: a mark for release_to(). */
size_t defer_mark(void);

/* Runs the cleanups registered after mark (keeps loops over many inputs flat). */
void release_to(size_t mark);

/* cmocka teardown: runs every pending cleanup. */
int run_cleanups(void **state);

/* The ../shared directory, or $SHARED_DIR when set and non-empty. */
const char *shared_dir(void);

/* <shared>/testdata/keylime/<rel>, NUL-terminated (at most 64 MiB); fails
 * the test when it cannot be read. The caller frees (or defers free). */
char *read_keylime_file(const char *rel, size_t *len);

/* Sanitizers and valgrind slow everything down; timing bounds are
 * multiplied by this (1 in a normal build). */
double test_slowdown(void);
/* CLOCK_MONOTONIC in seconds. */
double test_now_seconds(void);

#endif
