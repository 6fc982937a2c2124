#!/bin/sh
# run.sh - runs one libFuzzer harness, for tests/fuzz/fuzz.mk.
#   run.sh regress TARGET BUILD [libFuzzer options...]
#       every file of BUILD/corpus/TARGET once, as stored (no mutation)
#   run.sh fuzz TARGET BUILD [libFuzzer options...]
#       fuzz from BUILD/corpus/TARGET; new inputs go to BUILD/grown/TARGET,
#       crashes, leaks and hangs to BUILD/findings/TARGET/
# Prints one line per run (and the log's tail on a finding); exits non-zero
# on any finding. The full log is BUILD/logs/TARGET-MODE.log.
set -u

mode=$1
target=$2
build=$3
shift 3

bin="$build/fuzz_$target"
corpus="$build/corpus/$target"
log="$build/logs/$target-$mode.log"
mkdir -p "$build/logs" "$corpus"

# Leak checks stay on (libFuzzer's default); symbolized traces name file:line.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

start=$(date +%s)
case "$mode" in
regress)
	count=$(find "$corpus" -type f | wc -l)
	if [ "$count" -eq 0 ]; then
		echo "fuzz-regress $target: no inputs in $corpus (run tests/fuzz/seed.sh)" >&2
		exit 1
	fi
	# libFuzzer runs each file named on its command line once and stops.
	find "$corpus" -type f -print0 | sort -z |
		xargs -0 -n 500 "$bin" "$@" >"$log" 2>&1
	status=$?
	took=$(($(date +%s) - start))
	if [ "$status" -ne 0 ]; then
		tail -n 60 "$log"
		echo "fuzz-regress $target: FAILED on one of $count inputs (log: $log)"
		exit 1
	fi
	echo "fuzz-regress $target: $count inputs, no finding (${took}s)"
	;;
fuzz)
	grown="$build/grown/$target"
	findings="$build/findings/$target"
	mkdir -p "$grown" "$findings"
	# A dictionary of the format's tokens, where the harness has one.
	dict="$(dirname "$0")/dicts/$target.dict"
	if [ -f "$dict" ]; then
		set -- "$@" -dict="$dict"
	fi
	"$bin" "$@" -artifact_prefix="$findings/" "$grown" "$corpus" >"$log" 2>&1
	status=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ "$status" -ne 0 ]; then
		tail -n 80 "$log"
		echo "fuzz $target: FINDING after ${took}s (artifacts in $findings/, log: $log)"
		exit 1
	fi
	echo "fuzz $target: ${execs:-?} execs in ${took}s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
	;;
*)
	echo "usage: $0 regress|fuzz TARGET BUILD [options]" >&2
	exit 2
	;;
esac
