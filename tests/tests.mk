# tests/tests.mk - host unit tests (make unit) and fuzzers (make fuzz).  See docs/testing.md.
#
# HOW TO ADD A UNIT TEST
#   1. Write tests/test_foo.c: #include "test.h", one static function per test using CHECK*,
#      main() calls RUN(fn) for each and returns test_summary().
#   2. Add ONE line to the list below naming the hypervisor sources it links:
#          test_foo_SRCS := core/foo.c core/lib/parse.c
#      tests/host_stubs.c (printk/hv_log/panic stubs + the test.h counters) is always linked.
#      Optional:  test_foo_CFLAGS := -DSOMETHING
#   A tests/test_*.c without a _SRCS line makes `make unit` fail with an error naming it, so no
#   test is ever skipped silently; write an empty `test_foo_SRCS :=` if it needs no sources.
#
# HOW TO ADD A FUZZER
#   tests/fuzz_foo.c defines LLVMFuzzerTestOneInput(); add `fuzz_foo_SRCS := ...` below, same
#   rules.  Optional seed inputs go in tests/corpus/foo/.  `make fuzz FUZZ_TIME=30` runs each
#   fuzzer that long; the corpus grows in $(BUILD)/fuzz/ and a crash input is left there.
#
# HOW HOST BUILDS AVOID CLASHING WITH LIBC
#   Every host source is compiled with -DHV_HOST_TEST.  include/hv/lib.h then takes mem*, str*
#   and the printf family from the host C library and declares only strlcpy and parse_u64;
#   core/lib/string.c builds only strlcpy and core/lib/format.c nothing.  So a test of code
#   that calls strlcpy lists core/lib/string.c, one that calls parse_u64 core/lib/parse.c.
#   The freestanding core/lib itself is tested by tests/test_lib.c, which #includes its sources
#   with every symbol renamed to hv_* (tests/lib_rename.h) and compares them with the host libc.
#
# Unit tests are built with gcc under ASan+UBSan (every report fatal); fuzzers with clang's
# libFuzzer.  The runners tests/run-unit.sh and tests/run-fuzz.sh add up and report.

# drivers/acpi.c and the decoders it calls
ACPI_SRCS		:= drivers/acpi.c drivers/acpi_tables.c drivers/acpi_aml.c
# ---- one line per program ------------------------------------------------------------------
test_lib_SRCS		:=
test_lib_CFLAGS		:= -Wno-format-truncation -Wno-format-overflow
test_mm_SRCS		:= core/mm.c
fuzz_mm_SRCS		:= core/mm.c
test_cmdline_SRCS	:= core/cmdline.c core/lib/parse.c core/lib/string.c
fuzz_cmdline_SRCS	:= core/cmdline.c core/lib/parse.c core/lib/string.c
fuzz_format_SRCS	:=
fuzz_format_CFLAGS	:= -fno-builtin
test_acpi_SRCS		:= $(ACPI_SRCS)
fuzz_acpi_SRCS		:= $(ACPI_SRCS)
test_vmcs_SRCS		:= vmx/vmcs_names.c vmx/vmx_ctrl.c
test_config_SRCS	:= core/config.c core/config_values.c core/config_show.c core/lib/parse.c
fuzz_config_SRCS	:= core/config.c core/config_values.c core/config_show.c core/lib/parse.c
test_ept_SRCS		:= ept/ept.c ept/ptwalk.c
test_decode_SRCS	:= ept/decode.c
fuzz_decode_SRCS	:= ept/decode.c
test_mb1_SRCS		:= guests/mb1.c guests/mb1_info.c
fuzz_mb1_SRCS		:= guests/mb1.c guests/mb1_info.c
test_acpi_build_SRCS	:= guests/acpi_build.c $(ACPI_SRCS)
test_linux_SRCS		:= guests/linux.c guests/linux_pvh.c
fuzz_linux_SRCS		:= guests/linux.c guests/linux_pvh.c
test_bitmap_SRCS	:= vmx/bitmap.c
test_exits_SRCS		:= vmx/exit_table.c
test_cr_check_SRCS	:= vmx/cr_check.c
test_mitigate_SRCS	:= vmx/mitigate.c
test_smt_SRCS		:= core/smt.c
test_mb1info_SRCS	:= boot/mb1_parse.c drivers/acpi_rsdp.c
fuzz_mb1info_SRCS	:= boot/mb1_parse.c drivers/acpi_rsdp.c
test_vdev_uart_SRCS	:= guests/vdev_uart.c
fuzz_vdev_uart_SRCS	:= guests/vdev_uart.c
test_vdev_ioapic_SRCS	:= guests/vdev_ioapic.c
fuzz_vdev_ioapic_SRCS	:= guests/vdev_ioapic.c
test_vdev_pic_SRCS	:= guests/vdev_pic.c
fuzz_vdev_pic_SRCS	:= guests/vdev_pic.c
test_vdev_pit_SRCS	:= guests/vdev_pit.c
fuzz_vdev_pit_SRCS	:= guests/vdev_pit.c
test_vdev_acpi_pm_SRCS	:= guests/vdev_acpi_pm.c guests/vdev_pit.c guests/acpi_build.c
test_vdev_rtc_SRCS	:= guests/vdev_rtc.c
test_vdev_pci_SRCS	:= guests/vdev_pci.c guests/acpi_build.c
fuzz_vdev_pci_SRCS	:= guests/vdev_pci.c guests/acpi_build.c
VLAPIC_SRCS		:= guests/vdev_lapic.c guests/vdev_lapic_irq.c guests/vdev_lapic_timer.c
test_vdev_lapic_SRCS	:= $(VLAPIC_SRCS)
fuzz_vdev_lapic_SRCS	:= $(VLAPIC_SRCS)
test_console_mux_SRCS	:= core/console_mux.c
test_monitor_SRCS	:= core/monitor.c core/lib/string.c
fuzz_monitor_SRCS	:= core/monitor.c core/console_mux.c core/lib/string.c
test_runq_SRCS		:= core/runq.c
fuzz_runq_SRCS		:= core/runq.c
test_ioapic_SRCS	:= drivers/ioapic.c
# ---- end of the list -------------------------------------------------------------------------

FUZZ_TIME	?= 20
HOST_CC		?= gcc
FUZZ_CC		?= clang
TEST_BUILD	:= $(BUILD)/tests

HOST_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -DHV_HOST_TEST -D_DEFAULT_SOURCE \
	       -Iinclude -I. -Itests $(WARNINGS)
UNIT_CFLAGS := $(HOST_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(HOST_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

UNIT_NAMES := $(patsubst tests/%.c,%,$(sort $(wildcard tests/test_*.c)))
FUZZ_NAMES := $(patsubst tests/%.c,%,$(sort $(wildcard tests/fuzz_*.c)))
UNIT_BINS  := $(addprefix $(TEST_BUILD)/,$(UNIT_NAMES))
FUZZ_BINS  := $(addprefix $(TEST_BUILD)/,$(FUZZ_NAMES))
# Any header may matter to any test; rebuilding them all is cheap.
TEST_DEPS  := $(wildcard include/*/*.h tests/*.h core/lib/*.c) tests/host_stubs.c tests/tests.mk

# Fails with a message when program $1 has no _SRCS line; otherwise expands to nothing.
test_srcs_declared = $(if $(filter undefined,$(origin $(1)_SRCS)),\
	@echo "tests/tests.mk: tests/$(1).c has no '$(1)_SRCS := ...' line (see the top of tests/tests.mk)"; exit 1)

# Second expansion lets the prerequisites read the per-program _SRCS line wherever it is.
.SECONDEXPANSION:
$(TEST_BUILD)/test_%: tests/test_%.c $$(test_$$*_SRCS) $(TEST_DEPS)
	$(call test_srcs_declared,test_$*)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(UNIT_CFLAGS) $(test_$*_CFLAGS) -o $@ $< $(test_$*_SRCS) tests/host_stubs.c

$(TEST_BUILD)/fuzz_%: tests/fuzz_%.c $$(fuzz_$$*_SRCS) $(TEST_DEPS)
	$(call test_srcs_declared,fuzz_$*)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(fuzz_$*_CFLAGS) -o $@ $< $(fuzz_$*_SRCS) tests/host_stubs.c

.PHONY: unit fuzz unit-build fuzz-build
unit-build: $(UNIT_BINS)
fuzz-build: $(FUZZ_BINS)

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

fuzz: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/fuzz
	@sh tests/run-fuzz.sh $(FUZZ_TIME) $(BUILD)/fuzz $(FUZZ_BINS)
