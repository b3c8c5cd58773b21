# boot/media.mk - boot media for real servers (docs/hardware.md).
#
#   make usb  [CONFIG=dir/hv.cfg] [HV_CMDLINE=...]
#             build/hv-usb.img: a USB stick image that boots on BIOS (GRUB,
#             multiboot2) and on UEFI (hv.efi as \EFI\BOOT\BOOTX64.EFI), with
#             hv.cfg and the files it names on its FAT32 partition
#             (boot/mkusb.sh says how it is laid out)
#   make pxe  [CONFIG=dir/hv.cfg] [HV_CMDLINE=...]
#             build/pxe/: the TFTP/HTTP root for iPXE: boot.ipxe, hv.efi,
#             hv.elf, hv.cfg and the files it names (boot/mkpxe.sh)
#
# CONFIG is the partition layout (docs/config.md), checked with hvcfg; a
# config with problems is still packed so the hypervisor's own report of them
# is seen at boot.  Without CONFIG the in-tree default config is used when
# the tree has one (MEDIA_DEFAULT_CONFIG), else the media hold the hypervisor
# alone.  HV_CMDLINE is shared with `make iso`; UEFI firmware starting
# BOOTX64.EFI from a stick passes no command line, so there it does not apply.
# CONFIG_DEPS (boot/boot.mk) lists CONFIG and the files it names, so an edited
# guest rebuilds the media.

MEDIA_DEFAULT_CONFIG ?=
MEDIA_CONFIG	:= $(or $(CONFIG),$(wildcard $(MEDIA_DEFAULT_CONFIG)))
MEDIA_HVCFG	:= $(BUILD)/tools/hvcfg
MEDIA_DEPS	:= $(BUILD)/hv.elf $(BUILD)/hv.efi $(MEDIA_HVCFG) $(MEDIA_CONFIG) \
		   $(if $(CONFIG),$(CONFIG_DEPS)) boot/media.mk

.PHONY: usb pxe media-force
usb: $(BUILD)/hv-usb.img
pxe: $(BUILD)/pxe/boot.ipxe

# Rebuilt every time: the config's file list and HV_CMDLINE are inputs that
# make cannot see as files; building takes about a second.
$(BUILD)/hv-usb.img: $(MEDIA_DEPS) boot/mkusb.sh media-force
	boot/mkusb.sh $@ $(BUILD)/hv.elf $(BUILD)/hv.efi $(MEDIA_HVCFG) '$(MEDIA_CONFIG)' '$(HV_CMDLINE)'

$(BUILD)/pxe/boot.ipxe: $(MEDIA_DEPS) boot/mkpxe.sh media-force
	boot/mkpxe.sh $(BUILD)/pxe $(BUILD)/hv.elf $(BUILD)/hv.efi $(MEDIA_HVCFG) '$(MEDIA_CONFIG)' '$(HV_CMDLINE)'
