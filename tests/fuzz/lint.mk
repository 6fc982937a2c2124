# lint.mk - `make lint`: cppcheck and clang-tidy over teev's own sources
# (server/ verifier/ policy/ db/ certs/*.c lib/ evidence/; not tests/). Included by
# tests/fuzz/fuzz.mk. Configuration, with the reason for every check turned
# off: tests/fuzz/clang-tidy.yaml and tests/fuzz/cppcheck-suppressions.txt.
# Fails on any finding; file:line and the check's id are printed.

LINT_SRCS = $(sort $(wildcard server/*.c verifier/*.c policy/*.c db/*.c certs/*.c lib/*.c \
	evidence/*.c))
LINT_CFLAGS = -std=c17 -D_GNU_SOURCE -I. -I$(BUILD)/gen $(PKG_CFLAGS)
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck

.PHONY: lint lint-cppcheck lint-clang-tidy

# Both tools run even when the first finds something.
lint:
	@$(MAKE) --no-print-directory -k lint-cppcheck lint-clang-tidy
	@echo "lint: cppcheck and clang-tidy found nothing in $(words $(LINT_SRCS)) files"

lint-cppcheck:
	$(CPPCHECK) --std=c11 --enable=warning,style,performance,portability \
		--inline-suppr --suppressions-list=tests/fuzz/cppcheck-suppressions.txt \
		--error-exitcode=1 --quiet -I. -D_GNU_SOURCE \
		--template='{file}:{line}: {severity}: {message} [{id}]' $(LINT_SRCS)

# One file per process, on every core; one line per finding here, the
# analyzer's paths in $(BUILD)/lint/.
lint-clang-tidy: $(BUILD)/gen/p384_config.h
	@command -v $(CLANG_TIDY) >/dev/null 2>&1 || { echo "lint: $(CLANG_TIDY) is missing: apt-get install clang-tidy" >&2; exit 1; }
	@rm -rf $(BUILD)/lint && mkdir -p $(BUILD)/lint
	@printf '%s\n' $(LINT_SRCS) | xargs -P "$$(nproc)" -I{} sh -c \
		'$(CLANG_TIDY) --quiet --config-file=tests/fuzz/clang-tidy.yaml "{}" -- $(LINT_CFLAGS) \
			>"$(BUILD)/lint/$$(echo {} | tr / _).txt" 2>/dev/null || touch "$(BUILD)/lint/failed"'
	@grep -h -E ': (warning|error): ' $(BUILD)/lint/*.txt | sed 's|^$(CURDIR)/||' | sort -u
	@if [ -e $(BUILD)/lint/failed ]; then \
		echo "lint: clang-tidy found the problems above (traces in $(BUILD)/lint/)" >&2; exit 1; fi
