#!/bin/sh
# Reads the memcheck logs of `make valgrind` (one per teev process) and fails
# when any process had a memory error or a definitely-lost block. Processes
# ended by SIGKILL (the crash tests) leave no summary and are only counted.
set -u
dir=$1
checked=0
killed=0
bad=0
for log in "$dir"/teev.*.log; do
	[ -e "$log" ] || continue
	summary=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$log")
	if [ -z "$summary" ]; then
		killed=$((killed + 1))
		continue
	fi
	checked=$((checked + 1))
	if [ "$summary" -ne 0 ] || grep -q 'definitely lost: [1-9]' "$log"; then
		bad=$((bad + 1))
		echo "valgrind: $log:"
		grep -E 'definitely lost|ERROR SUMMARY|^==[0-9]*== (Invalid|Conditional|Use of|Syscall|Mismatched)' "$log"
	fi
done
echo "valgrind: $checked teev processes checked, $bad with errors or definitely-lost blocks" \
	"($killed killed by the tests without a summary)"
[ "$checked" -gt 0 ] && [ "$bad" -eq 0 ]
