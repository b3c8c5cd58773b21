#!/bin/sh
# boot/mkusb.sh - build the USB stick image (make usb; see boot/media.mk and
# docs/hardware.md).  No root, no loop devices: the FAT file system is made
# in a file of its own with mkfs.vfat and filled with mtools, GRUB's BIOS
# boot code is written with dd.
#
# Usage: boot/mkusb.sh OUT.img HV_ELF HV_EFI HVCFG_TOOL [CONFIG] [CMDLINE]
#
# The image is an MBR disk with one FAT32 partition (type 0x0C, active) that
# starts at 1 MiB:
#   BIOS  sector 0 holds GRUB's boot.img, sectors 1.. its core.img (in the
#         gap before the partition); core.img finds the partition by the tag
#         file /boot/grub/hv-usb.tag and reads /boot/grub/grub.cfg, which
#         loads /boot/hv.elf by multiboot2 with hv.cfg and the guest files as
#         modules.
#   UEFI  the firmware starts \EFI\BOOT\BOOTX64.EFI, which is hv.efi itself;
#         it reads hv.cfg (and the files hv.cfg names) from its own directory.
# So hv.cfg and the guest files live once, in \EFI\BOOT\ at the paths the
# config gives (relative to the config), and both firmware kinds use them.
# Size: the contents plus 32 MiB of headroom, at least 64 MiB.
set -eu

OUT=$1 HV_ELF=$2 HV_EFI=$3 HVCFG=$4 CONFIG=${5:-} CMDLINE=${6:-}
GRUB_PC=/usr/lib/grub/i386-pc
MIB=1048576
WORK=$OUT.d
rm -rf "$WORK"
mkdir -p "$WORK"

# The files hv.cfg names, relative to its directory.  A config with problems
# is packed alone, so that the hypervisor's report of them is seen at boot.
FILES=""
if [ -n "$CONFIG" ]; then
	[ -f "$CONFIG" ] || { echo "mkusb: $CONFIG: no such file" >&2; exit 1; }
	"$HVCFG" check "$CONFIG" || echo "mkusb: $CONFIG packed anyway: the hypervisor will report it" >&2
	FILES=$("$HVCFG" files "$CONFIG" 2>/dev/null || true)
	CFGDIR=$(dirname "$CONFIG")
	for f in $FILES; do
		[ -f "$CFGDIR/$f" ] || { echo "mkusb: $CONFIG names $f, which is missing" >&2; exit 1; }
	done
fi

# grub.cfg: serial console, no menu delay, hv.elf with hv.cfg and its files.
{
	printf '%s\n' 'serial --unit=0 --speed=115200' 'terminal_input serial console' \
		'terminal_output serial console' 'set timeout=0' 'set default=0' 'menuentry "hv" {'
	printf '\tmultiboot2 /boot/hv.elf %s\n' "$CMDLINE"
	if [ -n "$CONFIG" ]; then
		printf '\tmodule2 /EFI/BOOT/hv.cfg hv.cfg\n'
		for f in $FILES; do printf '\tmodule2 /EFI/BOOT/%s %s\n' "$f" "$f"; done
	fi
	printf '\tboot\n}\n'
} >"$WORK/grub.cfg"

# GRUB's BIOS core: finds the stick's partition by a file only it has.
cat >"$WORK/early.cfg" <<'CFG'
search --no-floppy --file --set=root /boot/grub/hv-usb.tag
set prefix=($root)/boot/grub
CFG
grub-mkimage -O i386-pc -o "$WORK/core.img" -c "$WORK/early.cfg" -p /boot/grub \
	biosdisk part_msdos fat search search_fs_file configfile normal multiboot2 \
	serial terminal boot echo test
core_size=$(stat -c %s "$WORK/core.img")
if [ "$core_size" -gt $((MIB - 512)) ]; then
	echo "mkusb: GRUB core.img ($core_size bytes) does not fit before the partition" >&2
	exit 1
fi

# Size: everything on the stick, rounded up, plus headroom.
content=$(stat -c %s "$HV_ELF" "$HV_EFI" | awk '{ s += $1 } END { print s }')
if [ -n "$CONFIG" ]; then
	content=$((content + $(stat -c %s "$CONFIG")))
	for f in $FILES; do content=$((content + $(stat -c %s "$CFGDIR/$f"))); done
fi
mib=$(((content + MIB - 1) / MIB + 32))
[ "$mib" -ge 64 ] || mib=64
part_mib=$((mib - 1))

# The FAT32 partition, made and filled as a file of its own.
PART=$WORK/part.img
truncate -s $((part_mib * MIB)) "$PART"
mkfs.vfat -F 32 -n HVBOOT "$PART" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$PART" ::/EFI ::/EFI/BOOT ::/boot ::/boot/grub
mcopy -i "$PART" "$HV_EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$PART" "$HV_ELF" ::/boot/hv.elf
mcopy -i "$PART" "$WORK/grub.cfg" ::/boot/grub/grub.cfg
echo "hv boot stick: GRUB (BIOS) finds its partition by this file" >"$WORK/hv-usb.tag"
mcopy -i "$PART" "$WORK/hv-usb.tag" ::/boot/grub/hv-usb.tag
if [ -n "$CONFIG" ]; then
	mcopy -i "$PART" "$CONFIG" ::/EFI/BOOT/hv.cfg
	for f in $FILES; do
		d=$(dirname "$f") path=/EFI/BOOT
		if [ "$d" != . ]; then
			for c in $(echo "$d" | tr / ' '); do
				path=$path/$c
				mmd -D s -i "$PART" "::$path" 2>/dev/null || true
			done
		fi
		mcopy -D o -i "$PART" "$CFGDIR/$f" "::/EFI/BOOT/$f"
	done
fi

# Little-endian bytes of a 32-bit number, as printf escapes.
le32() {
	printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# CHS of an LBA for the partition entry (255 heads, 63 sectors; LBA-only
# values once past what CHS can address).
chs() {
	c=$(($1 / (255 * 63))) h=$(($1 / 63 % 255)) s=$(($1 % 63 + 1))
	if [ "$c" -gt 1023 ]; then c=1023 h=254 s=63; fi
	printf '\\%03o\\%03o\\%03o' "$h" $((s | (c >> 8) << 6)) $((c & 255))
}

# The MBR and the gap: boot.img's code (440 bytes), the partition entry,
# the signature, then core.img from sector 1.  boot.img as shipped loads
# its next stage from sector 1, and core.img's first sector (diskboot.img)
# as grub-mkimage writes it reads the rest from sector 2 on: no patching.
MBR=$WORK/mbr.img
truncate -s $MIB "$MBR"
dd if="$GRUB_PC/boot.img" of="$MBR" bs=440 count=1 conv=notrunc status=none
start=2048 sectors=$((part_mib * 2048))
# shellcheck disable=SC2059 # the format is built from escapes on purpose
printf "\\200$(chs $start)\\014$(chs $((start + sectors - 1)))$(le32 $start)$(le32 $sectors)" |
	dd of="$MBR" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$MBR" bs=1 seek=510 conv=notrunc status=none
dd if="$WORK/core.img" of="$MBR" bs=512 seek=1 conv=notrunc status=none

cat "$MBR" "$PART" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
echo "mkusb: $OUT: ${mib} MiB, FAT32 partition at 1 MiB (mtools: -i $OUT@@1M)"
