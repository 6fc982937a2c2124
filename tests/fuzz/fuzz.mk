# fuzz.mk - libFuzzer harnesses for every parser of untrusted bytes, and
# `make lint`. Included by the top-level Makefile, whose variables
# (LIB_SRCS, AMD_PEMS, WARNINGS, PKG_CFLAGS, PKG_LIBS) it reuses.
#
#   make fuzz FUZZ_SECONDS=N   build with clang -fsanitize=fuzzer,address,undefined
#                              into build-fuzz/, run each harness N seconds
#                              (default 60); fails on any finding
#   make fuzz-regress          build, then run each harness once over its seed
#                              corpus and tests/fuzz/regressions/<target>/ only:
#                              fast and deterministic (part of `make test`)
#   make fuzz-<target>         fuzz one harness, e.g. make fuzz-snp_report
#   make lint                  cppcheck and clang-tidy over the product sources
#
# Seeds come from ../shared/testdata (SHARED_DIR) through tests/fuzz/seed.sh
# into build-fuzz/corpus/<target>/; what fuzzing discovers goes to
# build-fuzz/grown/<target>/ so the seed corpus stays deterministic, and
# crashes to build-fuzz/findings/<target>/.

FUZZ_BUILD := build-fuzz
FUZZ_CC := clang
FUZZ_SECONDS ?= 60
SHARED_DIR ?= $(abspath ../shared)

FUZZ_TARGETS := snp_report certs_buf vcek tpm2b_public tpms_attest tpmt_signature pcr_blob \
	tpm_quote ima eventlog evidence_request snp_policy tpm_policy runtime_policy mb_policy \
	json_lift p384 tdx_quote tdx_collateral tdx_policy ear_token

# UBSan findings abort (so libFuzzer sees them) instead of printing and going on.
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARNINGS) -O1 -g $(FUZZ_SANITIZE) \
	-fsanitize=fuzzer-no-link -I. -I$(FUZZ_BUILD)/gen $(PKG_CFLAGS)
# Seconds per input before libFuzzer calls it a hang; memory per process.
FUZZ_OPTIONS := -timeout=10 -rss_limit_mb=2560 -print_final_stats=1

FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/gen/amd_roots.o \
	$(FUZZ_BUILD)/obj/gen/intel_roots.o
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-seed fuzz-regress fuzz-check-clang $(FUZZ_TARGETS:%=fuzz-%) \
	$(FUZZ_TARGETS:%=fuzz-regress-%)

fuzz-check-clang:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
		echo "fuzz: $(FUZZ_CC) is missing: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
	@echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' | \
		$(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null || { \
		echo "fuzz: $(FUZZ_CC) cannot link libFuzzer: apt-get install libclang-rt-14-dev" >&2; exit 1; }

$(FUZZ_BUILD)/gen/amd_roots.c: certs/embed-pem.sh $(AMD_PEMS)
	@mkdir -p $(@D)
	sh certs/embed-pem.sh $(AMD_PEMS) >$@.tmp && mv $@.tmp $@

$(FUZZ_BUILD)/gen/intel_roots.c: certs/embed-pem.sh $(INTEL_PEMS)
	@mkdir -p $(@D)
	sh certs/embed-pem.sh --prefix intel_root $(INTEL_PEMS) >$@.tmp && mv $@.tmp $@

$(FUZZ_BUILD)/obj/gen/%.o: $(FUZZ_BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/obj/%.o: %.c | $(FUZZ_BUILD)/gen/p384_config.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libteev.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libteev.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SANITIZE) $^ $(PKG_LIBS) -pthread -o $@

fuzz-build: fuzz-check-clang
	$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-seed:
	SHARED_DIR=$(SHARED_DIR) sh tests/fuzz/seed.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

# One input at a time, exactly as stored (no mutation, no length cap).
$(FUZZ_TARGETS:%=fuzz-regress-%): fuzz-regress-%: $(FUZZ_BUILD)/fuzz_%
	@sh tests/fuzz/run.sh regress $* $(FUZZ_BUILD) $(FUZZ_OPTIONS)

fuzz-regress: fuzz-build
	@$(MAKE) --no-print-directory fuzz-seed
	@$(MAKE) --no-print-directory -k $(FUZZ_TARGETS:%=fuzz-regress-%)
	@echo "fuzz-regress: $(words $(FUZZ_TARGETS)) harnesses replayed their corpus without a finding"

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_BUILD)/fuzz_%
	@sh tests/fuzz/run.sh fuzz $* $(FUZZ_BUILD) $(FUZZ_OPTIONS) -max_total_time=$(FUZZ_SECONDS)

fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-seed
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=fuzz-%)
	@echo "fuzz: $(words $(FUZZ_TARGETS)) harnesses ran $(FUZZ_SECONDS) s each without a finding"

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

include tests/fuzz/lint.mk
