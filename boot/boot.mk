# boot/boot.mk - the bootable GRUB image.
#
#   make iso                         build/hv.iso: GRUB rescue image (BIOS and UEFI,
#                                    dd-able to a USB stick) booting build/hv.elf
#   make iso HV_CMDLINE="loglevel=3" the hypervisor's command line
#   make iso ISO_MODULES="a b"       extra files, loaded as multiboot2 modules
#                                    (/boot/modules/NAME on the image, module string NAME)
#
# grub.cfg is generated and rewritten only when its text changes, so a new
# HV_CMDLINE or module list rebuilds the image and an unchanged one does not.
# HV_CMDLINE must not contain a single quote.

HV_CMDLINE  ?=
ISO_MODULES ?=
ISO_DIR	    := $(BUILD)/iso
ISO_CFG	    := $(BUILD)/grub.cfg

.PHONY: iso boot-iso-force
iso: $(BUILD)/hv.iso

# The console is the first serial port at 115200 (both GRUB's and, by default,
# the hypervisor's); timeout 0 boots at once.
$(ISO_CFG): boot-iso-force
	@mkdir -p $(dir $@)
	@{ printf '%s\n' 'serial --unit=0 --speed=115200' \
		'terminal_input serial console' 'terminal_output serial console' \
		'set timeout=0' 'set default=0' 'menuentry "hv" {'; \
	   printf '\tmultiboot2 /boot/hv.elf %s\n' '$(HV_CMDLINE)'; \
	   $(foreach m,$(ISO_MODULES),printf '\tmodule2 /boot/modules/%s %s\n' '$(notdir $(m))' '$(notdir $(m))';) \
	   printf '\t%s\n%s\n' 'boot' '}'; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/hv.iso: $(BUILD)/hv.elf $(ISO_CFG) $(ISO_MODULES)
	rm -rf $(ISO_DIR)
	mkdir -p $(ISO_DIR)/boot/grub $(ISO_DIR)/boot/modules
	cp $(BUILD)/hv.elf $(ISO_DIR)/boot/hv.elf
	cp $(ISO_CFG) $(ISO_DIR)/boot/grub/grub.cfg
	$(foreach m,$(ISO_MODULES),cp $(m) $(ISO_DIR)/boot/modules/$(notdir $(m));)
	grub-mkrescue -o $@ $(ISO_DIR) >$(BUILD)/grub-mkrescue.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }
