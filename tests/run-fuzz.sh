#!/bin/sh
# run-fuzz.sh - run each libFuzzer program for a fixed time.
#
# Usage: tests/run-fuzz.sh SECONDS WORKDIR PROGRAM...
# The growing corpus of fuzz_foo lives in WORKDIR/fuzz_foo-corpus (kept
# between runs); seeds in tests/corpus/foo/ are read when that directory
# exists.  A crash leaves its input as WORKDIR/fuzz_foo-crash-* and makes
# this script exit 1 after showing the fuzzer's report.  The last line is
# "fuzz: N passed, N failed", counting fuzzers.
secs=$1
work=$2
shift 2
failed=""
for prog in "$@"; do
	name=$(basename "$prog")
	corpus="$work/$name-corpus"
	seeds="tests/corpus/${name#fuzz_}"
	mkdir -p "$corpus"
	[ -d "$seeds" ] || seeds=""
	echo "== $name: ${secs}s"
	# shellcheck disable=SC2086  # $seeds is empty or one path
	if "$prog" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$name-" "$corpus" $seeds >"$work/$name.log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|Done)' "$work/$name.log"
	else
		tail -n 60 "$work/$name.log"
		echo "$name: FAILED (log: $work/$name.log)"
		failed="$failed $name"
	fi
done
nfail=$(echo "$failed" | wc -w)
echo "fuzz: $(($# - nfail)) passed, $nfail failed${failed:+ (failing:$failed)}"
[ -z "${HV_SUMMARY_FILE:-}" ] || echo "fuzz $(($# - nfail)) $nfail 0" >>"$HV_SUMMARY_FILE"
[ -z "$failed" ]
