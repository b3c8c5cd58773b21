#!/usr/bin/env bash
# test-qemu/run.sh - boot whole hypervisor images in QEMU and Bochs and check
# their serial logs against the declarative cases in test-qemu/cases.txt.
#
# Usage: test-qemu/run.sh [--quick] [--list] [NAME-GLOB...]
#   --quick   only the cases marked "quick = yes" (what `make check` runs)
#   --list    print the selected case names and stop
#   NAME-GLOB run only cases whose name matches one of the shell patterns
# Environment: BUILD (default build) holds hv.elf, hv.efi and hv.iso; each
# case writes its files under $BUILD/test-qemu/<case>/.
#
# Every emulator run is bounded by `timeout`: a case that does not end by
# itself (power-off) within its time fails.  Cases run one after another, so
# the wall time printed for each is its own.  The last line is the summary
# "N passed, N failed" (", N skipped" when cases were skipped); the exit
# status is 1 when any case failed.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
CASES_FILE=${CASES_FILE:-$HERE/cases.txt}
OUT_ROOT=$BUILD/test-qemu
# shellcheck source=test-qemu/emu.sh
. "$HERE/emu.sh"

LOG_TAIL=40

# ---------------------------------------------------------------------------
# Reading cases.txt

# Print every case name, in file order.
case_names()
{
	sed -n 's/^[[:space:]]*\[\([^]]*\)\][[:space:]]*$/\1/p' "$CASES_FILE"
}

# Load one case into the C_* variables: first the defaults (lines before the
# first case), then the case's own lines.  Unknown keys are an error, so a
# typo never silently drops a check.
load_case()
{
	local want=$1 section="" line key val
	C_NAME=$want C_EMULATOR="" C_FIRMWARE="" C_MEDIUM="" C_CPUS=1 C_MEMORY=512
	C_TIMEOUT=120 C_CMDLINE="" C_KVM=no C_QUICK=no C_END=poweroff
	C_EXPECT=() C_REJECT=() C_FILES=() C_SENDS=() C_VERIFY=()
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		case $line in
		'' | [[:space:]]*'#'* | '#'*) continue ;;
		'['*']') section=${line#[}; section=${section%]}; continue ;;
		*) ;;
		esac
		[ -z "$section" ] || [ "$section" = "$want" ] || continue
		if [[ ! $line =~ ^[[:space:]]*([a-z]+)[[:space:]]*=[[:space:]]?(.*)$ ]]; then
			echo "cases.txt: cannot parse: $line" >&2
			return 1
		fi
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[2]}
		val=${val#"${val%%[![:space:]]*}"} # leading blanks
		case $key in
		emulator) C_EMULATOR=$val ;;
		firmware) C_FIRMWARE=$val ;;
		medium) C_MEDIUM=$val ;;
		cpus) C_CPUS=$val ;;
		memory) C_MEMORY=$val ;;
		timeout) C_TIMEOUT=$val ;;
		cmdline) C_CMDLINE=$val ;;
		kvm) C_KVM=$val ;;
		quick) C_QUICK=$val ;;
		end) C_END=$val ;;
		file) C_FILES+=("$val") ;;
		expect) C_EXPECT+=("$val") ;;
		reject) C_REJECT+=("$val") ;;
		send) C_SENDS+=("$val") ;;
		verify) C_VERIFY+=("$val") ;;
		*)
			echo "cases.txt: [$section]: unknown key '$key'" >&2
			return 1
			;;
		esac
	done <"$CASES_FILE"
	validate_case
}

validate_case()
{
	local combo="$C_EMULATOR/$C_FIRMWARE/$C_MEDIUM" f
	case $combo in
	qemu/seabios/iso | qemu/ovmf/iso | qemu/ovmf/efi-dir) ;;
	qemu/seabios/usb | qemu/ovmf/usb | qemu/seabios/pxe | qemu/ovmf/pxe) ;;
	bochs/bochsbios/iso | bochs/ovmf/iso | bochs/ovmf/efi-floppy) ;;
	bochs/bochsbios/usb | bochs/ovmf/usb) ;;
	*)
		echo "cases.txt: [$C_NAME]: unsupported emulator/firmware/medium $combo" >&2
		return 1
		;;
	esac
	if [ -n "$C_CMDLINE" ] && [[ ! $C_MEDIUM =~ ^(iso|usb|pxe)$ ]]; then
		echo "cases.txt: [$C_NAME]: cmdline needs the iso, usb or pxe medium" >&2
		return 1
	fi
	if [ "$C_KVM" = yes ] && [ "$C_EMULATOR" != qemu ]; then
		echo "cases.txt: [$C_NAME]: kvm needs qemu" >&2
		return 1
	fi
	for f in "${C_FILES[@]}"; do
		[[ $f =~ ^[^[:space:]/][^[:space:]]*[[:space:]]+[^[:space:]]+$ && $f != *..* ]] || {
			echo "cases.txt: [$C_NAME]: file wants 'NAME SOURCE' with a relative NAME: $f" >&2
			return 1
		}
	done
	for f in "${C_SENDS[@]}"; do
		[[ $f == ?*' => '* ]] || {
			echo "cases.txt: [$C_NAME]: send wants 'REGEX => TEXT': $f" >&2
			return 1
		}
	done
	if [ "$C_END" != poweroff ]; then
		echo "cases.txt: [$C_NAME]: unknown end '$C_END'" >&2
		return 1
	fi
	[[ $C_CPUS =~ ^[0-9]+$ && $C_MEMORY =~ ^[0-9]+$ && $C_TIMEOUT =~ ^[0-9]+$ ]] || {
		echo "cases.txt: [$C_NAME]: cpus, memory and timeout must be numbers" >&2
		return 1
	}
}

# Why this case cannot run here (empty: it can).
skip_reason()
{
	[ "$C_KVM" = yes ] || return 0
	if [ ! -w /dev/kvm ]; then
		echo "no /dev/kvm"
	elif ! grep -qw vmx /proc/cpuinfo; then
		echo "host CPU has no VT-x"
	elif [ -r /sys/module/kvm_intel/parameters/nested ] &&
		! grep -qiE '^(y|1)' /sys/module/kvm_intel/parameters/nested; then
		echo "kvm_intel nested=0"
	fi
}

# ---------------------------------------------------------------------------
# Boot media, built per case under its own directory

# Each "file" line of the case as FILE_NAMES[i] (its name on the medium) and
# FILE_SRCS[i] (where it comes from; ${BUILD} is replaced).  Fails, naming
# it, when a source is missing.
case_files()
{
	local f name src
	FILE_NAMES=() FILE_SRCS=()
	for f in "${C_FILES[@]}"; do
		name=${f%%[[:space:]]*}
		src=${f#"$name"}
		src=${src#"${src%%[![:space:]]*}"}
		# shellcheck disable=SC2016 # a literal ${BUILD} in cases.txt
		src=${src//'${BUILD}'/$BUILD}
		if [ ! -f "$src" ]; then
			echo "file $name: $src does not exist" >&2
			return 1
		fi
		FILE_NAMES+=("$name")
		FILE_SRCS+=("$src")
	done
}

# The UEFI path reads its files next to hv.efi: \EFI\BOOT\NAME.
make_esp_dir()
{
	mkdir -p "$1/esp/EFI/BOOT"
	cp "$BUILD/hv.efi" "$1/esp/EFI/BOOT/BOOTX64.EFI"
	copy_files "$1/esp/EFI/BOOT"
}

# The same tree on a FAT32 "superfloppy" (no partition table), what OVMF on
# Bochs boots.  34 MiB is about the smallest size mkfs.vfat makes FAT32 of;
# larger when the files need it.
make_esp_floppy()
{
	local img=$2 mib
	make_esp_dir "$1" || return 1
	mib=$(($(du -sm "$1/esp" | cut -f1) + 34))
	dd if=/dev/zero of="$img" bs=1M count="$mib" status=none &&
		mkfs.vfat -F 32 "$img" >/dev/null &&
		mcopy -s -i "$img" "$1/esp/EFI" ::/
}

# The case's files as a config directory $1/cfg (hv.cfg and the files it
# names at their relative paths), the input of `make usb` and `make pxe`;
# MEDIA_CONFIG is its hv.cfg, empty when the case has none.
make_config_dir()
{
	local cfg=$1/cfg
	mkdir -p "$cfg"
	copy_files "$cfg" || return 1
	MEDIA_CONFIG=""
	[ ! -f "$cfg/hv.cfg" ] || MEDIA_CONFIG=$cfg/hv.cfg
	[ -x "$BUILD/tools/hvcfg" ] || { echo "$BUILD/tools/hvcfg is missing (make tools)" >&2; return 1; }
}

# The stick image of `make usb` (boot/mkusb.sh), then a host check: every
# file of the case is on its FAT partition, byte for byte, at \EFI\BOOT\NAME.
make_usb_image()
{
	local img=$2 i
	make_config_dir "$1" || return 1
	boot/mkusb.sh "$img" "$BUILD/hv.elf" "$BUILD/hv.efi" "$BUILD/tools/hvcfg" \
		"$MEDIA_CONFIG" "$C_CMDLINE" >"$1/mkusb.log" 2>&1 || {
		echo "boot/mkusb.sh failed, see $1/mkusb.log" >&2
		return 1
	}
	for i in "${!FILE_NAMES[@]}"; do
		rm -f "$1/fat-copy"
		MTOOLS_SKIP_CHECK=1 mcopy -n -i "$img@@1M" "::/EFI/BOOT/${FILE_NAMES[i]}" "$1/fat-copy"
		if ! cmp -s "$1/fat-copy" "${FILE_SRCS[i]}"; then
			echo "${FILE_NAMES[i]} is not on the image's FAT partition as a plain copy" >&2
			return 1
		fi
	done
}

# The TFTP root of `make pxe` (boot/mkpxe.sh).
make_pxe_dir()
{
	make_config_dir "$1" || return 1
	boot/mkpxe.sh "$2" "$BUILD/hv.elf" "$BUILD/hv.efi" "$BUILD/tools/hvcfg" \
		"$MEDIA_CONFIG" "$C_CMDLINE" >"$1/mkpxe.log" 2>&1 || {
		echo "boot/mkpxe.sh failed, see $1/mkpxe.log" >&2
		return 1
	}
}

# Set MEDIUM to the path of the boot medium for this case.
prepare_medium()
{
	local dir=$1
	case_files || return 1
	case $C_MEDIUM in
	iso)
		if [ -n "$C_CMDLINE" ] || [ ${#FILE_NAMES[@]} -ne 0 ]; then
			make_private_iso "$dir" || return 1
			MEDIUM=$dir/hv.iso
		else
			MEDIUM=$BUILD/hv.iso
		fi
		;;
	efi-dir)
		make_esp_dir "$dir" || return 1
		MEDIUM=$dir/esp
		;;
	efi-floppy)
		MEDIUM=$dir/esp.img
		make_esp_floppy "$dir" "$MEDIUM"
		;;
	usb)
		MEDIUM=$dir/hv-usb.img
		make_usb_image "$dir" "$MEDIUM"
		;;
	pxe)
		MEDIUM=$dir/pxe
		make_pxe_dir "$dir" "$MEDIUM"
		;;
	*) return 1 ;;
	esac
}

# ---------------------------------------------------------------------------
# Running and judging one case

# The serial log as text lines: no CR, no NUL, no ANSI escape sequences.
clean_log()
{
	tr -d '\r\000' <"$1/serial.log" 2>/dev/null |
		sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' >"$1/serial.txt"
}

# Check how the emulator ended; append reasons to FAIL_REASONS.
check_end()
{
	local dir=$1 rc=$2 msg
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		FAIL_REASONS+=("timed out after ${C_TIMEOUT}s (no power-off)")
		return
	fi
	case $C_EMULATOR in
	qemu)
		if grep -q 'Triple fault' "$dir/qemu.log" 2>/dev/null; then
			FAIL_REASONS+=("triple fault (QEMU reset the machine; -no-reboot made it exit)")
		elif [ "$rc" -ne 0 ]; then
			FAIL_REASONS+=("qemu exited with status $rc")
		elif ! grep -q "$QEMU_GUEST_POWEROFF" "$dir/qemu.log" 2>/dev/null; then
			FAIL_REASONS+=("qemu exited without a guest power-off (a reset, which -no-reboot turns into an exit?)")
		fi
		;;
	bochs)
		msg=$(bochs_exit_message "$dir/stdout.log")
		if [ "$msg" != "ACPI control: soft power off" ]; then
			FAIL_REASONS+=("bochs ended with '${msg:-no exit message}', not 'ACPI control: soft power off'")
		fi
		;;
	*) ;;
	esac
}

check_log()
{
	local txt=$1/serial.txt re hit
	for re in "${C_EXPECT[@]}"; do
		grep -qE -- "$re" "$txt" || FAIL_REASONS+=("missing line /$re/")
	done
	for re in "${C_REJECT[@]}"; do
		hit=$(grep -m1 -E -- "$re" "$txt") && FAIL_REASONS+=("forbidden line /$re/: $hit")
	done
	check_verify "$txt"
}

# "verify = SCRIPT ARGS": a check that compares lines with each other (what
# a regex cannot), run as SCRIPT SERIAL.TXT ARGS from the repository root;
# its output is shown and a non-zero status fails the case.
check_verify()
{
	local txt=$1 v out
	for v in "${C_VERIFY[@]}"; do
		# shellcheck disable=SC2086 # ARGS are words
		if out=$(set -- $v && "$1" "$txt" "${@:2}" 2>&1); then
			[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/     verify: /'
		else
			FAIL_REASONS+=("verify '$v' failed: $(printf '%s' "$out" | tr '\n' ' ')")
		fi
	done
}

# Quote a log under a failure; every line ends, even a log's unfinished last one.
indent()
{
	awk '{ print "  | " $0 }'
}

show_failure()
{
	local dir=$1 r
	echo "FAIL $C_NAME ($C_EMULATOR, $C_FIRMWARE, $C_MEDIUM, $C_CPUS cpus)"
	for r in "${FAIL_REASONS[@]}"; do
		echo "  why: $r"
	done
	echo "  --- last $LOG_TAIL lines of $dir/serial.log ---"
	tail -n "$LOG_TAIL" "$dir/serial.txt" 2>/dev/null | indent
	if [ "$C_EMULATOR" = bochs ]; then
		echo "  --- bochs.log errors and panics ($dir/bochs.log) ---"
		grep -E '^[0-9]+[ep]\[' "$dir/bochs.log" 2>/dev/null | tail -n 20 | indent
		echo "  --- bochs exit ($dir/stdout.log) ---"
		grep -A1 'Bochs is exiting' "$dir/stdout.log" 2>/dev/null | indent
	else
		# qemu.log also holds a register dump per CPU reset (-d cpu_reset,
		# needed for the "Triple fault" line): show the other lines.
		echo "  --- qemu.log without register dumps ($dir/qemu.log) ---"
		grep -vE '^[A-Z][A-Z0-9 ]*=|^CPU Reset' "$dir/qemu.log" 2>/dev/null | uniq -c | tail -n 10 | indent
		tail -n 5 "$dir/stdout.log" 2>/dev/null | indent
	fi
}

# Cases with "send" lines: test-qemu/serial-io.py is COM1's far end (it
# writes serial.log and types the inputs); start it, and point SERIAL_QEMU
# and SERIAL_BOCHS at the TCP port it listens on.  Cases without keep the
# plain log file.
start_serial_io()
{
	local dir=$1 i
	SERIAL_IO_PID=""
	SERIAL_QEMU=file:$dir/serial.log
	SERIAL_BOCHS="mode=file, dev=$dir/serial.log"
	[ ${#C_SENDS[@]} -ne 0 ] || return 0
	printf '%s\n' "${C_SENDS[@]}" >"$dir/sends.txt"
	timeout -k 5 $((C_TIMEOUT + 10)) python3 "$HERE/serial-io.py" --log "$dir/serial.log" \
		--port-file "$dir/serial.port" --send "$dir/sends.txt" --timeout "$C_TIMEOUT" \
		2>"$dir/serial-io.log" &
	SERIAL_IO_PID=$!
	for i in $(seq 100); do
		[ -s "$dir/serial.port" ] && break
		kill -0 "$SERIAL_IO_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$dir/serial.port" ] || return 1
	SERIAL_QEMU=tcp:127.0.0.1:$(cat "$dir/serial.port")
	SERIAL_BOCHS="mode=socket-client, dev=127.0.0.1:$(cat "$dir/serial.port")"
}

# After the emulator: wait for serial-io.py; inputs it never sent fail the case.
end_serial_io()
{
	local dir=$1 i
	[ -n "$SERIAL_IO_PID" ] || return 0
	# it ends when the emulator closes the line; one that never connected
	# (the emulator failed to start) is stopped here
	for i in $(seq 50); do
		kill -0 "$SERIAL_IO_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$SERIAL_IO_PID" 2>/dev/null
	if ! wait "$SERIAL_IO_PID"; then
		FAIL_REASONS+=("serial input: $(grep -v '^serial-io: .*: sent' "$dir/serial-io.log" | head -n 3)")
	fi
}

# Run the loaded case; return 0 pass, 1 fail.
run_case()
{
	local dir=$OUT_ROOT/$C_NAME rc
	FAIL_REASONS=()
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! prepare_medium "$dir" 2>"$dir/prepare.log"; then
		FAIL_REASONS+=("could not prepare the $C_MEDIUM boot medium: $(tail -n 3 "$dir/prepare.log")")
		show_failure "$dir"
		return 1
	fi
	: >"$dir/serial.log"
	if ! start_serial_io "$dir"; then
		FAIL_REASONS+=("test-qemu/serial-io.py did not start: $(tail -n 3 "$dir/serial-io.log")")
		show_failure "$dir"
		return 1
	fi
	if [ "$C_EMULATOR" = qemu ]; then
		qemu_args "$dir"
		echo "qemu-system-x86_64 ${QEMU_ARGS[*]}" >"$dir/command"
		timeout -k 5 "$C_TIMEOUT" qemu-system-x86_64 "${QEMU_ARGS[@]}" \
			</dev/null >"$dir/stdout.log" 2>&1
		rc=$?
	else
		bochs_config "$dir"
		echo "bochs -q -f $dir/bochsrc -rc $dir/cont.rc" >"$dir/command"
		timeout -k 5 "$C_TIMEOUT" bochs -q -f "$dir/bochsrc" -rc "$dir/cont.rc" \
			</dev/null >"$dir/stdout.log" 2>&1
		rc=$?
	fi
	end_serial_io "$dir"
	clean_log "$dir"
	check_end "$dir" "$rc"
	check_log "$dir"
	if [ ${#FAIL_REASONS[@]} -ne 0 ]; then
		show_failure "$dir"
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------------------

selected()
{
	local pat
	[ "$QUICK" = no ] || [ "$C_QUICK" = yes ] || return 1
	[ ${#PATTERNS[@]} -eq 0 ] && return 0
	for pat in "${PATTERNS[@]}"; do
		# shellcheck disable=SC2053 # the pattern is meant to glob
		[[ $C_NAME == $pat ]] && return 0
	done
	return 1
}

# Wall time since $1 (milliseconds since the epoch), as seconds with one decimal.
seconds_since()
{
	local ms=$(($(date +%s%3N) - $1))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

need_file()
{
	if [ ! -f "$BUILD/$1" ]; then
		echo "run.sh: $BUILD/$1 is missing (make all iso)" >&2
		exit 2
	fi
}

main()
{
	local name passed=0 failed=0 skipped=0 why t0 summary
	QUICK=no LIST=no PATTERNS=()
	for arg in "$@"; do
		case $arg in
		--quick) QUICK=yes ;;
		--list) LIST=yes ;;
		-*)
			echo "usage: $0 [--quick] [--list] [NAME-GLOB...]" >&2
			exit 2
			;;
		*) PATTERNS+=("$arg") ;;
		esac
	done
	for name in $(case_names); do
		load_case "$name" || exit 2
	done
	[ "$LIST" = yes ] || { need_file hv.elf; need_file hv.efi; need_file hv.iso; }
	T_START=$(date +%s%3N)

	for name in $(case_names); do
		load_case "$name"
		selected || continue
		if [ "$LIST" = yes ]; then
			echo "$name"
			continue
		fi
		why=$(skip_reason)
		if [ -n "$why" ]; then
			echo "SKIP $name ($why)"
			skipped=$((skipped + 1))
			continue
		fi
		echo "RUN  $name ($C_EMULATOR, $C_FIRMWARE, $C_MEDIUM, $C_CPUS cpus, timeout ${C_TIMEOUT}s)"
		t0=$(date +%s%3N)
		if run_case; then
			echo "PASS $name ($(seconds_since "$t0") s)"
			passed=$((passed + 1))
		else
			echo "     $name failed after $(seconds_since "$t0") s"
			failed=$((failed + 1))
		fi
	done
	[ "$LIST" = yes ] && exit 0
	echo "test-qemu: $((passed + failed)) cases ran in $(seconds_since "$T_START") s"
	summary="$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || summary+=", $skipped skipped"
	echo "$summary"
	[ -z "${HV_SUMMARY_FILE:-}" ] || echo "test-qemu $passed $failed $skipped" >>"$HV_SUMMARY_FILE"
	[ "$failed" -eq 0 ]
}

main "$@"
