#!/bin/sh
# Runs every test program given on the command line and ends with one summary
# line, "N passed, N failed", counted from cmocka's per-program results. A
# program that crashes or prints no cmocka summary counts as one failure.
set -u

passed=0
failed=0
for program in "$@"; do
	name=$(basename "$program")
	echo "=== $name"
	log=$(mktemp)
	"$program" >"$log" 2>&1
	status=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\./\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
	rm -f "$log"
	p=${p:-0}
	f=${f:-0}
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "=== $name exited with status $status without a cmocka failure count"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
