# shellcheck shell=bash
# test-qemu/emu.sh - how QEMU and Bochs are started; sourced by run.sh (the
# tests) and demo.sh (`make run`), so both boot the same machines.
#
# The functions read the machine from C_EMULATOR, C_FIRMWARE, C_MEDIUM,
# C_CPUS, C_MEMORY, C_KVM, and the boot medium's path from MEDIUM.  The
# serial console is given by the caller: SERIAL_QEMU (a -serial argument) or
# SERIAL_BOCHS (the com1 line's mode and dev).

# Firmware and ROM images (Debian packages ovmf, bochsbios, vgabios).
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
OVMF_BOCHS=/usr/share/ovmf/OVMF.fd # the 2 MiB combined image; 4 MiB ones do not fit
BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
BOCHS_VGA=/usr/share/vgabios/vgabios.bin

# Set QEMU_ARGS; $1 is a directory for the writable OVMF variable store and
# qemu.log.  -no-reboot turns a guest reset (a triple fault) into an exit,
# and -d cpu_reset writes "Triple fault" to qemu.log when that happens.
qemu_args()
{
	local dir=$1
	QEMU_ARGS=(-display none -no-reboot -nodefaults -smp "$C_CPUS" -m "$C_MEMORY"
		-serial "$SERIAL_QEMU" -d "cpu_reset,guest_errors" -D "$dir/qemu.log")
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
