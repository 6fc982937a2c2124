# bench.mk - `make bench` and `make soak` (included by the Makefile).
#
#   make bench              build, start a throwaway server, measure, write bench/RESULTS.md
#                           (BENCH_SECONDS=6 per throughput run; under 3 minutes on 2 cores)
#   make soak               SOAK_SECONDS=600 at 80% of measured capacity, RSS every 10 s,
#                           report in bench/SOAK.md
#   make bench-tools        only build the tools under $(BUILD)/bench/
#   make bench-profile      callgrind profiles of short runs into bench/profile/
#                           (needs valgrind; see bench/README.md)

BENCH_TOOLS := $(BUILD)/bench/loadgen $(BUILD)/bench/limits $(BUILD)/bench/tpm_forge \
	$(BUILD)/bench/startup
BENCH_ENV = TEEV_BIN=$(abspath $(BUILD)/teev) SNP_FORGE=$(abspath $(BUILD)/snp-forge) \
	BENCH_BIN=$(abspath $(BUILD)/bench) SHARED_DIR=$(abspath $(or $(SHARED_DIR),../shared))

.PHONY: bench soak bench-tools bench-profile bench-run soak-run bench-profile-run

# limits times nettle's P-384 whatever P384 says (nettle-dev comes with GnuTLS's).
$(BUILD)/bench/limits: BENCH_EXTRA_LIBS = $(shell pkg-config --libs hogweed nettle gmp)
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(ALL_LDFLAGS) $(PKG_LIBS) $(BENCH_EXTRA_LIBS) -o $@

bench-tools: $(BUILD)/teev $(BUILD)/snp-forge $(BENCH_TOOLS)

# Like `make test`: install what is missing, then build and run in a
# sub-make so pkg-config sees freshly installed libraries.
bench: deps
	$(MAKE) --no-print-directory bench-run

bench-run: bench-tools
	$(BENCH_ENV) sh bench/run-bench.sh bench

soak: deps
	$(MAKE) --no-print-directory soak-run

soak-run: bench-tools
	$(BENCH_ENV) sh bench/run-bench.sh soak

bench-profile: deps
	$(MAKE) --no-print-directory bench-profile-run

bench-profile-run: bench-tools
	$(BENCH_ENV) sh bench/run-bench.sh profile

# The cost of a signed result per verdict (built here, not yet part of `make bench`).
$(BUILD)/bench/ear_sign: bench/ear_sign.c $(BUILD)/libteev.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libteev.a $(ALL_LDFLAGS) $(PKG_LIBS) -o $@
