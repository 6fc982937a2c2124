#!/bin/sh
# Runs build/teev under valgrind's memcheck for `make valgrind`: one log per
# process in $VALGRIND_LOGS, read afterwards by tests/valgrind/report.sh.
# Leaks are reported, not made fatal here, so a test sees the same exit
# codes as without valgrind.
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --track-fds=no --num-callers=30 \
	--log-file="$VALGRIND_LOGS/teev.%p.log" "$TEEV_REAL_BIN" "$@"
