#!/usr/bin/env bash
# fetch-guest-kernel.sh - a stock Debian kernel and a busybox initramfs for Linux guests.
#
# Downloads Debian's kernel package WITHOUT installing it and extracts it
# into the output directory, then builds a small busybox initramfs:
#
#   OUT/vmlinuz     the bzImage (a copy of boot/vmlinuz-* from the package)
#   OUT/vmlinux     the uncompressed ELF found inside it (for the PVH entry),
#                   when its payload uses a compression we can undo
#   OUT/initrd.gz   busybox-static + /init, packed with cpio -H newc | gzip
#   OUT/version     the kernel version (e.g. 6.1.0-28-amd64)
#
# Usage: tools/fetch-guest-kernel.sh [INIT_SCRIPT]
#   INIT_SCRIPT  the initramfs's /init; the default (default_init below)
#                checks the guest's CPUs, memory, timer and kernel log
#                against hv_cpus=/hv_mem= of its kernel command line,
#                prints "HV-CHECK" lines and "HV-GUEST-LINUX-OK" (or
#                "HV-GUEST-LINUX-FAIL") and powers off; docs/linux-guests.md.
#   OUT=dir      output directory (default build/guest-kernel of the repository)
#
# Idempotent: the package is downloaded and extracted only once (delete OUT
# to fetch a newer kernel); the initramfs is rebuilt only when /init changed.  Runs as root with no
# prompts on a fresh Debian 12 (apt-get update only when apt-cache does not
# know the package yet).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$REPO/build/guest-kernel}
INIT_SCRIPT=${1:-}
export DEBIAN_FRONTEND=noninteractive

log() { echo "fetch-guest-kernel: $*"; }
die() {
	echo "fetch-guest-kernel: error: $*" >&2
	exit 1
}

as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo env DEBIAN_FRONTEND=noninteractive "$@"
	else
		die "need root (or sudo) to run: $*"
	fi
}

APT_UPDATED=
apt_update_once()
{
	[ -n "$APT_UPDATED" ] && return 0
	log "apt-get update"
	as_root apt-get update -q >/dev/null
	APT_UPDATED=1
}

# Tools this script runs; installed only when missing.
ensure_tools()
{
	local need=() pkg
	command -v cpio >/dev/null || need+=(cpio)
	command -v xz >/dev/null || need+=(xz-utils)
	command -v readelf >/dev/null || need+=(binutils)
	command -v dpkg-deb >/dev/null || need+=(dpkg)
	# /bin/busybox of busybox-static runs without a libc in the initramfs
	[ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" = "install ok installed" ] ||
		need+=(busybox-static)
	[ ${#need[@]} -eq 0 ] && return 0
	apt_update_once
	log "installing ${need[*]}"
	as_root apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >/dev/null
}

# The versioned package behind the linux-image-amd64 metapackage.
kernel_package()
{
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
	if [ -z "$pkg" ]; then
		apt_update_once
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
	fi
	[ -n "$pkg" ] || die "apt-cache depends linux-image-amd64 names no versioned kernel package"
	echo "$pkg"
}

fetch_kernel()
{
	local pkg deb vmlinuz
	if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/version" ]; then
		log "kernel $(cat "$OUT/version") already there"
		return 0
	fi
	pkg=$(kernel_package)
	mkdir -p "$OUT/deb"
	deb=$(first_match "$OUT"/deb/"${pkg}"_*.deb)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		# apt-get download writes into the current directory
		(cd "$OUT/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
			(apt_update_once && cd "$OUT/deb" && apt-get download -q "$pkg" >/dev/null) ||
			die "apt-get download $pkg failed"
		deb=$(first_match "$OUT"/deb/"${pkg}"_*.deb)
		[ -n "$deb" ] || die "apt-get download $pkg left no .deb in $OUT/deb"
	fi
	rm -rf "$OUT/pkg"
	dpkg-deb -x "$deb" "$OUT/pkg"
	vmlinuz=$(first_match "$OUT"/pkg/boot/vmlinuz-*)
	[ -n "$vmlinuz" ] || die "$deb has no boot/vmlinuz-*"
	cp "$vmlinuz" "$OUT/vmlinuz"
	basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$OUT/version"
	# only the kernel image is needed; the modules are ~400 MiB
	rm -rf "$OUT/pkg"
	log "kernel $(cat "$OUT/version"): $(stat -c %s "$OUT/vmlinuz") bytes"
}

# The first existing path among the arguments (a glob that matched), or nothing.
first_match()
{
	local f
	for f in "$@"; do
		[ -e "$f" ] && {
			echo "$f"
			return 0
		}
	done
	return 0
}

# Offsets of a byte string in a file (as scripts/extract-vmlinux does).
find_magic()
{
	LC_ALL=C grep -abo -P "$1" "$2" 2>/dev/null | cut -d: -f1 || true
}

# Decompress from offset $2 of $1 with command $3 into $4; true when the result is an ELF.
try_decompress()
{
	local in=$1 off=$2 cmd=$3 out=$4
	tail -c +"$((off + 1))" "$in" | $cmd >"$out" 2>/dev/null || true
	[ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]
}

extract_vmlinux()
{
	local in=$OUT/vmlinuz tmp=$OUT/vmlinux.tmp off fmt
	if [ -s "$OUT/vmlinux" ]; then
		log "vmlinux already there"
		return 0
	fi
	for fmt in 'xz:\xfd\x37\x7a\x58\x5a\x00:xz -dc' 'gzip:\x1f\x8b\x08:gzip -dc' \
		'zstd:\x28\xb5\x2f\xfd:zstd -dcq' 'lz4:\x02\x21\x4c\x18:lz4 -dcq'; do
		IFS=: read -r name magic cmd <<<"$fmt"
		command -v "${cmd%% *}" >/dev/null || continue
		for off in $(find_magic "$magic" "$in"); do
			if try_decompress "$in" "$off" "$cmd" "$tmp"; then
				mv "$tmp" "$OUT/vmlinux"
				log "vmlinux: $name payload at offset $off, $(stat -c %s "$OUT/vmlinux") bytes"
				return 0
			fi
		done
	done
	rm -f "$tmp"
	log "warning: no decompressible ELF payload found in $in; PVH path unavailable"
}

check_pvh_note()
{
	[ -s "$OUT/vmlinux" ] || return 0
	# XEN_ELFNOTE_PHYS32_ENTRY is note type 18 (0x12) with owner "Xen"
	if readelf -n "$OUT/vmlinux" 2>/dev/null | grep -A0 '^ *Xen' |
		grep -qE '0x00000012|PHYS32_ENTRY'; then
		log "vmlinux has the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"
	else
		log "warning: vmlinux has no PVH entry note (kernel built without CONFIG_PVH?)"
	fi
}

# The default /init.  Quoted here-document: nothing in it is expanded now.
# Its expectations come from the guest's kernel command line: Linux hands
# every key=value word it does not know itself to init as an environment
# variable, so hv.cfg's cmdline can say "hv_cpus=2 hv_mem=256M".
default_init()
{
	cat <<'EOF'
#!/bin/sh
# /init of the hypervisor's guest initramfs (tools/fetch-guest-kernel.sh).
#
# Checks the partition as the guest sees it against the expectations on the
# kernel command line, one line per check:
#   HV-CHECK cpus: ok 2 | FAIL want 2 got nproc 1, /proc/cpuinfo 1
#   HV-CHECK memory: ... firmware map RAM vs hv_mem, then MemTotal vs that RAM
#   HV-CHECK sleep: `sleep 1` returns after about 1 s of /proc/uptime
#   HV-CHECK dmesg: no BUG:, WARNING:, Call Trace or panic in the kernel log
# then HV-GUEST-LINUX-OK: ... only when every check passed (otherwise
# HV-GUEST-LINUX-FAIL: the failed checks) and powers off.
# Keys (kernel command line; absent ones are reported "not given"):
#   hv_cpus=N      the guest's vCPU count
#   hv_mem=SIZE    its memory (bytes, or with K, M or G)
#   hv_idle=S      after the checks, sleep S seconds (HV-PHASE idle lines)
#   hv_busy=S      then spin the CPU S seconds in awk (HV-PHASE busy lines)
#   hv_then=reboot reboot at the end instead of powering off
#   hv_known_warn=FILE:LINE[,..]  WARN reports from these sites are known
#                  (printed, not failed): see check_dmesg
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
read -r UP0 _ </proc/uptime
echo "HV-GUEST-LINUX-START: /init of $(uname -r) running at uptime $UP0 s"

FAILED=""
check_ok() { echo "HV-CHECK $1: ok $2"; }
check_fail()
{
	echo "HV-CHECK $1: FAIL $2"
	FAILED="$FAILED $1"
}
not_given() { echo "HV-CHECK $1: not given ($2)"; }

# Seconds of /proc/uptime (two decimals).
uptime_s()
{
	read -r up _ </proc/uptime
	echo "$up"
}

# SIZE with an optional K/M/G suffix (as hv.cfg writes it) to bytes; empty
# when it is not such a number.
size_bytes()
{
	case $1 in
	*[!0-9KMGkmg]* | '' | [KMGkmg]*) return 0 ;;
	*[Kk]) echo $((${1%?} * 1024)) ;;
	*[Mm]) echo $((${1%?} * 1024 * 1024)) ;;
	*[Gg]) echo $((${1%?} * 1024 * 1024 * 1024)) ;;
	*[!0-9]*) return 0 ;;
	*) echo $(($1)) ;;
	esac
}

check_cpus()
{
	local n p
	n=$(nproc)
	p=$(grep -c '^processor' /proc/cpuinfo)
	if [ -z "$hv_cpus" ]; then
		not_given cpus "hv_cpus absent; nproc $n, /proc/cpuinfo $p"
	elif [ "$n" = "$hv_cpus" ] && [ "$p" = "$hv_cpus" ]; then
		check_ok cpus "$n"
	else
		check_fail cpus "want $hv_cpus got nproc $n, /proc/cpuinfo $p"
	fi
}

# Bytes of "System RAM" in the memory map the firmware (the hypervisor's
# e820 or PVH map) handed the kernel, as /sys/firmware/memmap keeps it.
firmware_ram()
{
	local d sum=0
	for d in /sys/firmware/memmap/*; do
		[ "$(cat "$d/type" 2>/dev/null)" = "System RAM" ] || continue
		sum=$((sum + $(cat "$d/end") - $(cat "$d/start") + 1))
	done
	echo "$sum"
}

# A PC's memory map leaves the legacy area below 1 MiB partly out of RAM
# (EBDA, VGA hole, BIOS and ACPI tables: the hypervisor reserves
# [0x9fc00, 1 MiB)), so RAM may be up to 1 MiB less than configured, never
# more.  MemTotal is RAM less what the kernel keeps for itself: its image
# (the "Kernel code/rodata/data/bss" of /proc/iomem), a struct page of 64
# bytes per 4 KiB page, and early allocations (page tables, per-CPU areas,
# the first 1 MiB; 16 MiB is plenty for a guest of this size).
check_memory()
{
	local want ram total kimg slack
	want=$(size_bytes "$hv_mem")
	ram=$(firmware_ram)
	total=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) * 1024))
	if [ -n "$hv_mem" ] && [ -z "$want" ]; then
		check_fail memory "hv_mem=$hv_mem is not a size"
		return
	fi
	if [ -z "$want" ]; then
		not_given memory "hv_mem absent; firmware map RAM $ram, MemTotal $total bytes"
		return
	fi
	if [ "$ram" -gt "$want" ] || [ "$ram" -lt $((want - 1048576)) ]; then
		check_fail memory "want firmware map RAM in [$((want - 1048576)), $want] got $ram bytes"
		return
	fi
	kimg=$(kernel_image_bytes)
	slack=$((kimg + ram / 64 + 16 * 1048576))
	if [ "$total" -gt "$ram" ] || [ "$total" -lt $((ram - slack)) ]; then
		check_fail memory "want MemTotal in [$((ram - slack)), $ram] got $total bytes"
		return
	fi
	check_ok memory "$hv_mem: firmware map RAM $ram bytes, MemTotal $total bytes (kernel image $kimg)"
}

# The kernel image's size: from the start of "Kernel code" to the end of
# "Kernel bss" in /proc/iomem (addresses are shown to root).
kernel_image_bytes()
{
	local lo hi
	lo=$(sed -n 's/^ *\([0-9a-f]*\)-[0-9a-f]* : Kernel code$/\1/p' /proc/iomem)
	hi=$(sed -n 's/^ *[0-9a-f]*-\([0-9a-f]*\) : Kernel bss$/\1/p' /proc/iomem)
	if [ -n "$lo" ] && [ -n "$hi" ]; then
		echo $((0x$hi - 0x$lo + 1))
	else
		echo 0
	fi
}

# `sleep 1` returns, after 1 s (/proc/uptime counts in 10 ms steps, so
# 0.99) and not much more: 1.5 s leaves room for a slow timer path.
check_sleep()
{
	local t0 t1
	t0=$(uptime_s)
	sleep 1
	t1=$(uptime_s)
	if awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; exit !(d >= 0.99 && d <= 1.5) }'; then
		check_ok sleep "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }')"
	else
		check_fail sleep "want 1 s got $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }')"
	fi
}

# Kernel messages that contain the words but report no kernel problem:
# the CPU vulnerability notes of arch/x86/kernel/cpu/bugs.c describe the
# (emulated) CPU, not a bug of the kernel or of the hypervisor.
DMESG_BENIGN='RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable'
DMESG_WORDS='BUG:|WARNING:|Call Trace|panic'

# The hypervisor's console wraps guest lines at 160 characters: quote
# kernel messages cut to 120 (the prefix fits beside them).
quote() { cut -c1-120; }

# Sort the kernel log's lines with the words into /tmp/dmesg.bad and
# /tmp/dmesg.known.  Known: every line of a WARN report ("[ cut here ]" to
# "---[ end trace", at most 60 lines) whose "WARNING: ... at FILE:LINE" names
# a site listed in hv_known_warn=FILE:LINE[,FILE:LINE..]: a defect the test
# case knows of and documents where it sets the key (say, of the emulator
# under the hypervisor), so it does not hide any other report.
dmesg_sort()
{
	awk -v known="$hv_known_warn" -v benign="$DMESG_BENIGN" -v words="$DMESG_WORDS" '
	BEGIN { nk = split(known, site, ",") }
	function is_known(line,   i) {
		for (i = 1; i <= nk; i++)
			if (site[i] != "" && index(line, " at " site[i] " ")) return 1
		return 0
	}
	{ l[NR] = $0 }
	/-----------\[ cut here \]-----------/ { start = NR }
	start && /WARNING: / && is_known($0) { known_from = start }
	start && (/---\[ end trace/ || NR - start > 60) {
		if (known_from) for (i = known_from; i <= NR; i++) in_known[i] = 1
		start = known_from = 0
	}
	END {
		if (known_from) for (i = known_from; i <= NR; i++) in_known[i] = 1
		for (i = 1; i <= NR; i++) {
			if (l[i] !~ words || index(l[i], benign)) continue
			print l[i] > (in_known[i] ? "/tmp/dmesg.known" : "/tmp/dmesg.bad")
		}
	}' /tmp/dmesg
}

check_dmesg()
{
	dmesg >/tmp/dmesg
	: >/tmp/dmesg.bad
	: >/tmp/dmesg.known
	dmesg_sort
	grep -F "$DMESG_BENIGN" /tmp/dmesg | quote | while IFS= read -r line; do
		echo "HV-CHECK dmesg: benign: $line"
	done
	grep -A1 -F -- '[ cut here ]' /tmp/dmesg | grep -vF -e '[ cut here ]' -e '--' >/tmp/dmesg.msg
	if [ -s /tmp/dmesg.known ]; then
		quote </tmp/dmesg.known | while IFS= read -r line; do
			echo "HV-CHECK dmesg: known: $line"
		done
		quote </tmp/dmesg.msg | while IFS= read -r line; do
			echo "HV-CHECK dmesg: known, message: $line"
		done
	fi
	if [ ! -s /tmp/dmesg.bad ]; then
		check_ok dmesg "$(wc -l </tmp/dmesg) lines, no BUG:, WARNING:, Call Trace or panic$(
			[ -s /tmp/dmesg.known ] && echo " but hv_known_warn=$hv_known_warn")"
		return
	fi
	quote </tmp/dmesg.bad | while IFS= read -r line; do
		echo "HV-CHECK dmesg: offending: $line"
	done
	# for whoever debugs it: 3 lines around each (the report's header
	# comes before "Call Trace:", a WARN's message after "WARNING:"),
	# at most 80 lines
	awk -v benign="$DMESG_BENIGN" -v words="$DMESG_WORDS" '{ l[NR] = $0 }
		$0 ~ words && !index($0, benign) { for (i = NR - 3; i <= NR + 3; i++) show[i] = 1 }
		END { for (i = 1; i <= NR && n < 80; i++) if (show[i]) { print l[i]; n++ } }' \
		/tmp/dmesg | quote | while IFS= read -r line; do
		echo "HV-CHECK dmesg: | $line"
	done
	check_fail dmesg "$(wc -l </tmp/dmesg.bad) lines with BUG:, WARNING:, Call Trace or panic"
}

# A whole number of seconds, or empty.
seconds()
{
	case $1 in
	'' | *[!0-9]*) ;;
	*) echo "$1" ;;
	esac
}

# The phases the figures of `make bench` are measured over.
phase_idle()
{
	local s t0
	s=$(seconds "$hv_idle")
	[ -n "$s" ] || return 0
	t0=$(uptime_s)
	echo "HV-PHASE idle start: $s s at uptime $t0"
	sleep "$s"
	echo "HV-PHASE idle end: $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }') s"
}

# CPU-bound: arithmetic in awk, looking at /proc/uptime every 20000 rounds.
phase_busy()
{
	local s t0
	s=$(seconds "$hv_busy")
	[ -n "$s" ] || return 0
	t0=$(uptime_s)
	echo "HV-PHASE busy start: $s s at uptime $t0"
	awk -v s="$s" 'function now(  l) { getline l <"/proc/uptime"; close("/proc/uptime");
		split(l, f, " "); return f[1] }
	BEGIN { end = now() + s; x = 0
		while (now() < end) { for (i = 0; i < 20000; i++) x = (x * 31 + i) % 1000003; n++ }
		printf "HV-PHASE busy end: %.2f s, %d rounds of 20000\n", now() - end + s, n }'
}

# Bad keys are failures, named, not silently ignored.
check_keys()
{
	[ -z "$hv_idle" ] || [ -n "$(seconds "$hv_idle")" ] ||
		check_fail keys "hv_idle=$hv_idle is not whole seconds"
	[ -z "$hv_busy" ] || [ -n "$(seconds "$hv_busy")" ] ||
		check_fail keys "hv_busy=$hv_busy is not whole seconds"
	case $hv_then in
	'' | poweroff | reboot) ;;
	*) check_fail keys "hv_then=$hv_then is neither poweroff nor reboot" ;;
	esac
}

check_keys
check_cpus
check_memory
check_sleep
phase_idle
phase_busy
check_dmesg
if [ -z "$FAILED" ]; then
	echo "HV-GUEST-LINUX-OK: $(uname -r) up $(uptime_s) s, $(nproc) cpus, every check passed"
else
	echo "HV-GUEST-LINUX-FAIL:$FAILED"
fi
if [ "$hv_then" = reboot ]; then
	reboot -f
else
	poweroff -f
fi
EOF
}

build_initrd()
{
	local root=$OUT/initramfs new=$OUT/init.new
	if [ -n "$INIT_SCRIPT" ]; then
		[ -r "$INIT_SCRIPT" ] || die "init script $INIT_SCRIPT: cannot read it"
		cp "$INIT_SCRIPT" "$new"
	else
		default_init >"$new"
	fi
	if [ -s "$OUT/initrd.gz" ] && cmp -s "$new" "$OUT/init"; then
		rm -f "$new"
		log "initrd.gz already up to date"
		return 0
	fi
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,etc,tmp}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	install -m 0755 "$new" "$root/init"
	# fixed timestamps: the same /init gives the same initrd.gz
	find "$root" -exec touch -h -d @0 {} +
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --reproducible --quiet) | gzip -9n >"$OUT/initrd.gz"
	mv "$new" "$OUT/init"
	rm -rf "$root"
	log "initrd.gz: $(stat -c %s "$OUT/initrd.gz") bytes"
}

main()
{
	mkdir -p "$OUT"
	ensure_tools
	fetch_kernel
	extract_vmlinux
	check_pvh_note
	build_initrd
}

main "$@"
