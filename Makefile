# regie — build, test, demo, benchmark and install.
#
#   make              build everything into $(BUILD)/
#   make test         install missing packages, build, run all tests
#   make demo         install missing packages, build, run the demo
#   make bench        intake benchmark against a same-run SQLite baseline
#   make check-asan   the test suite under AddressSanitizer + UBSan
#   make memcheck     the daemon's lifecycle under valgrind
#   make install      PREFIX=/usr/local DESTDIR= (Debian-style)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR     ?= $(PREFIX)/share/doc/regie
DESTDIR    ?=

BUILD   ?= build
CC      ?= gcc
VERSION := 0.1.0

PKGS    := libzmq libsodium jansson libconfig sqlite3 libsystemd \
           libesmtp-1.0 libxml-2.0 openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  += -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) \
           -DREGIE_VERSION='"$(VERSION)"' -Idaemon -Iadapters $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# The daemon's modules form one static library; the mains link it.
DAEMON_MAINS := daemon/regied.c daemon/regiectl.c daemon/regie-keygen.c
LIB_SRC  := $(filter-out $(DAEMON_MAINS),$(wildcard daemon/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libregie.a

# Adapters share adapter.c (and its friends); every other file is a main.
ADAPTER_LIB_SRC := $(filter-out adapters/regie-%.c,$(wildcard adapters/*.c))
ADAPTER_LIB_OBJ := $(ADAPTER_LIB_SRC:%.c=$(BUILD)/%.o)
ADAPTER_MAINS   := $(wildcard adapters/regie-*.c)

DAEMON_BINS  := $(patsubst daemon/%.c,$(BUILD)/%,$(wildcard $(DAEMON_MAINS)))
ADAPTER_BINS := $(patsubst adapters/%.c,$(BUILD)/%,$(ADAPTER_MAINS))
BINS         := $(DAEMON_BINS) $(ADAPTER_BINS)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
BENCH_SRC  := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all deps test unit demo bench check-asan memcheck install \
        uninstall clean format

all: $(BINS) $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS)

# Install missing packages first when a library is not there.
deps:
	@pkg-config --exists $(PKGS) cmocka && \
	  command -v openssl sqlite3 >/dev/null && \
	  test -e /usr/share/zoneinfo/Europe/Amsterdam && \
	  /usr/bin/python3 -c 'import zmq, aiosmtpd, pytest' 2>/dev/null || \
	  scripts/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ) $(ADAPTER_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(DAEMON_BINS): $(BUILD)/%: $(BUILD)/daemon/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(ADAPTER_BINS): $(BUILD)/%: $(BUILD)/adapters/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(TOOL_BINS): $(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BENCH_BINS): $(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

test: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/run-tests

unit: all
	BUILD=$(BUILD) scripts/run-tests --unit-only

demo: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/demo
	BUILD=$(BUILD) scripts/demo-spool

bench: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/bench

check-asan: deps
	$(MAKE) BUILD=build-asan SAN=1 OPT="-O1 -g" all
	BUILD=build-asan REGIE_SANITIZED=1 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  scripts/run-tests

memcheck: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/memcheck

install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/regie/templates $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BUILD)/regied $(DESTDIR)$(SBINDIR)/regied
	for b in $(filter-out $(BUILD)/regied,$(BINS)); do \
	  install -m 0755 $$b $(DESTDIR)$(BINDIR)/; done
	install -m 0644 config/regie.conf $(DESTDIR)$(DOCDIR)/regie.conf.example
	install -m 0644 config/regie-spool.conf \
	  $(DESTDIR)$(DOCDIR)/regie-spool.conf.example
	install -m 0644 config/regie-ijw.conf \
	  $(DESTDIR)$(DOCDIR)/regie-ijw.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/regie/regie.conf || \
	  install -m 0640 config/regie.conf $(DESTDIR)$(SYSCONFDIR)/regie/regie.conf
	for t in config/templates/*.txt; do \
	  [ -e "$$t" ] || continue; \
	  install -m 0644 $$t $(DESTDIR)$(SYSCONFDIR)/regie/templates/; done
	for u in systemd/*.service; do \
	  sed 's|@SBINDIR@|$(SBINDIR)|g; s|@BINDIR@|$(BINDIR)|g' $$u \
	    > $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	install -m 0644 systemd/regie.sysusers \
	  $(DESTDIR)$(SYSUSERSDIR)/regie.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/regied
	for b in $(notdir $(filter-out $(BUILD)/regied,$(BINS))); do \
	  rm -f $(DESTDIR)$(BINDIR)/$$b; done
	for u in systemd/*.service; do \
	  rm -f $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	rm -f $(DESTDIR)$(SYSUSERSDIR)/regie.conf
	rm -rf $(DESTDIR)$(DOCDIR)

format:
	clang-format -i daemon/*.[ch] adapters/*.[ch] tests/unit/*.c \
	  tests/bench/*.c

clean:
	rm -rf build build-asan

.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
