/* swtpm.c - run swtpm and tpm2-tools for integration tests (see swtpm.h).
 *
 * Every child gets PR_SET_PDEATHSIG, so a test binary that crashes or is
 * killed never leaves a TPM or a tool running, and every wait is bounded. */
#include "tests/integration/swtpm.h"
#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SWTPM_START_TIMEOUT_MS 5000
#define SWTPM_STOP_TIMEOUT_MS 5000
#define SWTPM_TOOL_TIMEOUT_MS 30000
#define SWTPM_START_ATTEMPTS 5
#define SWTPM_STILL_RUNNING (-2)

static long swtpm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void swtpm_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits at most timeout_ms for pid. Returns its exit status (128 + signal
 * when killed), SWTPM_STILL_RUNNING, or -1 when it cannot be waited for. */
static int wait_bounded(pid_t pid, long timeout_ms)
{
	long deadline = swtpm_now_ms() + timeout_ms;
	long pause_ms = 1;
	int status;

	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (done < 0 && errno != EINTR)
			return -1;
		if (swtpm_now_ms() >= deadline)
			return SWTPM_STILL_RUNNING;
		/* Tools finish in milliseconds: poll fast first, then back off. */
		swtpm_sleep_ms(pause_ms);
		if (pause_ms < 20)
			pause_ms *= 2;
	}
}

/* SIGTERM, a bounded wait, then SIGKILL. Returns the exit status. */
static int terminate(pid_t pid)
{
	int rc;

	kill(pid, SIGTERM);
	rc = wait_bounded(pid, SWTPM_STOP_TIMEOUT_MS);
	if (rc == SWTPM_STILL_RUNNING) {
		fprintf(stderr, "swtpm: pid %d ignored SIGTERM, killing it\n", (int)pid);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rc = -1;
	}
	return rc;
}

static bool on_path(const char *program)
{
	const char *path = getenv("PATH");
	char candidate[1024];

	if (!path || !path[0])
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)len, len ? path : ".",
			 program);
		if (access(candidate, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

const char *swtpm_missing_program(void)
{
	static const char *const needed[] = {
		"swtpm",	   "tpm2_createek", "tpm2_createak",   "tpm2_pcrextend",
		"tpm2_pcrread",	   "tpm2_quote",    "tpm2_checkquote", "tpm2_flushcontext",
	};

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!on_path(needed[i]))
			return needed[i];
	}
	return NULL;
}

const char *swtpm_path(const struct swtpm *t, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", t->dir, name);
	return buf;
}

/* Binds 127.0.0.1:port (0 = any) and releases it; returns the port bound, 0
 * when it is taken. */
static unsigned probe_port(unsigned port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned bound = 0;

	if (fd < 0)
		return 0;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
		bound = ntohs(addr.sin_port);
	close(fd);
	return bound;
}

/* A port P with P + 1 free as well (swtpm's control channel). Another
 * process may still take them before swtpm binds: swtpm_start retries. */
static unsigned free_port_pair(void)
{
	for (int i = 0; i < 50; i++) {
		unsigned port = probe_port(0);
		if (port && port < 65535 && probe_port(port + 1) == port + 1)
			return port;
	}
	return 0;
}

static bool accepts_connections(unsigned port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

/* Starts swtpm on port and waits until it serves. Returns 0, or -1 when it
 * exited (a port was taken) or did not come up in time (then it is stopped). */
static int launch_swtpm(struct swtpm *t, unsigned port, const char *flags)
{
	char server[96], ctrl[96], state[320], log_path[320];

	snprintf(server, sizeof(server), "type=tcp,port=%u,bindaddr=127.0.0.1", port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%u,bindaddr=127.0.0.1", port + 1);
	snprintf(state, sizeof(state), "dir=%s/state", t->dir);
	swtpm_path(t, "swtpm.log", log_path, sizeof(log_path));

	t->pid = fork();
	if (t->pid < 0) {
		t->pid = 0;
		return -1;
	}
	if (t->pid == 0) {
		int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (log >= 0) {
			dup2(log, STDOUT_FILENO);
			dup2(log, STDERR_FILENO);
			close(log);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl,
		       "--tpmstate", state, "--flags", flags, (char *)NULL);
		_exit(127);
	}
	for (long start = swtpm_now_ms(); swtpm_now_ms() - start < SWTPM_START_TIMEOUT_MS;) {
		if (wait_bounded(t->pid, 0) != SWTPM_STILL_RUNNING) {
			t->pid = 0;
			return -1;
		}
		/* Connected, and still alive: the port is swtpm's, not another's. */
		if (accepts_connections(port) && wait_bounded(t->pid, 0) == SWTPM_STILL_RUNNING) {
			t->port = port;
			snprintf(t->tcti_env, sizeof(t->tcti_env),
				 "TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=%u", port);
			return 0;
		}
		swtpm_sleep_ms(10);
	}
	fprintf(stderr, "swtpm: not serving on port %u after %d ms\n", port, SWTPM_START_TIMEOUT_MS);
	terminate(t->pid);
	t->pid = 0;
	return -1;
}

static int start_with_flags(struct swtpm *t, const char *flags)
{
	char state[320], log_path[320];
	char *log;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/teev-swtpm-XXXXXX");
	if (!mkdtemp(t->dir)) {
		perror("swtpm: mkdtemp");
		t->dir[0] = '\0';
		return -1;
	}
	if (mkdir(swtpm_path(t, "state", state, sizeof(state)), 0700) != 0) {
		perror("swtpm: mkdir state");
		goto fail;
	}
	for (int attempt = 0; attempt < SWTPM_START_ATTEMPTS; attempt++) {
		unsigned port = free_port_pair();
		if (port && launch_swtpm(t, port, flags) == 0)
			return 0;
	}
	log = harness_read_file(swtpm_path(t, "swtpm.log", log_path, sizeof(log_path)), NULL);
	fprintf(stderr, "swtpm: could not start after %d attempts; its log:\n%s\n",
		SWTPM_START_ATTEMPTS, log ? log : "(none)");
	free(log);
fail:
	swtpm_stop(t);
	return -1;
}

int swtpm_start(struct swtpm *t)
{
	/* not-need-init,startup-clear: the TPM is powered on and started, as
	 * firmware would leave it, so no tpm2_startup is needed. */
	return start_with_flags(t, "not-need-init,startup-clear");
}

int swtpm_start_unstarted(struct swtpm *t)
{
	return start_with_flags(t, "not-need-init");
}

int swtpm_stop(struct swtpm *t)
{
	int rc = 0;

	if (t->pid > 0) {
		rc = terminate(t->pid);
		t->pid = 0;
	}
	if (t->dir[0]) {
		const char *rm[] = {"/bin/rm", "-rf", t->dir, NULL};
		harness_run(rm);
		t->dir[0] = '\0';
	}
	return rc;
}

/* The environment without any TPM2TOOLS_TCTI of our own caller, plus the one
 * naming this TPM. The array is malloc'd; its strings are borrowed. */
static char **tool_environment(const struct swtpm *t)
{
	size_t count = 0, used = 0;
	char **env;

	while (environ[count])
		count++;
	env = calloc(count + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		if (strncmp(environ[i], "TPM2TOOLS_TCTI=", strlen("TPM2TOOLS_TCTI=")) != 0)
			env[used++] = environ[i];
	}
	env[used] = (char *)t->tcti_env;
	return env;
}

/* Runs argv with env, stdout and stderr into files of t->dir, waiting at
 * most SWTPM_TOOL_TIMEOUT_MS. */
static int run_tool(const struct swtpm *t, const char *const argv[], char **out, char **err)
{
	char out_path[320], err_path[320];
	int out_fd = -1, err_fd = -1, rc = -1;
	char **env = tool_environment(t);
	pid_t pid;

	if (out)
		*out = NULL;
	if (err)
		*err = NULL;
	swtpm_path(t, "tool-out-XXXXXX", out_path, sizeof(out_path));
	swtpm_path(t, "tool-err-XXXXXX", err_path, sizeof(err_path));
	out_fd = mkstemp(out_path);
	err_fd = mkstemp(err_path);
	if (!env || out_fd < 0 || err_fd < 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvpe(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	rc = wait_bounded(pid, SWTPM_TOOL_TIMEOUT_MS);
	if (rc == SWTPM_STILL_RUNNING) {
		fprintf(stderr, "swtpm: %s still running after %d ms, killed\n", argv[0],
			SWTPM_TOOL_TIMEOUT_MS);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rc = -1;
	}
	if (out)
		*out = harness_read_file(out_path, NULL);
	if (err)
		*err = harness_read_file(err_path, NULL);
out:
	if (out_fd >= 0) {
		close(out_fd);
		unlink(out_path);
	}
	if (err_fd >= 0) {
		close(err_fd);
		unlink(err_path);
	}
	free(env);
	return rc;
}

int swtpm_tool(const struct swtpm *t, const char *const argv[], char **out, char **err)
{
	static const char *const flush[] = {"tpm2_flushcontext", "-t", NULL};
	char *flush_err = NULL;
	int rc = run_tool(t, argv, out, err);

	/* Without a resource manager (tpm2-abrmd or the kernel's /dev/tpmrm0)
	 * each context a tool loads stays in the TPM; swtpm has 3 object slots,
	 * and the 4th load fails with TPM_RC_OBJECT_MEMORY (0x902). */
	if (run_tool(t, flush, NULL, &flush_err) != 0) {
		fprintf(stderr, "swtpm: tpm2_flushcontext -t failed: %s\n",
			flush_err ? flush_err : "");
		rc = rc == 0 ? -1 : rc;
	}
	free(flush_err);
	return rc;
}
