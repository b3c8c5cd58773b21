#!/bin/sh
# run.sh - boot Debian's stock kernel in QEMU on nothing but what guests/linux.c
# and guests/acpi_build.c build (see harness.c and stub.S): once through the
# 64-bit boot protocol (bzImage) and once through the PVH entry (vmlinux).
# A case passes when the initramfs's /init prints its marker and the guest
# powers off through the FADT's PM1a control and the DSDT's \_S5.
#
# Usage: test-qemu/linux-loader/run.sh [bz] [pvh]   (default: both)
# Needs tools/fetch-guest-kernel.sh (run here when its output is missing).
# Prints "linux-loader: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
OUT=$BUILD/linux-loader
KDIR=${HV_GUEST_KERNEL_DIR:-build/guest-kernel}
MARKER=HV-GUEST-LINUX-OK
CPUS=2
MEM=256
cases=${*:-bz pvh}

mkdir -p "$OUT"
[ -s "$KDIR/vmlinuz" ] || OUT=$KDIR tools/fetch-guest-kernel.sh >/dev/null || exit 1
gcc -std=c11 -O1 -DHV_HOST_TEST -D_DEFAULT_SOURCE -Iinclude -I. -Wall -Wextra -Werror \
	-o "$OUT/harness" test-qemu/linux-loader/harness.c guests/linux.c guests/linux_pvh.c \
	guests/acpi_build.c tests/host_stubs.c || exit 1
gcc -m32 -c -o "$OUT/stub.o" test-qemu/linux-loader/stub.S &&
	ld -m elf_i386 -Ttext 0x100000 -e _start -o "$OUT/stub.elf" "$OUT/stub.o" || exit 1

pass=0
fail=0
for c in $cases; do
	case $c in
	bz) kernel=$KDIR/vmlinuz ;;
	pvh) kernel=$KDIR/vmlinux ;;
	*) echo "linux-loader: unknown case $c"; fail=$((fail + 1)); continue ;;
	esac
	mkdir -p "$OUT/$c"
	log=$OUT/$c/serial.log
	rm -f "$log"
	if ! mods=$("$OUT/harness" "$kernel" "$KDIR/initrd.gz" $MEM $CPUS \
		"console=ttyS0 panic=-1" "$OUT/$c"); then
		echo "linux-loader: $c: FAILED (harness)"
		fail=$((fail + 1))
		continue
	fi
	start=$(date +%s)
	timeout 300 qemu-system-x86_64 -machine q35 -m $MEM -smp $CPUS -display none \
		-no-reboot -monitor none -kernel "$OUT/stub.elf" -initrd "$mods" \
		-serial "file:$log" </dev/null
	secs=$(($(date +%s) - start))
	if grep -q "^$MARKER" "$log" && grep -q "reboot: Power down" "$log"; then
		echo "linux-loader: $c: ok in ${secs}s: $(grep "^$MARKER" "$log")"
		pass=$((pass + 1))
	else
		echo "linux-loader: $c: FAILED after ${secs}s (log: $log)"
		tail -n 15 "$log"
		fail=$((fail + 1))
	fi
done
echo "linux-loader: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
