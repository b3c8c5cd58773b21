# test-qemu/test-qemu.mk - the emulator tests, the static checks and the demo.
#
#   make test-qemu     every case of test-qemu/cases.txt (QEMU and Bochs boots)
#                      CASES="glob ..." runs only the cases whose names match
#   make check         fast iteration: unit tests, format-check, cppcheck and the
#                      QEMU-only cases marked "quick"
#   make test          everything: unit tests, fuzz smoke runs, format-check,
#                      cppcheck and every emulator case (what CI runs)
#   make run           build and boot the demo (test-qemu/configs/demo.cfg: test
#                      guests in partitions) with its console on this terminal
#   make format        reformat every .c/.h file with the tree's .clang-format
#   make format-check  fail (and show the diff) if any file is not formatted
#   make cppcheck      static analysis of the hypervisor sources
#
# check, test and run first install any missing Debian package
# (tools/install-deps.sh; a no-op when everything is there) and then run their
# steps in order with sub-makes, so a failing step stops the target early and
# `make -j2` never runs the steps out of order.

CASES ?=

# Every C source and header of the tree except build output.
FORMAT_FILES = $(shell find . \( -path './$(BUILD)' -o -path ./build -o -path ./.git \) -prune \
		-o -type f \( -name '*.c' -o -name '*.h' \) -print | sort)

# The hypervisor sources (both boot paths and the core) and the host tools that
# share its code.  -D__x86_64__ checks the one configuration that is built.
CPPCHECK_DIRS  := core arch drivers vmx ept guests boot tools
CPPCHECK_FLAGS := -q --std=c11 --enable=warning,portability,performance --error-exitcode=1 \
		  --inline-suppr --suppressions-list=tools/cppcheck.supp -Iinclude -I. -D__x86_64__

.PHONY: test-qemu format cppcheck

# What the cases boot: the images, the test guests their "file" lines name
# (guests/guests.mk), and hvcfg, which `make usb`/`make pxe` media need.
TEST_QEMU_NEEDS := all iso guests tools guest-kernel guest-kernel-shared

# The stock Debian kernel and busybox initramfs the bochs-linux-* cases boot
# (tools/fetch-guest-kernel.sh: apt-get download, never installed here).
.PHONY: guest-kernel guest-kernel-shared
guest-kernel:
	@OUT=$(abspath $(BUILD))/guest-kernel tools/fetch-guest-kernel.sh

# The same kernel with test-qemu/linux-shared-init as /init ([bochs-linux-shared]):
# the kernel files are linked from guest-kernel, so nothing is downloaded twice.
guest-kernel-shared: guest-kernel
	@mkdir -p $(BUILD)/guest-kernel-shared
	@for f in vmlinuz vmlinux version; do \
		[ ! -e $(BUILD)/guest-kernel/$$f ] || ln -f $(BUILD)/guest-kernel/$$f $(BUILD)/guest-kernel-shared/$$f; \
	done
	@OUT=$(abspath $(BUILD))/guest-kernel-shared tools/fetch-guest-kernel.sh test-qemu/linux-shared-init

test-qemu: $(TEST_QEMU_NEEDS)
	BUILD=$(BUILD) test-qemu/run.sh $(CASES)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files formatted"

cppcheck:
	cppcheck $(CPPCHECK_FLAGS) $(CPPCHECK_DIRS)

check:
	@tools/install-deps.sh
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory format-check cppcheck
	$(MAKE) --no-print-directory $(TEST_QEMU_NEEDS)
	BUILD=$(BUILD) test-qemu/run.sh --quick

# Every stage of `make test` records "stage passed failed skipped" in
# TEST_SUMMARY; the last line of the run is the total over all stages.
TEST_SUMMARY = $(abspath $(BUILD))/test-summary.txt

test: export HV_SUMMARY_FILE = $(TEST_SUMMARY)
test:
	@tools/install-deps.sh
	@mkdir -p $(BUILD) && rm -f $(TEST_SUMMARY)
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory format-check cppcheck
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory test-qemu
	@tools/test-summary.sh $(TEST_SUMMARY)

run:
	@tools/install-deps.sh
	$(MAKE) --no-print-directory all iso guests tools guest-kernel
	BUILD=$(BUILD) test-qemu/demo.sh

# `make bench`: VM-exit round trips (CPUID, VMCALL, port I/O, MSR read/write,
# emulated MMIO) timed by the guest guests/tests/h10_bench.c in Bochs (case
# [bochs-bench]); prints its "BENCH <op>: min N median N" lines (guest TSC ticks).
# Then the cost of switching between two vCPUs sharing one CPU, measured by
# the hypervisor in [bochs-guests-shared] (docs/scheduler.md).
# Then the Linux figures (cases of test-qemu/bench-cases.txt, not run by
# `make test`; about 15 minutes): boot time and exits per second idle and
# busy, with APIC virtualization and without (apicv=off), "BENCH linux ..." lines from test-qemu/bench-linux.sh, printed even
# when a guest's checks failed (a WARNING in its kernel log does not make its
# timing meaningless); make then fails after them.
bench: all iso guests guest-kernel
	BUILD=$(BUILD) test-qemu/run.sh bochs-bench
	@sed -n 's/^bench: BENCH //p' $(BUILD)/test-qemu/bochs-bench/serial.txt
	BUILD=$(BUILD) test-qemu/run.sh bochs-guests-shared
	@sed -n 's/^hv: cpu [0-9]*: context switch min \([0-9]*\) median \([0-9]*\) tsc ticks.*/ctxswitch: min \1 median \2 (host TSC ticks, vCPU to vCPU on one CPU)/p' \
	    $(BUILD)/test-qemu/bochs-guests-shared/serial.txt | head -n 1
	CASES_FILE=test-qemu/bench-cases.txt BUILD=$(BUILD) test-qemu/run.sh 'bochs-bench-linux*'; \
	rc=$$?; test-qemu/bench-linux.sh $(BUILD)/test-qemu/bochs-bench-linux-boot/serial.txt \
		$(BUILD)/test-qemu/bochs-bench-linux/serial.txt \
		$(BUILD)/test-qemu/bochs-bench-linux-noapicv/serial.txt && exit $$rc
