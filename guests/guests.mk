# guests/guests.mk - the in-tree test guests (guests/tests/): small 32-bit
# multiboot (v1) kernels that each check one behaviour of the hypervisor and
# report PASS/FAIL lines on COM1 (see guests/tests/README.md).
#
#   make guests        build/guests/NAME.elf for every guests/tests/NAME.c,
#                      and build/guests/cpuid64.elf: the cpuid guest repackaged
#                      as ELF64 (x86-64 machine, same 32-bit code and entry),
#                      which exercises the loader's ELF64 path (guests/mb1.c)
#
# A guest is guests/tests/NAME.c plus any guests/tests/NAME_*.S (and
# guests/tests/NAME/*.c), linked with the shared runtime guests/tests/lib/
# by guests/tests/guest.ld.  They are not part of `make all`: the
# hypervisor does not need them; targets that boot them (an iso with a test
# hv.cfg, test-qemu cases) depend on `guests`.
# Objects go to $(BUILD)/guests/obj/ so they never meet the hypervisor's
# own $(BUILD)/guests/*.c.o (guests/*.c is hypervisor code: the loaders).

GUEST_DIR	:= guests/tests
GUEST_OUT	:= $(BUILD)/guests
GUEST_OBJ	:= $(GUEST_OUT)/obj
GUEST_NAMES	:= $(patsubst $(GUEST_DIR)/%.c,%,$(wildcard $(GUEST_DIR)/*.c))
GUEST_ELFS	:= $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_NAMES)) $(GUEST_OUT)/cpuid64.elf
GUEST_LIB_SRCS	:= $(wildcard $(GUEST_DIR)/lib/*.c $(GUEST_DIR)/lib/*.S)
GUEST_LIB_OBJS	:= $(patsubst $(GUEST_DIR)/%,$(GUEST_OBJ)/%.o,$(GUEST_LIB_SRCS))
GUEST_LDS	:= $(GUEST_DIR)/guest.ld

# 32-bit, freestanding, no PIC: multiboot starts us in flat protected mode
# at the link address.  -mgeneral-regs-only: no FPU/SSE state to set up.
GUEST_CFLAGS	:= -m32 -march=i686 -std=c11 -ffreestanding -fno-builtin -fno-pic -fno-pie \
		   -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
		   -mgeneral-regs-only -O2 -g $(WARNINGS) -I$(GUEST_DIR)/lib -Iinclude -MMD -MP
GUEST_ASFLAGS	:= -m32 -D__ASSEMBLY__ -I$(GUEST_DIR)/lib -Iinclude -MMD -MP -g
GUEST_LDFLAGS	:= -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack \
		   -T $(GUEST_LDS)

.PHONY: guests
guests: $(GUEST_ELFS)

$(GUEST_OBJ)/%.c.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJ)/%.S.o: $(GUEST_DIR)/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_ASFLAGS) -c $< -o $@

# A guest's own objects: NAME.c, NAME_*.S and, for a guest too big for
# one file, NAME/*.c (guests/tests/hostile/).
guest_objs = $(GUEST_OBJ)/$(1).c.o \
	$(patsubst $(GUEST_DIR)/%,$(GUEST_OBJ)/%.o,$(wildcard $(GUEST_DIR)/$(1)_*.S)) \
	$(patsubst $(GUEST_DIR)/%,$(GUEST_OBJ)/%.o,$(wildcard $(GUEST_DIR)/$(1)/*.c))

# Multiboot 0.6.96 3.1.3 allows any ELF whose entry is reachable in 32-bit
# protected mode; objcopy only rewrites the container.
$(GUEST_OUT)/cpuid64.elf: $(GUEST_OUT)/cpuid.elf
	$(OBJCOPY) -O elf64-x86-64 $< $@

.SECONDEXPANSION:
$(GUEST_OUT)/%.elf: $$(call guest_objs,$$*) $(GUEST_LIB_OBJS) $(GUEST_LDS)
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)
