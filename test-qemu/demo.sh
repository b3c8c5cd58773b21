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
# The image is build/hv.iso plus an hv.cfg and the guests it names:
# test-qemu/configs/demo.cfg with the test guests of build/guests/ (make
# guests) by default, RUN_CONFIG=path/hv.cfg for another layout (its files
# relative to it, as on a boot medium), RUN_CONFIG=none for no guests.
#
# Environment: BUILD (default build), RUN_CPUS (4), RUN_MEMORY (MiB, 1024),
# RUN_TIMEOUT (seconds, 3600; 0 = none), RUN_EMULATOR to choose: qemu-kvm,
# bochs, or qemu (TCG: no VT-x, so only a quick check of the boot path).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
BUILD=${BUILD:-build}
# shellcheck source=test-qemu/emu.sh
. "$HERE/emu.sh"

C_CPUS=${RUN_CPUS:-4}
C_MEMORY=${RUN_MEMORY:-1024}
C_MEDIUM=iso
C_NAME=demo
C_CMDLINE=""
TIMEOUT=${RUN_TIMEOUT:-3600}
DIR=$BUILD/run
mkdir -p "$DIR"

# Set FILE_NAMES/FILE_SRCS to hv.cfg $1 and the files it names, which sit
# next to it as on a boot medium.
config_files()
{
	local f files
	files=$("$BUILD/tools/hvcfg" files "$1") || {
		echo "demo: $1 has problems (see: $BUILD/tools/hvcfg check $1)" >&2
		return 1
	}
	FILE_NAMES=(hv.cfg) FILE_SRCS=("$1")
	for f in $files; do
		FILE_NAMES+=("$f")
		FILE_SRCS+=("$(dirname "$1")/$f")
	done
}

# Set MEDIUM: build/hv.iso, or a private copy with the demo's hv.cfg.
demo_medium()
{
	local cfg=${RUN_CONFIG:-}
	MEDIUM=$BUILD/hv.iso
	[ -f "$MEDIUM" ] || {
		echo "demo: $MEDIUM is missing (make all iso)" >&2
		exit 1
	}
	[ "$cfg" != none ] || return 0
	if [ -z "$cfg" ]; then
		# demo.cfg names the guest kernel, initramfs and test guests by
		# file name: put it beside them.
		rm -rf "$DIR/cfg"
		mkdir -p "$DIR/cfg"
		cp test-qemu/configs/demo.cfg "$DIR/cfg/hv.cfg"
		cp "$BUILD"/guest-kernel/vmlinux "$BUILD"/guest-kernel/initrd.gz "$DIR/cfg/" 2>/dev/null || true
		cp "$BUILD"/guests/*.elf "$DIR/cfg/" 2>/dev/null || true
		cfg=$DIR/cfg/hv.cfg
	fi
	if config_files "$cfg" && make_private_iso "$DIR"; then
		MEDIUM=$DIR/hv.iso
		echo "demo: guests from ${RUN_CONFIG:-test-qemu/configs/demo.cfg}"
	else
		echo "demo: booting without guests (make guests tools; or RUN_CONFIG=none)"
	fi
}

# The one line an operator needs first: how to reach guests and the monitor.
console_hint()
{
	echo "demo: console keys: Ctrl-T 1..9 a guest, Ctrl-T m the monitor (help, list, stop NAME, poweroff), Ctrl-T ? all keys"
}

have_nested_kvm()
{
	[ -w /dev/kvm ] && grep -qw vmx /proc/cpuinfo &&
		grep -qiE '^(y|1)' /sys/module/kvm_intel/parameters/nested 2>/dev/null
}

# $1: yes for KVM, no for TCG (which has no VT-x: the boot stops at the VT-x check).
run_qemu()
{
	C_KVM=$1 C_FIRMWARE=seabios
	SERIAL_QEMU=mon:stdio
	qemu_args "$DIR"
	echo "demo: QEMU (kvm=$C_KVM), $C_CPUS CPUs; Ctrl-A X quits"
	console_hint
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
	console_hint
	rc=0
	wait $! || rc=$?
	# Bochs leaves the terminal raw (it turned signals and echo off for COM1).
	# A pseudo-terminal may refuse part of the saved state (its speed): not fatal.
	[ -z "$tty_state" ] || stty "$tty_state" 2>/dev/null || stty sane 2>/dev/null || true
	msg=$(bochs_exit_message "$DIR/bochs.out")
	echo
	echo "demo: Bochs exited: ${msg:-status $rc, see $DIR/bochs.out}"
}

demo_medium
case ${RUN_EMULATOR:-} in
qemu-kvm) run_qemu yes ;;
qemu) run_qemu no ;;
bochs) run_bochs ;;
'') if have_nested_kvm; then run_qemu yes; else run_bochs; fi ;;
*)
	echo "demo: RUN_EMULATOR must be qemu-kvm, qemu or bochs" >&2
	exit 1
	;;
esac
