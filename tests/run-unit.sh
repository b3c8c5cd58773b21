#!/bin/sh
# run-unit.sh - run host unit test programs and add up their results.
#
# Usage: tests/run-unit.sh PROGRAM...
# Each program prints its own closing line "N passed, N failed" (tests/test.h).
# A program that exits non-zero without reporting a failure (a sanitizer
# report, a crash, an unexpected panic) counts as one failure.  Prints each
# program's output, then the sum as the last line; exits 1 if anything failed.
total_pass=0
total_fail=0
bad=""
for prog in "$@"; do
	name=$(basename "$prog")
	log="$prog.log"
	echo "== $name"
	"$prog" >"$log" 2>&1
	status=$?
	cat "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | cut -d' ' -f1)
		f=$(echo "$line" | cut -d' ' -f3)
	else
		p=0
		f=0
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exit status $status without a failed check (crash or sanitizer report above)"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -ne 0 ] && bad="$bad $name"
done
echo "== summary of $# programs${bad:+; failing:$bad}"
echo "$total_pass passed, $total_fail failed"
[ -z "${HV_SUMMARY_FILE:-}" ] || echo "unit $total_pass $total_fail 0" >>"$HV_SUMMARY_FILE"
[ "$total_fail" -eq 0 ]
