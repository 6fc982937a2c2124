/* jose_testing.h - what the signed-result tests share: temporary folders,
 * files, and the independent JOSE implementation (tests/support/jwt_check.py
 * on Debian's python3-jwt) run as a child process. Everything returned is
 * released at the test's teardown (test_cleanup's defer). */
#ifndef TEEV_JOSE_TESTING_H
#define TEEV_JOSE_TESTING_H

/* A new empty folder, removed with its content at teardown. */
const char *jt_tmpdir(void);

/* Writes text to dir/name (replacing it); returns the path. */
const char *jt_write(const char *dir, const char *name, const char *text);

/* Reads a whole file as text (NUL-terminated); fails the test when missing. */
char *jt_read(const char *path);

/* Runs /usr/bin/python3 jwt_check.py with the given arguments (a NULL ends
 * them); returns its exit status; *out (if non-NULL) gets its standard
 * output. The script is found in $TEEV_SOURCE_DIR/tests/support, else
 * ./tests/support (make runs the tests from the source folder). */
int jt_python(char **out, const char *arg, ...) __attribute__((sentinel));

#endif
