#!/usr/bin/env bash
# install-deps.sh - install the Debian packages that building and testing need.
#
# Idempotent and quiet when there is nothing to do: every package is first
# looked up with dpkg-query, and apt-get runs (update once, then one install)
# only for the ones that are missing.  Non-interactive, so it also works in CI
# with no standard input.  Runs as root, or through sudo when that exists.
#
# Usage: tools/install-deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is.
set -euo pipefail

# What each group is for, so that a package can be dropped with its reason.
PACKAGES=(
	# Build: the hypervisor images (gcc, GNU-EFI) and the GRUB rescue ISO.
	gcc make binutils gnu-efi
	grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools dosfstools
	# Emulators and their firmware for test-qemu/ and `make run`.
	qemu-system-x86 ovmf bochs bochsbios vgabios ipxe-qemu
	# Typing into the emulated COM1 in tests: test-qemu/serial-io.py (the
	# cases with "send" lines).
	python3
	# Host-side checks: unit tests and libFuzzer (clang, compiler-rt),
	# formatting and static analysis (`make check`).
	clang libclang-rt-14-dev clang-format cppcheck
	# Linux guests (tools/fetch-guest-kernel.sh): a busybox initramfs packed
	# with cpio, and xz to unpack the kernel's vmlinux for the PVH entry.
	busybox-static cpio xz-utils
)

is_installed()
{
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
	is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	echo "install-deps: missing: ${missing[*]}" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
