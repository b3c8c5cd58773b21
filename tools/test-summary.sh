#!/usr/bin/env bash
# test-summary.sh FILE - print the total of every stage `make test` ran.
#
# Each stage (unit, hvcfg-check, fuzz, test-qemu) appends one line
# "STAGE PASSED FAILED SKIPPED" to FILE; this prints one line per stage and
# the closing total "test: N passed, N failed, N skipped".  A stage that
# recorded nothing counts as a failure, so a stage that silently did not run
# cannot pass.
set -euo pipefail
file=${1:?usage: test-summary.sh FILE}
p=0 f=0 s=0
for stage in unit hvcfg-check fuzz test-qemu; do
	line=$(grep -E "^$stage " "$file" 2>/dev/null | tail -n 1 || true)
	if [ -z "$line" ]; then
		echo "summary: $stage recorded no result"
		f=$((f + 1))
		continue
	fi
	read -r _ sp sf ss <<<"$line"
	echo "summary: $stage: $sp passed, $sf failed, $ss skipped"
	p=$((p + sp)) f=$((f + sf)) s=$((s + ss))
done
echo "test: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
