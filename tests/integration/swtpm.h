/* swtpm.h - a software TPM (swtpm) on loopback for one test file, driven
 * with tpm2-tools the way a Keylime agent drives a real TPM.
 *
 * The Makefile links integration tests with harness.o only, so a test file
 * that wants this helper includes swtpm.c itself (one translation unit). */
#ifndef TEEV_SWTPM_H
#define TEEV_SWTPM_H

#include <stddef.h>
#include <sys/types.h>

struct swtpm {
	pid_t pid;          /* the swtpm process, 0 when not running */
	unsigned port;      /* TPM command port; the control channel is port + 1 */
	char dir[256];      /* mkdtemp folder: state/, swtpm.log and the tests' files */
	char tcti_env[96];  /* "TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=P" */
};

/* The first program of swtpm and tpm2-tools the tests need that is not on
 * PATH, or NULL when all are there. */
const char *swtpm_missing_program(void);

/* Starts swtpm on free loopback ports (retrying when a port was taken in the
 * meantime) and waits until it accepts connections. Returns 0 or -1 (details
 * on stderr, nothing left running, the folder removed). */
int swtpm_start(struct swtpm *t);

/* The same, but the TPM is left powered on and not started, as a machine's
 * TPM is before its firmware runs TPM2_Startup: for clients that send
 * tpm2_startup themselves (Keylime's keylime_oneshot_attestation). */
int swtpm_start_unstarted(struct swtpm *t);

/* SIGTERM, a bounded wait (then SIGKILL), and removes the folder. Returns 0
 * when swtpm exited cleanly or was not running. */
int swtpm_stop(struct swtpm *t);

/* "<dir>/<name>" in buf; returns buf. */
const char *swtpm_path(const struct swtpm *t, const char *name, char *buf, size_t cap);

/* Runs one tpm2-tools program (argv[0] is looked up in PATH) against this
 * TPM with a bounded wait, then flushes the transient objects it left
 * loaded. Returns its exit status (-1 when it could not run or timed out);
 * *out and *err (malloc'd, may be NULL) hold its stdout and stderr. */
int swtpm_tool(const struct swtpm *t, const char *const argv[], char **out, char **err);

#endif
