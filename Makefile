# regie — build, test, demo, benchmark and install.
#
#   make              build everything into $(BUILD)/
#   make test         install missing packages, build, run all tests
#   make demo         install missing packages, build, run the demo
#   make bench        intake benchmark against a same-run SQLite baseline
#                     and RabbitMQ (installs rabbitmq-server for that)
#   make check-asan   the test suite under AddressSanitizer + UBSan
#   make memcheck     the daemon's lifecycle under valgrind
#   make faults       long fault runs: kill -9, power loss, full disk,
#                     connection flood (scripts/faults; never make test)
#   make install      PREFIX=/usr/local DESTDIR= (Debian-style)
#   make fuzz         each fuzz target under libFuzzer for FUZZ_SECONDS
#                     (clang, build-fuzz/; see scripts/fuzz)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DATADIR    ?= $(PREFIX)/share
DOCDIR     ?= $(DATADIR)/doc/regie
MANDIR     ?= $(DATADIR)/man
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR    ?=

BUILD   ?= build
CC      ?= gcc
VERSION := 0.1.0

PKGS    := libzmq libsodium jansson libconfig sqlite3 libsystemd \
           libesmtp-1.0 libxml-2.0 openssl cairo
# cairo draws the digest's chart (daemon/mon/chartpng.c): only that file
# sees its headers, and only what links the daemon's parts links it
# (regied, the tests and tools), not regiectl, the adapters or keygen.
CAIRO_PKGS := cairo
PKG_CFLAGS := $(shell pkg-config --cflags $(filter-out $(CAIRO_PKGS),$(PKGS)) \
                2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(filter-out $(CAIRO_PKGS),$(PKGS)) \
                2>/dev/null)
CAIRO_CFLAGS := $(shell pkg-config --cflags $(CAIRO_PKGS) 2>/dev/null)
CAIRO_LIBS   := $(shell pkg-config --libs $(CAIRO_PKGS) 2>/dev/null)

OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  += -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) \
           -DREGIE_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

# FUZZ=1 (scripts/fuzz, with CC=clang BUILD=build-fuzz): everything
# instrumented for libFuzzer, ASan and UBSan (UB is a crash).
ifeq ($(FUZZ),1)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined \
           -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# synchronous=NORMAL in store.c is for the power-loss test's control
# binary only ($(BUILD)/faults/regied-normal, below): no build of regied
# may define it.
ifneq ($(findstring REGIE_FAULTS_SYNC_NORMAL,$(CFLAGS) $(CPPFLAGS)),)
$(error REGIE_FAULTS_SYNC_NORMAL is for $(BUILD)/faults/regied-normal only)
endif

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# The layout (see README "Architecture"): one static library per folder,
# and each folder sees only the headers its -I flags give it, so the
# compiler enforces "adapters and regiectl reach the daemon only over the
# wire". scripts/check-layout checks the finer rules (scripts/layout).
DAEMON_PARTS := config store cases mail agree mon intake control
# Link order: a part before the parts it uses.
DAEMON_LINK  := control intake mon agree mail cases store config
FOLDERS      := lib $(addprefix daemon/,$(DAEMON_PARTS)) adapters regiectl

# Every .c of a folder that is not a main goes into the folder's library.
MAINS := daemon/regied.c tools/regie-keygen.c regiectl/regiectl.c \
         $(wildcard adapters/regie-*.c)
lib_of  = $(BUILD)/a/$(subst /,-,$(1)).a
src_of  = $(filter-out $(MAINS),$(wildcard $(1)/*.c))
obj_of  = $(patsubst %.c,$(BUILD)/obj/%.o,$(call src_of,$(1)))
ARCHIVES := $(foreach f,$(FOLDERS),$(call lib_of,$(f)))

LIB_A      := $(call lib_of,lib)
DAEMON_A   := $(foreach p,$(DAEMON_LINK),$(call lib_of,daemon/$(p)))
ADAPTERS_A := $(call lib_of,adapters)
REGIECTL_A := $(call lib_of,regiectl)
DAEMON_TOP := $(BUILD)/obj/daemon/server.o

# Include paths per folder: lib/ sees only itself; the daemon sees lib/
# and its own parts (as "part/x.h"); adapters, regiectl and tools see
# lib/ only. Tests see what the folder they test sees.
INC_LIB    := -Ilib
INC_DAEMON := -Ilib -Idaemon
# A unit test sees what the folder it tests sees, and that folder.
INC_TESTS  := -Ilib -Idaemon -Itests/bench

BINS := $(BUILD)/regied $(BUILD)/regiectl $(BUILD)/regie-keygen \
        $(patsubst adapters/%.c,$(BUILD)/%,$(wildcard adapters/regie-*.c))

UNIT_SRC  := $(shell find tests/unit -name 'test_*.c' | sort)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
# bench_amqp, the RabbitMQ publisher of `make bench`, needs rabbitmq-c
# (librabbitmq), which only scripts/install-bench-deps installs: it is
# part of `all` where librabbitmq is there, and `make bench` builds it.
AMQP_BIN   := $(BUILD)/bench/bench_amqp
HAVE_AMQP  := $(shell pkg-config --exists librabbitmq 2>/dev/null && echo 1)
BENCH_SRC  := $(filter-out tests/bench/bench_amqp.c, \
                $(wildcard tests/bench/*.c))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC)) \
              $(if $(HAVE_AMQP),$(AMQP_BIN))
# Fuzz targets (tests/fuzz/fuzz_<target>.c): a replayer per target for
# make test (normal compiler), a libFuzzer binary per target for
# scripts/fuzz (FUZZ=1, clang).
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS := $(addprefix $(BUILD)/fuzz/replay_,$(FUZZ_NAMES))
FUZZ_BINS   := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_UTIL   := $(BUILD)/obj/tests/fuzz/fuzzutil.o
FUZZ_SECONDS ?= 60

# A target whose recipe failed is removed, never left half-written and
# newer than what it was made from.
.DELETE_ON_ERROR:

.PHONY: all deps bench-deps test unit demo bench check-asan memcheck \
        install uninstall clean format check-layout check-install-system \
        fuzz fuzz-bins faults

all: $(BINS) $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS) $(REPLAY_BINS)

# Install missing packages first when a library is not there.
deps:
	@pkg-config --exists $(PKGS) cmocka && \
	  command -v openssl sqlite3 man systemd-analyze >/dev/null && \
	  test -x /bin/kill && \
	  test -e /usr/share/zoneinfo/Europe/Amsterdam && \
	  test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf && \
	  /usr/bin/python3 -c 'import zmq, aiosmtpd, pytest' 2>/dev/null || \
	  scripts/install-deps

# What only `make bench` needs (RabbitMQ, rabbitmq-c); never `make test`.
bench-deps:
	@pkg-config --exists librabbitmq && command -v ss >/dev/null && \
	  test -x /usr/lib/rabbitmq/bin/rabbitmq-server || \
	  scripts/install-bench-deps

$(BUILD)/obj/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -MMD -MP -c -o $@ $<

# The shipped templates' folder is compiled in: rebuild when it changes.
TEMPLATES_DIR := $(DATADIR)/regie/templates
$(BUILD)/templates-dir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(TEMPLATES_DIR)' | cmp -s - $@ || echo '$(TEMPLATES_DIR)' > $@
$(BUILD)/obj/daemon/config/cfgmail.o: $(BUILD)/templates-dir
$(BUILD)/obj/daemon/config/cfgmail.o: CFLAGS += \
  -DREGIE_TEMPLATES_DIR='"$(TEMPLATES_DIR)"'
.PHONY: FORCE

$(BUILD)/obj/daemon/mon/chartpng.o: CFLAGS += $(CAIRO_CFLAGS)

$(BUILD)/obj/daemon/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_DAEMON) -MMD -MP -c -o $@ $<

$(BUILD)/obj/adapters/%.o: adapters/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -MMD -MP -c -o $@ $<

$(BUILD)/obj/regiectl/%.o: regiectl/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/unit/lib/%.o: tests/unit/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/unit/adapters/%.o: tests/unit/adapters/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -Iadapters -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/unit/regiectl/%.o: tests/unit/regiectl/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_LIB) -Iregiectl -MMD -MP -c -o $@ $<

# The fuzz targets test the daemon's parsers and the adapters' readers.
$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_TESTS) -Iadapters -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_TESTS) -MMD -MP -c -o $@ $<

define archive_rule
$(call lib_of,$(1)): $(call obj_of,$(1))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach f,$(FOLDERS),$(eval $(call archive_rule,$(f))))

$(BUILD)/regied: $(BUILD)/obj/daemon/regied.o $(DAEMON_TOP) $(DAEMON_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CAIRO_LIBS)

$(BUILD)/regiectl: $(BUILD)/obj/regiectl/regiectl.o $(REGIECTL_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/regie-keygen: $(BUILD)/obj/tools/regie-keygen.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/regie-%: $(BUILD)/obj/adapters/regie-%.o $(ADAPTERS_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests and tools link whatever they test; the linker takes what it needs.
TEST_A := $(DAEMON_TOP) $(DAEMON_A) $(REGIECTL_A) $(ADAPTERS_A) $(LIB_A)

$(UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CAIRO_LIBS) -lcmocka

$(TOOL_BINS): $(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(TEST_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CAIRO_LIBS)

$(filter-out $(AMQP_BIN),$(BENCH_BINS)): $(BUILD)/bench/%: \
    $(BUILD)/obj/tests/bench/%.o $(TEST_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CAIRO_LIBS)

$(BUILD)/obj/tests/bench/bench_amqp.o: CFLAGS += \
    $(shell pkg-config --cflags librabbitmq 2>/dev/null)
$(AMQP_BIN): $(BUILD)/obj/tests/bench/bench_amqp.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) \
	  $(shell pkg-config --libs librabbitmq 2>/dev/null || echo -lrabbitmq)

$(REPLAY_BINS): $(BUILD)/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/replay.o \
                $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_UTIL) $(TEST_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CAIRO_LIBS)

fuzz-bins: $(FUZZ_BINS)

$(FUZZ_BINS): $(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o \
              $(FUZZ_UTIL) $(TEST_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(CAIRO_LIBS)

# What only `make faults` builds, into $(BUILD)/faults: the power-cut
# shim (LD_PRELOAD into regied) and its restore tool, both from
# tests/faults/powercut.c; regied-normal, the power-loss test's control:
# regied with store.c at synchronous=NORMAL, which must lose acknowledged
# referrals; noguard.so, the disk-full test's control (statvfs reports
# an empty disk, so the space guard never refuses).
FAULTS_DIR    := $(BUILD)/faults
FAULTS_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN)
FAULTS_BINS   := $(FAULTS_DIR)/powercut.so $(FAULTS_DIR)/powercut-restore \
                 $(FAULTS_DIR)/noguard.so \
                 $(FAULTS_DIR)/regied-normal
STORE_A        := $(call lib_of,daemon/store)
NORMAL_STORE_A := $(FAULTS_DIR)/daemon-store-normal.a

$(FAULTS_DIR)/powercut.so: tests/faults/powercut.c
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) -fPIC -shared -o $@ $< -ldl -lpthread

$(FAULTS_DIR)/powercut-restore: tests/faults/powercut.c
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) -DPOWERCUT_RESTORE -o $@ $<

$(FAULTS_DIR)/noguard.so: tests/faults/noguard.c
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) -fPIC -shared -o $@ $< -ldl

$(FAULTS_DIR)/obj/store-normal.o: daemon/store/store.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DREGIE_FAULTS_SYNC_NORMAL $(INC_DAEMON) -MMD -MP \
	  -c -o $@ $<

$(NORMAL_STORE_A): $(FAULTS_DIR)/obj/store-normal.o \
    $(filter-out $(BUILD)/obj/daemon/store/store.o, \
      $(call obj_of,daemon/store))
	@rm -f $@
	$(AR) rcs $@ $^

$(FAULTS_DIR)/regied-normal: $(BUILD)/obj/daemon/regied.o $(DAEMON_TOP) \
    $(patsubst $(STORE_A),$(NORMAL_STORE_A),$(DAEMON_A)) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CAIRO_LIBS)

faults: deps
	$(MAKE) all $(FAULTS_BINS)
	BUILD=$(BUILD) FAULTS='$(FAULTS)' LOOPS='$(LOOPS)' scripts/faults

check-layout:
	/usr/bin/python3 scripts/check-layout

test: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/run-tests

unit: all
	BUILD=$(BUILD) scripts/run-tests --unit-only

demo: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/demo
	BUILD=$(BUILD) scripts/demo-spool

bench: deps bench-deps
	$(MAKE) all $(AMQP_BIN)
	BUILD=$(BUILD) scripts/bench

check-asan: deps
	$(MAKE) BUILD=build-asan SAN=1 OPT="-O1 -g" all
	BUILD=build-asan REGIE_SANITIZED=1 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  scripts/run-tests

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" scripts/fuzz

memcheck: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/memcheck

# make install / make uninstall: see scripts/install (never overwrites an
# edited configuration or template; uninstall removes what install made).
INSTALL_VARS := BUILD='$(BUILD)' PREFIX='$(PREFIX)' BINDIR='$(BINDIR)' \
  SBINDIR='$(SBINDIR)' SYSCONFDIR='$(SYSCONFDIR)' UNITDIR='$(UNITDIR)' \
  SYSUSERSDIR='$(SYSUSERSDIR)' TMPFILESDIR='$(TMPFILESDIR)' \
  DATADIR='$(DATADIR)' MANDIR='$(MANDIR)' DOCDIR='$(DOCDIR)' \
  COMPLETIONDIR='$(COMPLETIONDIR)' DESTDIR='$(DESTDIR)'

install: $(BINS)
	$(INSTALL_VARS) scripts/install

uninstall:
	$(INSTALL_VARS) scripts/install --uninstall

# The README's install followed for real on this machine (root).
check-install-system: all
	BUILD=$(BUILD) scripts/check-install-system

format:
	clang-format -i $$(find lib daemon adapters regiectl tools tests \
	  -name '*.[ch]')

clean:
	rm -rf build build-asan build-fuzz

.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
