# shellcheck shell=bash
# test-qemu/emu.sh - how QEMU and Bochs are started; sourced by run.sh (the
# tests) and demo.sh (`make run`), so both boot the same machines.
#
# The functions read the machine from C_EMULATOR, C_FIRMWARE, C_MEDIUM,
# C_CPUS, C_MEMORY, C_KVM, and the boot medium's path from MEDIUM;
# make_private_iso also C_NAME, C_CMDLINE and the files FILE_NAMES/FILE_SRCS.  The
# serial console is given by the caller: SERIAL_QEMU (a -serial argument) or
# SERIAL_BOCHS (the com1 line's mode and dev).

# Firmware and ROM images (Debian packages ovmf, bochsbios, vgabios).
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
OVMF_BOCHS=/usr/share/ovmf/OVMF.fd # the 2 MiB combined image; 4 MiB ones do not fit
BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
BOCHS_VGA=/usr/share/vgabios/vgabios.bin
IPXE_BIOS_ROM=/usr/lib/ipxe/qemu/pxe-e1000.rom # Debian package ipxe-qemu
IPXE_EFI_ROM=/usr/lib/ipxe/qemu/efi-e1000.rom

# What the trace event below writes to qemu.log when the guest powers the
# machine off (ACPI S5): reason 6 is SHUTDOWN_CAUSE_GUEST_SHUTDOWN.  A guest
# reset under -no-reboot also ends QEMU with status 0, but without this line.
# shellcheck disable=SC2034 # used by run.sh
QEMU_GUEST_POWEROFF='qemu_system_shutdown_request reason=6'

# Set QEMU_ARGS; $1 is a directory for the writable OVMF variable store and
# qemu.log.  -no-reboot turns a guest reset (a triple fault) into an exit,
# and -d cpu_reset writes "Triple fault" to qemu.log when that happens.
qemu_args()
{
	local dir=$1
	QEMU_ARGS=(-display none -no-reboot -nodefaults -smp "$C_CPUS" -m "$C_MEMORY"
		-serial "$SERIAL_QEMU" -d "cpu_reset,guest_errors" -D "$dir/qemu.log"
		-trace qemu_system_shutdown_request)
	if [ "$C_KVM" = yes ]; then
		QEMU_ARGS+=(-enable-kvm -cpu host)
	fi
	case $C_FIRMWARE in
	seabios) QEMU_ARGS+=(-machine pc) ;;
	ovmf)
		cp "$OVMF_VARS" "$dir/OVMF_VARS.fd"
		QEMU_ARGS+=(-machine q35
			-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,file=$dir/OVMF_VARS.fd")
		;;
	*) ;;
	esac
	case $C_MEDIUM in
	iso) QEMU_ARGS+=(-drive "media=cdrom,format=raw,readonly=on,file=$MEDIUM") ;;
	efi-dir) QEMU_ARGS+=(-drive "format=raw,file=fat:rw:$MEDIUM") ;;
	usb) QEMU_ARGS+=(-drive "format=raw,file=$MEDIUM") ;;
	pxe)
		# QEMU's user network: DHCP names boot.ipxe, its TFTP server
		# serves the directory; the NIC's option ROM is iPXE.
		QEMU_ARGS+=(-netdev "user,id=n0,tftp=$MEDIUM,bootfile=boot.ipxe"
			-device "e1000,netdev=n0,romfile=$([ "$C_FIRMWARE" = ovmf ] &&
				echo "$IPXE_EFI_ROM" || echo "$IPXE_BIOS_ROM")" -boot n)
		;;
	*) ;;
	esac
}

# Write $1/bochsrc and $1/cont.rc; Bochs logs to $1/bochs.log.
bochs_config()
{
	local dir=$1 rom=$BOCHS_BIOS boot
	[ "$C_FIRMWARE" = ovmf ] && rom=$OVMF_BOCHS
	{
		echo "megs: $C_MEMORY"
		echo "romimage: file=$rom"
		echo "vgaromimage: file=$BOCHS_VGA"
		# corei7_skylake_x emulates VT-x with EPT; a triple fault stops
		# Bochs with a register dump instead of a silent reset.
		echo "cpu: model=corei7_skylake_x, count=$C_CPUS, ips=200000000, reset_on_triple_fault=0"
		echo "clock: sync=none, time0=local"
		echo "pci: enabled=1, chipset=i440fx"
		echo "ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14"
		if [ "$C_MEDIUM" = iso ]; then
			echo "ata0-master: type=cdrom, path=$MEDIUM, status=inserted"
			boot=cdrom
		else
			echo "ata0-master: type=disk, path=$MEDIUM, mode=flat"
			boot=disk
		fi
		echo "boot: $boot"
		echo "com1: enabled=1, $SERIAL_BOCHS"
		# Bochs has no "nogui" here; rfb with timeout=0 runs headless.
		echo 'display_library: rfb, options="timeout=0"'
		echo "log: $dir/bochs.log"
		echo "panic: action=fatal"
		echo "error: action=report"
		echo "info: action=ignore"
	} >"$dir/bochsrc"
	# Bochs is built with its debugger, which stops at the first
	# instruction: this script tells it to continue.
	echo c >"$dir/cont.rc"
}

# The reason Bochs gave for exiting, from its output in $1,
# e.g. "ACPI control: soft power off".
bochs_exit_message()
{
	sed -n '/Bochs is exiting with the following message:/{n;p;q}' "$1" |
		sed -e 's/^\[[^]]*\] *//' -e 's/[[:space:]]*$//'
}

# Copy each file FILE_SRCS[i] to $1/FILE_NAMES[i] (NAME may hold directories).
copy_files()
{
	local i
	for i in "${!FILE_NAMES[@]}"; do
		mkdir -p "$(dirname "$1/${FILE_NAMES[i]}")" &&
			cp -L "${FILE_SRCS[i]}" "$1/${FILE_NAMES[i]}" || return 1
	done
}

# A private GRUB image whose menu passes C_CMDLINE to hv.elf and loads each
# file as a multiboot2 module whose string is its name (as `make iso` does).
make_private_iso()
{
	local dir=$1/isoroot i
	mkdir -p "$dir/boot/grub" "$dir/boot/modules"
	cp "$BUILD/hv.elf" "$dir/boot/hv.elf"
	copy_files "$dir/boot/modules" || return 1
	{
		echo "serial --unit=0 --speed=115200"
		echo "terminal_input serial console"
		echo "terminal_output serial console"
		echo "set timeout=0"
		echo "menuentry \"hv ($C_NAME)\" {"
		echo "	multiboot2 /boot/hv.elf $C_CMDLINE"
		for i in "${!FILE_NAMES[@]}"; do
			echo "	module2 /boot/modules/${FILE_NAMES[i]} ${FILE_NAMES[i]}"
		done
		echo "	boot"
		echo "}"
	} >"$dir/boot/grub/grub.cfg"
	grub-mkrescue -o "$1/hv.iso" "$dir" >"$1/grub-mkrescue.log" 2>&1 || {
		echo "grub-mkrescue failed, see $1/grub-mkrescue.log" >&2
		return 1
	}
}
