/* jose_testing.c - see jose_testing.h. */
#include "tests/support/jose_testing.h"

#include "tests/support/test_cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 16

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(void *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

const char *jt_tmpdir(void)
{
	char *dir = strdup("/tmp/teev-jose-XXXXXX");

	assert_non_null(dir);
	if (!mkdtemp(dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	return defer(remove_tree, dir);
}

const char *jt_write(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	defer(free, path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

char *jt_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return defer(free, text);
}

int jt_python(char **out, const char *arg, ...)
{
	const char *argv[MAX_ARGS + 3];
	const char *src = getenv("TEEV_SOURCE_DIR");
	char *script = NULL, *buf = NULL;
	size_t n = 0, len = 0;
	int pipefd[2], status = 0;
	va_list ap;
	pid_t pid;

	assert_true(asprintf(&script, "%s/tests/support/jwt_check.py", src && *src ? src : ".") >
		    0);
	defer(free, script);
	argv[n++] = "/usr/bin/python3";
	argv[n++] = script;
	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		assert_true(n < MAX_ARGS + 2);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char chunk[4096];
		ssize_t got = read(pipefd[0], chunk, sizeof(chunk));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		buf = realloc(buf, len + (size_t)got + 1);
		assert_non_null(buf);
		memcpy(buf + len, chunk, (size_t)got);
		len += (size_t)got;
	}
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!buf)
		buf = calloc(1, 1);
	buf[len] = '\0';
	defer(free, buf);
	if (out)
		*out = buf;
	if (!WIFEXITED(status))
		fail_msg("jwt_check.py did not exit normally");
	if (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 2 || WEXITSTATUS(status) == 3)
		fail_msg("jwt_check.py could not run (is python3-jwt installed?): status %d",
			 WEXITSTATUS(status));
	return WEXITSTATUS(status);
}
