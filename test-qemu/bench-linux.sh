#!/usr/bin/env bash
# test-qemu/bench-linux.sh - the Linux figures of `make bench`, read from the
# serial logs of the [bochs-bench-linux-boot] and [bochs-bench-linux] cases
# (test-qemu/bench-cases.txt).
#
# Usage: test-qemu/bench-linux.sh BOOT_SERIAL_TXT EXITS_SERIAL_TXT [NOAPICV_SERIAL_TXT]
#   BOOT_SERIAL_TXT   the log of [bochs-bench-linux-boot] (one guest)
#   EXITS_SERIAL_TXT  the log of [bochs-bench-linux] (base, idle, busy)
#   NOAPICV_SERIAL_TXT the same guests with apicv=off ([bochs-bench-linux-noapicv]):
#                     the exits APIC virtualization saves, for comparison
#
# The hypervisor ran with "timestamps": every line starts with "[TICKS] ",
# TSC ticks since its first instruction (include/hv/printk.h), and guests
# read the same TSC (no TSC offsetting).  The boot log has one guest (the
# partition of [bochs-linux-pvh]); in the other, three 1-vCPU guests ran the
# same kernel and checks (test-qemu/configs/linux-bench.cfg), then idle
# slept and busy spun for a phase bracketed by "HV-PHASE ... start/end".
#
# Prints:
#   BENCH linux boot: hv start -> guest entry N ticks (X ms), -> userspace marker N ticks (X s)
#       guest entry: the line "hv: guest NAME: started on cpus N", printed
#       right before its vCPU is handed to cpu N, which enters the guest
#       after one wake-up IPI; userspace: the guest's first /init line
#       (HV-GUEST-LINUX-START).
#   BENCH linux exits/s idle: total X; REASON a, REASON b, ...
#   BENCH linux exits/s busy: ...
#   BENCH linux exits/s idle (apicv=off): ...   (with the third log)
#       per vCPU: (guest's exits at stop - base's exits at stop) / phase
#       length, the phase timed by the hypervisor's stamps on its start and
#       end lines.  What boot and checks cost cancels out; what is left is
#       the phase (plus the noise of two boots, a few exits).
# Exit status 1, naming what is missing, when the log lacks a line.
set -euo pipefail

BOOT_LOG=${1:?usage: $0 BOOT_SERIAL_TXT EXITS_SERIAL_TXT}
EXITS_LOG=${2:?usage: $0 BOOT_SERIAL_TXT EXITS_SERIAL_TXT}
for f in "$BOOT_LOG" "$EXITS_LOG"; do
	[ -r "$f" ] || {
		echo "bench-linux: cannot read $f" >&2
		exit 1
	}
done

# The TSC frequency the hypervisor calibrated, in Hz, from "hv: tsc: N MHz".
# shellcheck disable=SC2016 # an awk program: its $ are awk's
TSC_AWK='
/^\[ *[0-9]+\] hv: tsc: [0-9.]+ MHz/ {
	mhz = $0
	sub(/.*hv: tsc: /, "", mhz)
	sub(/ MHz.*/, "", mhz)
	hz = mhz * 1000000
}
function need_hz() {
	if (!hz) {
		print "bench-linux: " FILENAME ": no \"hv: tsc: N MHz\" line (run without timestamps?)" > "/dev/stderr"
		exit 1
	}
}
# The ticks of a line "[    123] ...".
function ticks(line,   t) {
	t = line
	sub(/^\[ */, "", t)
	sub(/\].*/, "", t)
	return t + 0
}'

# Boot: the first guest that starts, its first /init line.
awk "$TSC_AWK"'
!guest && /^\[ *[0-9]+\] hv: guest [^ ]+: started on cpus/ {
	guest = $0
	sub(/.*hv: guest /, "", guest)
	sub(/:.*/, "", guest)
	t_entry = ticks($0)
}
guest && !t_user && index($0, "] " guest ": HV-GUEST-LINUX-START:") {
	t_user = ticks($0)
}
END {
	need_hz()
	if (!t_entry || !t_user) {
		print "bench-linux: " FILENAME ": no \"started on cpus\" or HV-GUEST-LINUX-START line" > "/dev/stderr"
		exit 1
	}
	printf "BENCH linux boot: hv start -> guest entry %.0f ticks (%.1f ms), -> userspace marker %.0f ticks (%.2f s) at %.3f MHz\n",
		t_entry, t_entry / hz * 1000, t_user, t_user / hz, hz / 1000000
}
' "$BOOT_LOG"

# Exits per second of idle and busy, less base; LABEL follows the phase name.
exits_report() {
	awk -v label="$2" "$TSC_AWK"'
function die(msg) { print "bench-linux: " FILENAME ": " msg > "/dev/stderr"; failed = 1; exit 1 }
# "hv: guest NAME: exits: A 1, B 2" -> count[NAME, A] = 1, names[A] = 1
function parse_exits(name, line,   list, n, i, item, num) {
	list = line
	sub(/.*: exits: /, "", list)
	if (list == "none")
		return
	n = split(list, items, ", ")
	for (i = 1; i <= n; i++) {
		item = items[i]
		num = item
		sub(/.* /, "", num)
		sub(/ [0-9]+$/, "", item)
		count[name, item] = num + 0
		reasons[item] = 1
	}
	have_exits[name] = 1
}
/^\[ *[0-9]+\] idle: HV-PHASE idle start/ { t_idle0 = ticks($0) }
/^\[ *[0-9]+\] idle: HV-PHASE idle end/ { t_idle1 = ticks($0) }
/^\[ *[0-9]+\] busy: HV-PHASE busy start/ { t_busy0 = ticks($0) }
/^\[ *[0-9]+\] busy: HV-PHASE busy end/ { t_busy1 = ticks($0) }
/^\[ *[0-9]+\] hv: guest (base|idle|busy): exits: / {
	name = $0
	sub(/.*hv: guest /, "", name)
	sub(/:.*/, "", name)
	parse_exits(name, $0)
}
# One phase: rates per reason, largest first.
function report(name, t0, t1,   secs, r, d, total, n, i, j, tmp, out, ord, val) {
	if (!t0 || !t1) die("no HV-PHASE " name " start/end lines")
	if (!have_exits[name]) die("no exit report of guest " name)
	secs = (t1 - t0) / hz
	n = 0
	total = 0
	for (r in reasons) {
		d = (count[name, r] - count["base", r]) / secs
		total += d
		if (d > -0.05 && d < 0.05) continue
		ord[++n] = r
		val[r] = d
	}
	for (i = 2; i <= n; i++)	# insertion sort, largest rate first
		for (j = i; j > 1 && val[ord[j]] > val[ord[j - 1]]; j--) {
			tmp = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = tmp
		}
	out = ""
	for (i = 1; i <= n; i++)
		out = out sprintf("%s%s %.1f", i > 1 ? ", " : "", ord[i], val[ord[i]])
	printf "BENCH linux exits/s %s%s: total %.1f; %s (per vCPU, over %.2f s)\n", name, label, total,
		n ? out : "none", secs
}
END {
	if (failed) exit 1
	need_hz()
	if (!have_exits["base"]) die("no exit report of guest base")
	report("idle", t_idle0, t_idle1)
	report("busy", t_busy0, t_busy1)
}
' "$1"
}

exits_report "$EXITS_LOG" ""
if [ -n "${3:-}" ]; then
	exits_report "$3" " (apicv=off)"
fi
