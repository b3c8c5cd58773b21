#!/usr/bin/env bash
# verify-shares.sh - the "verify" check of [bochs-linux-shared]: the guests
# that shared one CPU counted over the same window of their clocks, so their
# counts must split as their weights do.
#
# Usage: verify-shares.sh SERIAL.TXT NAME:WEIGHT... [--tolerance PERCENT]
# Reads "NAME: HV-SPIN-COUNT: N rounds" for each NAME, and passes when every
# guest's share of the total is within PERCENT (default 10) of its weight's
# share, relative (a weight share of 2/3 allows 60%..73.3%).
set -euo pipefail

log=$1
shift
tol=10
guests=()
while [ $# -gt 0 ]; do
	case $1 in
	--tolerance) tol=$2; shift 2 ;;
	*:*) guests+=("$1"); shift ;;
	*) echo "verify-shares: bad argument '$1' (want NAME:WEIGHT)" >&2; exit 2 ;;
	esac
done
[ ${#guests[@]} -ge 2 ] || { echo "verify-shares: name at least two guests" >&2; exit 2; }

counts=()
for g in "${guests[@]}"; do
	name=${g%%:*}
	n=$(sed -n "s/^$name: HV-SPIN-COUNT: \([0-9][0-9]*\) rounds.*/\1/p" "$log" | head -n1)
	[ -n "$n" ] || { echo "verify-shares: no 'HV-SPIN-COUNT' line from guest $name"; exit 1; }
	counts+=("$name:${g#*:}:$n")
done

printf '%s\n' "${counts[@]}" | awk -F: -v tol="$tol" '
	{ name[NR] = $1; w[NR] = $2; c[NR] = $3; tw += $2; tc += $3 }
	END {
		if (tc == 0) { print "verify-shares: every count is 0"; exit 1 }
		bad = 0
		for (i = 1; i <= NR; i++) {
			want = w[i] / tw; got = c[i] / tc; dev = (got - want) / want * 100
			printf "share %s: %d rounds = %.1f%%, weight %d wants %.1f%% (%+.1f%%, limit %d%%)\n",
				name[i], c[i], got * 100, w[i], want * 100, dev, tol
			if (dev > tol || dev < -tol) bad = 1
		}
		exit bad
	}'
