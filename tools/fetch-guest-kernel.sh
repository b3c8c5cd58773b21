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
#   INIT_SCRIPT  the initramfs's /init; the default mounts proc and sys,
#                prints "HV-GUEST-LINUX-OK" and powers off.
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
MARKER=HV-GUEST-LINUX-OK
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

default_init()
{
	cat <<EOF
#!/bin/sh
# default /init of the hypervisor's guest initramfs
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "$MARKER: \$(uname -r) up \$(cut -d' ' -f1 /proc/uptime) s, \$(grep -c ^processor /proc/cpuinfo) cpus"
poweroff -f
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
