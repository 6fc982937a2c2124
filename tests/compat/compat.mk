# compat.mk - `make compat`: a differential check against the real upstream
# Keylime 7.14.3 verifier; included from the Makefile. Not part of `make test`
# (it starts upstream's Python verifier beside teev); .ci/run calls it.
#
#   make compat               install what is missing (deploy/install-deps.sh
#                             compat), build teev and the SNP forge, run
#                             tests/compat/compat.py: about 500 requests to both
#                             servers, one table of disagreements, each with the
#                             README compatibility row that explains it; fails
#                             when one is unexplained
#   make compat COMPAT_ARGS="--only tpm.ima --seed 7"   a subset, another seed
#
# Everything it makes (generated requests, both answers per request, server
# logs) stays in $(BUILD)/compat/ for inspection.

.PHONY: compat
COMPAT_ARGS ?=

compat:
	sh deploy/install-deps.sh compat
	$(MAKE) --no-print-directory $(BUILD)/teev $(BUILD)/snp-forge
	/usr/bin/python3 -B tests/compat/compat.py --teev $(abspath $(BUILD)/teev) \
		--snp-forge $(abspath $(BUILD)/snp-forge) --shared $(abspath ../shared) \
		--readme README.md --out $(abspath $(BUILD)/compat) $(COMPAT_ARGS)
