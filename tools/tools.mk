# tools/tools.mk - host tools and the dependency installer.
#
#   make deps   install the Debian packages the build and the tests need
#               (a no-op when everything is there; see tools/install-deps.sh)

deps:
	tools/install-deps.sh

# ---- hvcfg: check and show hv.cfg on the host (docs/config.md) ----------------------------
#   make tools              build $(BUILD)/tools/hvcfg
#   make hvcfg-check        run it on every file of tests/configs/ (part of `make unit`)
# The parser is the hypervisor's own core/config*.c, built for the host with -DHV_HOST_TEST
# (include/hv/lib.h then takes mem*, str* and printf from the C library; see tests/tests.mk).
HOST_CC		?= gcc
HVCFG_SRCS	:= tools/hvcfg.c core/config.c core/config_values.c core/config_show.c \
		   core/lib/parse.c
HVCFG_CFLAGS	:= -std=c11 -O2 -g -DHV_HOST_TEST -D_DEFAULT_SOURCE -Iinclude -I. $(WARNINGS)

.PHONY: tools hvcfg-check
tools: $(BUILD)/tools/hvcfg

$(BUILD)/tools/hvcfg: $(HVCFG_SRCS) core/config_internal.h $(wildcard include/hv/*.h) tools/tools.mk
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HVCFG_CFLAGS) -o $@ $(HVCFG_SRCS)

hvcfg-check: $(BUILD)/tools/hvcfg
	@sh tests/hvcfg-check.sh $(BUILD)/tools/hvcfg tests/configs

unit: hvcfg-check
