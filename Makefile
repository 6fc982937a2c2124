# teev - Keylime-compatible attestation verifier. Plain make, pkg-config.
#
#   make            build build/teev
#   make run        install missing packages, build, create a dev CA, serve
#   make demo       a passing SEV-SNP verdict from forged evidence and a throwaway
#                   server (NOT FOR PRODUCTION: fake AMD roots, in var/demo/)
#   make test       install missing packages, build, replay the fuzz corpora, run unit +
#                   integration tests (make fuzz, make lint: see tests/fuzz/)
#   make asan       the test suite under AddressSanitizer + UBSan (make ubsan: UBSan only)
#   make valgrind   the integration suite with the server under valgrind's memcheck
#   make compat     differential check against upstream Keylime 7.14.3 (tests/compat/)
#   make install    build/teev and its man page into $(DESTDIR)$(PREFIX) (default /usr/local)
#   make man        regenerate man/teev.1 from `teev help --man`
#
#   make P384=openssl   build without nettle: the SNP report signature through
#                       OpenSSL (default P384=nettle, see verifier/p384.h); works
#                       with every target; switching rebuilds what depends on it

CC ?= cc
BUILD ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKGS := libmicrohttpd gnutls openssl json-c sqlite3 libcurl libpcre2-8
TEST_PKGS := cmocka

# The SNP report's ECDSA P-384 check: nettle (hogweed, already linked under
# GnuTLS; about twice OpenSSL 3.0's speed) or OpenSSL alone.
P384 ?= nettle
ifeq ($(P384),nettle)
PKGS += hogweed nettle gmp
else ifneq ($(P384),openssl)
$(error P384 must be nettle or openssl, not "$(P384)")
endif

# pkg-config runs once, and only when a rule needs it (after deps are installed).
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
TEST_CFLAGS = $(eval TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS)))$(TEST_CFLAGS)
TEST_LIBS = $(eval TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS)))$(TEST_LIBS)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(SANITIZE) -I. -I$(BUILD)/gen $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANITIZE) -pthread

LIB_SRCS := $(wildcard verifier/*.c policy/*.c db/*.c) certs/ca_tool.c \
	$(filter-out server/main.c,$(wildcard server/*.c))
# Signed results: JOSE and a strict JSON parse in lib/, the EAR in evidence/,
# the result-signing keys beside the CA tool ($(sort) also drops repeats).
LIB_SRCS := $(sort $(LIB_SRCS) $(wildcard lib/*.c evidence/*.c) certs/result_keys.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/amd_roots.o \
	$(BUILD)/obj/gen/intel_roots.o
AMD_PEMS := $(sort $(wildcard certs/amd/*.pem))
INTEL_PEMS := $(sort $(wildcard certs/intel/*.pem))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEGRATION_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
SUPPORT_TESTS := $(BUILD)/tests/test_snp_forge $(BUILD)/tests/test_tdx_forge
ALL_TESTS := $(UNIT_TESTS) $(SUPPORT_TESTS) $(INTEGRATION_TESTS)

.PHONY: all run test check deps deps-run deps-demo deps-test clean asan ubsan valgrind tests \
	install man demo
# Keep object files of pattern-built tests: no rebuilds, and no "rm" after the summary.
.SECONDARY:
all: $(BUILD)/teev

$(BUILD)/gen/amd_roots.c: certs/embed-pem.sh $(AMD_PEMS)
	@mkdir -p $(@D)
	sh certs/embed-pem.sh $(AMD_PEMS) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/intel_roots.c: certs/embed-pem.sh $(INTEL_PEMS)
	@mkdir -p $(@D)
	sh certs/embed-pem.sh --prefix intel_root $(INTEL_PEMS) >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The P384 choice as a header (any build folder, the fuzzers' too). Rewritten
# only when the choice changes, so switching rebuilds exactly what includes it
# (through the .d files) and nothing otherwise.
.PHONY: FORCE
%/gen/p384_config.h: FORCE
	@mkdir -p $(@D)
	@echo '#define TEEV_P384_NETTLE $(if $(filter nettle,$(P384)),1,0)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/p384_config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libteev.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/teev: $(BUILD)/obj/server/main.o $(BUILD)/libteev.a
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

# Test support, independent of teev's own code: the SNP, TPM and TDX forges
# build evidence, the fake KDS serves certificates over plain HTTP on loopback.
FORGE_OBJS := $(BUILD)/obj/tests/support/snp_forge.o $(BUILD)/obj/tests/support/fake_kds.o \
	$(BUILD)/obj/tests/support/tpm_forge.o $(BUILD)/obj/tests/support/tdx_forge.o
TEST_SUPPORT_OBJS := $(BUILD)/obj/tests/support/test_cleanup.o $(BUILD)/obj/tests/support/jose_testing.o
$(BUILD)/snp-forge: $(BUILD)/obj/tests/support/snp_forge_main.o $(BUILD)/obj/tests/support/snp_forge.o
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@
$(BUILD)/fake-kds: $(BUILD)/obj/tests/support/fake_kds_main.o $(BUILD)/obj/tests/support/fake_kds.o
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@
$(BUILD)/tdx-forge: $(BUILD)/obj/tests/support/tdx_forge_main.o $(BUILD)/obj/tests/support/tdx_forge.o
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/obj/tests/%.o: tests/%.c | $(BUILD)/gen/p384_config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/test_snp_forge: $(BUILD)/obj/tests/support/test_snp_forge.o $(FORGE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(TEST_LIBS) $(PKG_LIBS) -o $@
$(BUILD)/tests/test_tdx_forge: $(BUILD)/obj/tests/support/test_tdx_forge.o $(FORGE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(TEST_LIBS) $(PKG_LIBS) -o $@

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(TEST_SUPPORT_OBJS) $(BUILD)/libteev.a $(FORGE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(TEST_LIBS) $(PKG_LIBS) -o $@

INTEGRATION_SUPPORT := $(BUILD)/obj/tests/integration/harness.o $(BUILD)/obj/tests/integration/swtpm.o
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/integration/test_%.o $(INTEGRATION_SUPPORT) $(BUILD)/libteev.a $(FORGE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(TEST_LIBS) $(PKG_LIBS) -o $@

tests: $(BUILD)/teev $(BUILD)/snp-forge $(BUILD)/tdx-forge $(BUILD)/fake-kds $(ALL_TESTS)

# `make test` installs what is missing first, then builds and runs in a
# sub-make, so pkg-config sees freshly installed libraries.
test: deps-test
	$(MAKE) --no-print-directory fuzz-regress
	$(MAKE) --no-print-directory check

check: tests
	TEEV_BIN=$(abspath $(BUILD)/teev) SNP_FORGE=$(abspath $(BUILD)/snp-forge) \
	TDX_FORGE=$(abspath $(BUILD)/tdx-forge) \
	SHARED_DIR=$(abspath ../shared) sh tests/run-tests.sh $(ALL_TESTS)

asan:
	$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

ubsan:
	$(MAKE) --no-print-directory BUILD=build-ubsan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANITIZE="-fsanitize=undefined -fno-sanitize-recover=undefined" check

# The integration suite with every teev process under valgrind's memcheck
# (about 30 minutes on 2 cores; not part of make test). Fails on a failed
# test, a memory error or a definitely-lost block; one log per process in
# $(BUILD)/valgrind. The memcheck report is printed even when a test fails.
valgrind: deps-test all tests
	@rm -rf $(BUILD)/valgrind && mkdir -p $(BUILD)/valgrind
	@status=0; \
	VALGRIND_LOGS=$(abspath $(BUILD)/valgrind) TEEV_REAL_BIN=$(abspath $(BUILD)/teev) \
	TEEV_BIN=$(abspath tests/valgrind/teev.sh) SNP_FORGE=$(abspath $(BUILD)/snp-forge) \
	TDX_FORGE=$(abspath $(BUILD)/tdx-forge) \
	SHARED_DIR=$(abspath ../shared) sh tests/run-tests.sh $(INTEGRATION_TESTS) || status=1; \
	sh tests/valgrind/report.sh $(BUILD)/valgrind || status=1; \
	exit $$status

deps:
	sh deploy/install-deps.sh build

deps-run:
	sh deploy/install-deps.sh run

deps-demo:
	sh deploy/install-deps.sh demo

deps-test:
	sh deploy/install-deps.sh test

# A development setup: CA folder, database and a permissive "default" SNP
# policy under var/, serving on loopback only.
run: deps-run
	$(MAKE) --no-print-directory all
	$(BUILD)/teev certs init var/cv_ca
	@$(BUILD)/teev policy show --kind snp default --config config/verifier.conf >/dev/null 2>&1 || \
		$(BUILD)/teev policy add --kind snp default config/examples/snp-dev-policy.json --config config/verifier.conf
	$(BUILD)/teev serve --config config/verifier.conf

# The man page is made by the binary from its own help texts (server/help.c),
# so `teev <command> --help` and `man teev` say the same; man/teev.1 is the
# copy kept in the tree, checked against the binary by tests/integration/test_cli.
$(BUILD)/teev.1: $(BUILD)/teev
	$(BUILD)/teev help --man >$@.tmp && mv $@.tmp $@

man: $(BUILD)/teev.1
	cp $(BUILD)/teev.1 man/teev.1

install: $(BUILD)/teev $(BUILD)/teev.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/teev $(DESTDIR)$(BINDIR)/teev
	install -m 0644 $(BUILD)/teev.1 $(DESTDIR)$(MANDIR)/man1/teev.1

# Forged evidence (tests/support/snp_forge.c) and fake AMD roots in a
# throwaway folder, var/demo/: see tests/support/demo.sh. NOT FOR PRODUCTION.
demo: deps-demo
	$(MAKE) --no-print-directory all $(BUILD)/snp-forge
	TEEV_BIN=$(BUILD)/teev SNP_FORGE=$(BUILD)/snp-forge sh tests/support/demo.sh var/demo

clean:
	rm -rf build build-asan build-ubsan build-fuzz build-openssl

# Benchmarks (make bench, make soak) and fuzzing/lint (make fuzz, make lint)
# live beside their code.
-include bench/bench.mk
-include tests/fuzz/fuzz.mk
# make deploy-check: validate the container, Kubernetes and systemd files.
-include deploy/deploy.mk
# make compat: the same requests to upstream Keylime 7.14.3 and to teev.
-include tests/compat/compat.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
