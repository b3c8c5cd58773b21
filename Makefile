# Top-level build for the hypervisor.
#
#   make            build/hv.elf (multiboot2) and build/hv.efi (UEFI application)
#   make iso        build/hv.iso: GRUB rescue image, boots on BIOS and UEFI, dd-able to USB
#   make usb        build/hv-usb.img: USB stick image (BIOS and UEFI), CONFIG=dir/hv.cfg
#   make pxe        build/pxe/: network boot directory for iPXE (boot.ipxe), CONFIG=...
#   make unit       host unit tests under ASan/UBSan (tests/)
#   make check      fast iteration subset: unit tests, format and static checks, quick boots
#   make test       everything: unit tests, fuzz smoke runs, every emulator test (test-qemu/)
#   make run        build and boot the demo in an emulator with the console on this terminal
#   make deps       install the Debian packages the build and the tests need
#
# The same core objects are linked twice: once behind the multiboot2 entry
# (boot/mb2_*, with the multiboot v1 boot/mb1_*) with linker.ld, once behind
# the GNU-EFI entry (boot/efi_*).
# Every core object is position independent, so the UEFI loader may put the
# image anywhere; the multiboot2 image is linked at its load address.

BUILD	?= build
CC	:= gcc
LD	:= ld
OBJCOPY	:= objcopy

# Directories whose sources make up the core, shared by both images.
CORE_DIRS := core core/lib arch/x86_64 drivers vmx ept guests

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	    -Wswitch-default -Wvla -Wpointer-arith -Wundef -Wcast-align
CFLAGS	:= -std=c11 -ffreestanding -fno-builtin -fno-stack-protector -fno-common -fpie \
	   -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -mno-red-zone \
	   -mgeneral-regs-only -O2 -g $(WARNINGS) -Iinclude -I. -MMD -MP
ASFLAGS	:= -D__ASSEMBLY__ -Iinclude -I. -MMD -MP -g

CORE_C	:= $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c))
CORE_S	:= $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.S))
CORE_OBJS := $(patsubst %,$(BUILD)/%.o,$(CORE_C) $(CORE_S))

MB2_SRCS := $(wildcard boot/mb2_*.c boot/mb2_*.S boot/mb1_*.c boot/mb1_*.S)
MB2_OBJS := $(patsubst %,$(BUILD)/%.o,$(MB2_SRCS))

EFI_SRCS := $(wildcard boot/efi_*.c boot/efi_*.S)
EFI_OBJS := $(patsubst %,$(BUILD)/%.o,$(EFI_SRCS))

# GNU-EFI, as packaged by Debian (gnu-efi).
EFI_INC	 := /usr/include/efi
EFI_LIB	 := /usr/lib
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o
# GNU-EFI's elf_x86_64_efi.lds adapted to the core (see the file for why)
EFI_LDS	 := boot/efi.lds
EFI_LIBEFI := $(BUILD)/efi/libefi.a
EFI_SECTIONS := .text .sdata .data .dynamic .dynsym .rel .rela .reloc .bss
EFI_UNNEEDED := .hash .gnu.hash .dynstr .eh_frame .note.gnu.build-id
EFI_CFLAGS := -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -fshort-wchar -DGNU_EFI_USE_MS_ABI

.PHONY: all iso unit check test run deps clean format format-check bench

# Keep intermediate files (e.g. guest objects): make would otherwise delete
# them at the end of every run, and rebuild them the next time.
.SECONDARY:
all: $(BUILD)/hv.elf $(BUILD)/hv.efi

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/boot/efi_%.c.o: boot/efi_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -c $< -o $@

$(BUILD)/hv.elf: $(MB2_OBJS) $(CORE_OBJS) linker.ld
	$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack -T linker.ld \
		-o $@ $(MB2_OBJS) $(CORE_OBJS)

# GNU-EFI's libefi.a defines memset and memcpy (for calls the compiler
# generates); so does the core (core/lib/string.c).  We link a copy of
# libefi.a in which its two are weak, so the core's win everywhere.
$(EFI_LIBEFI): $(EFI_LIB)/libefi.a
	@mkdir -p $(dir $@)
	$(OBJCOPY) --weaken-symbol=memset --weaken-symbol=memcpy $< $@

# --no-undefined: a shared object may otherwise leave a symbol undefined,
# and GNU-EFI's self-relocation would silently resolve it to address 0.
$(BUILD)/hv.so: $(EFI_OBJS) $(CORE_OBJS) $(EFI_LIBEFI) $(EFI_LDS)
	$(LD) -nostdlib -znocombreloc -z noexecstack --no-undefined -T $(EFI_LDS) -shared \
		-Bsymbolic -L$(EFI_LIB) $(EFI_CRT0) $(EFI_OBJS) $(CORE_OBJS) -o $@ \
		$(EFI_LIBEFI) -lgnuefi

# The sections objcopy puts into the PE image.  Any other allocated section
# of hv.so must be one nothing needs at run time (symbol hashes and names,
# unwind tables): a section the linker script did not expect would silently
# be missing from the image, so the build stops and names it instead.
$(BUILD)/hv.efi: $(BUILD)/hv.so
	@lost=$$(readelf -SW $< | sed -n 's/^ *\[ *[0-9]*\] //p' | awk '$$7 ~ /A/ { print $$1 }' | \
		grep -vxF $(patsubst %,-e %,$(EFI_SECTIONS) $(EFI_UNNEEDED))); \
	if [ -n "$$lost" ]; then echo "$<: not in the PE image: $$lost" >&2; exit 1; fi
	$(OBJCOPY) $(patsubst %,-j %,$(EFI_SECTIONS)) --target efi-app-x86_64 --subsystem=10 $< $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf $(BUILD)

# Each directory that adds targets keeps them in its own fragment:
# tests/tests.mk (unit, fuzz), test-qemu/test-qemu.mk (emulator tests, run),
# boot/boot.mk (iso), boot/media.mk (usb, pxe), tools/tools.mk (host tools, deps).
include $(sort $(wildcard */*.mk))
