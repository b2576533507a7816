# vigil — one entry point. `make help` lists the targets.
#
#   make            build build/vigil
#   make run        install what is missing, build, start the agent with rules/vigil_rules.yaml (root)
#   make test       install what is missing, build, run every test (root for the kernel tests)
#   make V=1 ...    show the commands

OUTPUT      ?= build
CC          ?= gcc
CLANG       ?= clang
BPFTOOL     ?= bpftool
PKG_CONFIG  ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')
VMLINUX_DIR := bpf/vmlinux/$(ARCH)
VMLINUX     := $(VMLINUX_DIR)/vmlinux.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARNINGS    := -Wall -Wextra -Werror
CFLAGS      ?= -g -O2
USER_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
               -Iinclude -Iuser -I$(OUTPUT) -DVIGIL_VERSION='"$(VERSION)"'
BPF_CFLAGS  := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARNINGS) -Wno-unused-parameter -MMD -MP \
               -I$(VMLINUX_DIR) -Iinclude -Ibpf
LIBS        := -lbpf -lelf -lz -ljansson -lcurl -lpthread -lyaml -lmicrohttpd

# The agent is every bpf/*.bpf.c but the feature probe, linked into one object.
# maps.bpf.c goes first: it defines the shared maps, and bpftool 7.1 (libbpf 1.1)
# misplaces them when a file with maps of its own is linked before it.
BPF_SRCS    := bpf/maps.bpf.c $(filter-out bpf/probe.bpf.c bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS    := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
USER_SRCS   := $(wildcard user/*.c)
USER_OBJS   := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
# What unit tests and fuzz targets may link: no skeletons, no main(), no libmicrohttpd.
CORE_SRCS   := $(filter-out user/main.c user/loader.c user/probe.c user/agent.c user/metrics_http.c,$(USER_SRCS))
SKELETONS   := $(OUTPUT)/vigil.skel.h $(OUTPUT)/probe.skel.h

# Debian packages for the build, then for the tests.
BUILD_DEPS := make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool libjansson-dev \
              libcurl4-openssl-dev libyaml-dev libmicrohttpd-dev
TEST_DEPS  := libcmocka-dev libclang-rt-14-dev docker.io busybox-static jq iproute2 procps openssl rsyslog \
              qemu-system-x86 curl systemd python3-yaml debootstrap runc

.PHONY: all deps run test unit-test integration-test fuzz-test fuzz bench clean vmlinux help install
.DEFAULT_GOAL := all

all: $(OUTPUT)/vigil

help:
	@sed -n '2,8p' Makefile | sed 's/^# \{0,1\}//'

# ---- dependencies ----

deps:
	$(Q)missing=$$(for p in $(BUILD_DEPS) $(TEST_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		[ "$$(id -u)" = 0 ] || { echo "deps: run as root to install:" $$missing >&2; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# ---- the BPF side ----

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The list of objects is a prerequisite too, so that removing a .bpf.c relinks.
BPF_LIST := $(OUTPUT)/bpf/objects.list
$(shell mkdir -p $(OUTPUT)/bpf && { echo '$(BPF_OBJS)' | cmp -s - $(BPF_LIST) || echo '$(BPF_OBJS)' > $(BPF_LIST); })

$(OUTPUT)/vigil.bpf.o: $(BPF_OBJS) $(BPF_LIST)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $(BPF_OBJS)

$(OUTPUT)/vigil.skel.h: $(OUTPUT)/vigil.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name vigil_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/probe.skel.h: $(OUTPUT)/bpf/probe.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name probe_bpf > $@.tmp && mv $@.tmp $@

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	$(call msg,GEN,$(VMLINUX))
	$(Q)mkdir -p $(VMLINUX_DIR)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX).tmp && mv $(VMLINUX).tmp $(VMLINUX)

# ---- the agent ----

$(OUTPUT)/user/%.o: user/%.c | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# Sources that include a generated header wait for it.
$(OUTPUT)/user/loader.o $(OUTPUT)/user/probe.o: $(SKELETONS)
$(OUTPUT)/user/event_fields.o: $(OUTPUT)/syscall_names.h

$(OUTPUT)/vigil: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# ---- running ----

run: deps all
	$(OUTPUT)/vigil run -r rules/vigil_rules.yaml

# ---- tests ----

# Tests build in one step from many sources: no dependency files, headers of the tests too.
TEST_HEADERS := $(wildcard include/*.h user/*.h tests/unit/*.h)
TEST_CFLAGS := $(filter-out -MMD -MP,$(USER_CFLAGS)) -Itests/unit
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZERS     := $(patsubst tests/fuzz/%.c,$(OUTPUT)/tests/%,$(wildcard tests/fuzz/fuzz_*.c))
HELPERS     := $(OUTPUT)/tests/helpers/vigil-helper
HELPER_SRCS := $(wildcard tests/helpers/vigil-helper/*.c)

# Unit tests: cmocka, under ASan and UBSan, with the agent's core sources.
$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(CORE_SRCS) $(TEST_HEADERS) $(OUTPUT)/syscall_names.h | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(CORE_SRCS) -lcmocka -ljansson -lcurl -lpthread -lyaml -lz

# Fuzz targets: libFuzzer with ASan and UBSan.
$(OUTPUT)/tests/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRCS) $(TEST_HEADERS) $(OUTPUT)/syscall_names.h | $(OUTPUT)/tests
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(TEST_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(CORE_SRCS) -ljansson -lcurl -lpthread -lyaml -lz

# The static multi-call helper the integration tests put into their container image.
$(OUTPUT)/tests/helpers/vigil-helper: $(HELPER_SRCS) $(wildcard tests/helpers/vigil-helper/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -static -o $@ $(HELPER_SRCS)

test: deps all $(UNIT_TESTS) $(FUZZERS) $(HELPERS)
	$(Q)OUTPUT=$(OUTPUT) tests/run.sh

unit-test: all $(UNIT_TESTS)
	$(Q)OUTPUT=$(OUTPUT) tests/run.sh unit

fuzz-test: $(FUZZERS)
	$(Q)OUTPUT=$(OUTPUT) tests/run.sh fuzz

integration-test: all $(HELPERS)
	$(Q)OUTPUT=$(OUTPUT) tests/run.sh integration

# A longer fuzzing session: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
fuzz: $(FUZZERS)
	$(Q)for f in $(FUZZERS); do \
		mkdir -p $(OUTPUT)/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) $(OUTPUT)/corpus/$$(basename $$f) tests/fuzz/corpus/$$(basename $$f) || exit 1; \
	done

# What vigil costs the workloads it watches, as ratios to a baseline in the same run.
# The userspace ceiling: decode + rules from a recorded stream, built as the agent is (no sanitizers).
$(OUTPUT)/bench/rules_throughput: bench/rules_throughput.c $(CORE_SRCS) $(TEST_HEADERS) $(OUTPUT)/syscall_names.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(USER_CFLAGS)) -o $@ $< $(CORE_SRCS) $(LIBS)

# Capture write cost and replay throughput, from a capture file, built the same way.
$(OUTPUT)/bench/capture_throughput: bench/capture_throughput.c $(CORE_SRCS) $(TEST_HEADERS) $(OUTPUT)/syscall_names.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(USER_CFLAGS)) -o $@ $< $(CORE_SRCS) $(LIBS)

bench: deps all $(HELPERS) $(OUTPUT)/bench/rules_throughput $(OUTPUT)/bench/capture_throughput
	$(Q)OUTPUT=$(OUTPUT) bench/run.sh

# A host service: the binary, the default rules, the config (kept if there is one) and the
# systemd unit. DESTDIR for packaging; then `systemctl daemon-reload && systemctl enable --now vigil`.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= /etc/systemd/system
install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/bin/vigil)
	$(Q)install -D -m 0755 $(OUTPUT)/vigil $(DESTDIR)$(PREFIX)/bin/vigil
	$(Q)install -D -m 0644 rules/vigil_rules.yaml $(DESTDIR)$(SYSCONFDIR)/vigil/vigil_rules.yaml
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml ] || \
		install -D -m 0644 deploy/vigil.yaml $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml
	$(Q)install -D -m 0644 deploy/systemd/vigil.service $(DESTDIR)$(UNITDIR)/vigil.service
	$(Q)install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/vigil/README.md

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/user/*.d)

include tests/vm/vm.mk

# The x86_64 system call names, from the kernel's uapi header, for "the syscall that asked".
UNISTD_H ?= $(firstword $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h))
$(OUTPUT)/syscall_names.h: $(UNISTD_H) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q){ echo '/* Generated from $(UNISTD_H) by the Makefile. */'; \
	  echo 'static const char *const syscall_names[] = {'; \
	  sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\t[\2] = "\1",/p' $<; \
	  echo '};'; } > $@.tmp && mv $@.tmp $@
