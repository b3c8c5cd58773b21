# boot/boot.mk - the bootable GRUB image.
#
#   make iso                         build/hv.iso: GRUB rescue image (BIOS and UEFI,
#                                    dd-able to a USB stick) booting build/hv.elf
#   make iso HV_CMDLINE="loglevel=3" the hypervisor's command line
#   make iso ISO_MODULES="a b"       extra files, loaded as multiboot2 modules
#                                    (/boot/modules/NAME on the image, module string NAME)
#   make iso CONFIG=dir/hv.cfg       the partition layout and every file it names:
#                                    hv.cfg is module "hv.cfg", each file a module named
#                                    by its path as written in the config (relative to
#                                    dir/), which is how the core finds it
#                                    (core/boot_config.c).  The list comes from
#                                    `hvcfg files`; a config with problems is still
#                                    packed (alone) so the hypervisor's own report of
#                                    them can be seen at boot.
#
# grub.cfg is generated and rewritten only when its text changes, so a new
# HV_CMDLINE or module list rebuilds the image and an unchanged one does not.
# HV_CMDLINE must not contain a single quote.

HV_CMDLINE  ?=
ISO_MODULES ?=
CONFIG	    ?=
ISO_DIR	    := $(BUILD)/iso
ISO_CFG	    := $(BUILD)/grub.cfg
ISO_HVCFG   := $(BUILD)/tools/hvcfg
# The files CONFIG names, as build prerequisites (so guests are built first).
# A quick look at the text: the authoritative list is `hvcfg files` below.
CONFIG_DEPS := $(if $(CONFIG),$(CONFIG) $(addprefix $(dir $(CONFIG)),$(shell sed -n \
	's/^[[:space:]]*\(kernel\|initrd\|module\)[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\2/p' \
	$(CONFIG) 2>/dev/null)) $(ISO_HVCFG))

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
	   $(if $(CONFIG),printf '\tmodule2 /boot/cfg/hv.cfg hv.cfg\n'; \
		n=0; for f in $$($(ISO_HVCFG) files $(CONFIG) 2>/dev/null); do n=$$((n + 1)); \
		printf '\tmodule2 /boot/cfg/%s-%s %s\n' $$n "$$(basename "$$f")" "$$f"; done;) \
	   printf '\t%s\n%s\n' 'boot' '}'; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(ISO_CFG): $(if $(CONFIG),$(ISO_HVCFG))

$(BUILD)/hv.iso: $(BUILD)/hv.elf $(ISO_CFG) $(ISO_MODULES) $(CONFIG_DEPS)
	rm -rf $(ISO_DIR)
	mkdir -p $(ISO_DIR)/boot/grub $(ISO_DIR)/boot/modules $(ISO_DIR)/boot/cfg
	cp $(BUILD)/hv.elf $(ISO_DIR)/boot/hv.elf
	cp $(ISO_CFG) $(ISO_DIR)/boot/grub/grub.cfg
	$(foreach m,$(ISO_MODULES),cp $(m) $(ISO_DIR)/boot/modules/$(notdir $(m));)
	$(if $(CONFIG),cp $(CONFIG) $(ISO_DIR)/boot/cfg/hv.cfg; \
		$(ISO_HVCFG) check $(CONFIG) || echo "$(CONFIG): packed anyway: the hypervisor will report it"; \
		n=0; for f in $$($(ISO_HVCFG) files $(CONFIG) 2>/dev/null); do n=$$((n + 1)); \
		cp "$(dir $(CONFIG))$$f" "$(ISO_DIR)/boot/cfg/$$n-$$(basename "$$f")" || exit 1; done)
	grub-mkrescue -o $@ $(ISO_DIR) >$(BUILD)/grub-mkrescue.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }
