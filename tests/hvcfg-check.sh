#!/bin/sh
# hvcfg-check.sh - run hvcfg on the config files of tests/configs/ and compare.
#
# Usage: tests/hvcfg-check.sh HVCFG DIR     (make hvcfg-check, part of make unit)
#
#   DIR/good/*.cfg  must pass "hvcfg check" (exit 0) and "hvcfg show" must print a table.
#   DIR/bad/*.cfg   must fail "hvcfg check" (exit 1) with exactly the messages of its
#                   "# expect: FILE:LINE: message" lines, in that order, and nothing else
#                   but the closing "FILE: N problems" line.
# A "# hvcfg: OPTIONS" line in a file gives the machine options (--cpus N --memory SIZE).
# hvcfg runs inside the file's directory, so FILE is the bare name, as a user in that
# directory would see it.  Also checks the usage errors (exit 2).  Prints one line per
# failure and closes with "N passed, N failed" like the unit tests.
hvcfg=$1
dir=$2
case $hvcfg in /*) ;; *) hvcfg=$(pwd)/$hvcfg ;; esac
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}

# The machine options of config file $1.
options() { sed -n 's/^# hvcfg: //p' "$1" | tr -d '\r'; }

for f in "$dir"/good/*.cfg; do
	name=$(basename "$f")
	# shellcheck disable=SC2046  # options are words
	(cd "$(dirname "$f")" && "$hvcfg" check "$name" $(options "$name")) >"$tmp/out" 2>&1
	status=$?
	if [ $status -eq 0 ]; then ok; else bad "$f: check exit $status, want 0:" && cat "$tmp/out"; fi
	# shellcheck disable=SC2046
	(cd "$(dirname "$f")" && "$hvcfg" show "$name" $(options "$name")) >"$tmp/out" 2>&1
	status=$?
	if [ $status -eq 0 ] && grep -q '^guest ' "$tmp/out"; then ok; else bad "$f: show exit $status"; fi
done

for f in "$dir"/bad/*.cfg; do
	name=$(basename "$f")
	grep '^# expect: ' "$f" | sed 's/^# expect: //' | tr -d '\r' >"$tmp/want"
	n=$(wc -l <"$tmp/want")
	if [ "$n" -eq 0 ]; then
		bad "$f: has no '# expect: ' line"
		continue
	fi
	if [ "$n" -eq 1 ]; then echo "$name: 1 problem"; else echo "$name: $n problems"; fi >>"$tmp/want"
	# shellcheck disable=SC2046
	(cd "$(dirname "$f")" && "$hvcfg" check "$name" $(options "$name")) >"$tmp/got" 2>&1
	status=$?
	if [ $status -ne 1 ]; then
		bad "$f: exit status $status, want 1"
	elif ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		bad "$f: messages differ (- expected, + got):"
		sed '1,2d' "$tmp/diff"
	else
		ok
	fi
done

# Usage errors exit 2; --help exits 0.
expect_status() {
	want=$1
	shift
	"$hvcfg" "$@" >/dev/null 2>&1
	status=$?
	if [ $status -eq "$want" ]; then ok; else bad "hvcfg $*: exit $status, want $want"; fi
}
good=$dir/good/minimal.cfg
expect_status 0 --help
expect_status 2
expect_status 2 frobnicate "$good"
expect_status 2 check
expect_status 2 check "$good" "$good"
expect_status 2 check "$good" --cpus
expect_status 2 check "$good" --cpus 0
expect_status 2 check "$good" --memory 12Q
expect_status 2 check "$good" --verbose
expect_status 2 check "$dir/no-such-file.cfg"
expect_status 0 check "$good" --cpus=1 --memory=1M
expect_status 1 check "$good" --memory 512K

echo "$pass passed, $fail failed"
[ -z "${HV_SUMMARY_FILE:-}" ] || echo "hvcfg-check $pass $fail 0" >>"$HV_SUMMARY_FILE"
[ $fail -eq 0 ]
