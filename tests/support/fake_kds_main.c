/* fake_kds_main.c - the fake AMD KDS as a program, for integration tests that
 * run the real server against it in a separate process.
 *
 *   fake-kds --root DIR [--port N]
 *
 * Prints "port N" on stdout once it listens, one line per request
 * ("GET <path>?<query> -> <status>") on stderr, and serves until SIGTERM or
 * SIGINT. Files are looked up as described in fake_kds.h.
 */
#include "tests/support/fake_kds.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: fake-kds --root DIR [--port N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *root = NULL;
	unsigned long port = 0;
	struct fake_kds *kds;
	sigset_t stop_signals;
	int signal_number;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			root = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			char *end;

			port = strtoul(argv[++i], &end, 10);
			if (*end || port > 65535)
				return usage();
		} else {
			return usage();
		}
	}
	if (!root)
		return usage();

	/* Blocked before the server's threads start, so they inherit the mask
	 * and sigwait below is the only place the signal is taken. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	kds = fake_kds_start_on(root, (unsigned)port, stderr);
	if (!kds) {
		fprintf(stderr, "fake-kds: cannot listen on 127.0.0.1:%lu\n", port);
		return 1;
	}
	printf("port %u\n", fake_kds_port(kds));
	fflush(stdout);

	sigwait(&stop_signals, &signal_number);
	fake_kds_stop(kds);
	return 0;
}
