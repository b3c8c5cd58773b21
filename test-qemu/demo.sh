#!/usr/bin/env bash
# test-qemu/demo.sh - `make run`: boot build/hv.iso with the hypervisor's
# serial console on this terminal, live, and keyboard input going to it.
#
# Where /dev/kvm offers nested VT-x: QEMU with KVM (-serial mon:stdio;
# Ctrl-A X quits, Ctrl-A C toggles QEMU's monitor).  Elsewhere: Bochs, which
# emulates VT-x, with 4 CPUs.  Bochs attaches COM1 straight to the terminal
# (com1 mode=term) and passes every key to the guest, Ctrl-C included: the run
# ends when the hypervisor powers off, or with the kill command printed at the
# start.  Without a terminal (e.g. stdin not a tty) the console is only shown.
#
# Environment: BUILD (default build), RUN_CPUS (4), RUN_MEMORY (MiB, 1024),
# RUN_TIMEOUT (seconds, 3600; 0 = none), RUN_EMULATOR (qemu-kvm | bochs to force one).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
BUILD=${BUILD:-build}
# shellcheck source=test-qemu/emu.sh
. "$HERE/emu.sh"

C_CPUS=${RUN_CPUS:-4}
C_MEMORY=${RUN_MEMORY:-1024}
C_MEDIUM=iso
MEDIUM=$BUILD/hv.iso
TIMEOUT=${RUN_TIMEOUT:-3600}
DIR=$BUILD/run
mkdir -p "$DIR"
[ -f "$MEDIUM" ] || {
	echo "demo: $MEDIUM is missing (make all iso)" >&2
	exit 1
}

have_nested_kvm()
{
	[ -w /dev/kvm ] && grep -qw vmx /proc/cpuinfo &&
		grep -qiE '^(y|1)' /sys/module/kvm_intel/parameters/nested 2>/dev/null
}

run_qemu_kvm()
{
	C_KVM=yes C_FIRMWARE=seabios
	SERIAL_QEMU=mon:stdio
	qemu_args "$DIR"
	echo "demo: QEMU with KVM, $C_CPUS CPUs; Ctrl-A X quits"
	exec timeout --foreground "$TIMEOUT" qemu-system-x86_64 "${QEMU_ARGS[@]}"
}

run_bochs()
{
	local tty_state="" rc msg
	C_KVM=no C_FIRMWARE=bochsbios
	if [ -t 0 ] && [ -t 1 ]; then
		SERIAL_BOCHS="mode=term, dev=$(tty)"
		tty_state=$(stty -g)
	else
		# Bochs's own stdout goes to a file: hand it ours as fd 3.
		SERIAL_BOCHS="mode=file, dev=/dev/fd/3"
	fi
	bochs_config "$DIR"
	echo "demo: Bochs (emulated VT-x), $C_CPUS CPUs; Bochs's own output goes to $DIR/bochs.out"
	echo "demo: Bochs passes every key to the console; the run ends when the hypervisor powers off"
	# Bochs's debugger reads its commands from cont.rc and then stdin: give it
	# none, so that only COM1 reads the terminal.
	timeout --foreground "$TIMEOUT" bochs -q -f "$DIR/bochsrc" -rc "$DIR/cont.rc" \
		</dev/null 3>&1 >"$DIR/bochs.out" 2>&1 &
	echo "demo: to stop it early: kill $!"
	rc=0
	wait $! || rc=$?
	# Bochs leaves the terminal raw (it turned signals and echo off for COM1).
	# A pseudo-terminal may refuse part of the saved state (its speed): not fatal.
	[ -z "$tty_state" ] || stty "$tty_state" 2>/dev/null || stty sane 2>/dev/null || true
	msg=$(bochs_exit_message "$DIR/bochs.out")
	echo
	echo "demo: Bochs exited: ${msg:-status $rc, see $DIR/bochs.out}"
}

case ${RUN_EMULATOR:-} in
qemu-kvm) run_qemu_kvm ;;
bochs) run_bochs ;;
'') if have_nested_kvm; then run_qemu_kvm; else run_bochs; fi ;;
*)
	echo "demo: RUN_EMULATOR must be qemu-kvm or bochs" >&2
	exit 1
	;;
esac
