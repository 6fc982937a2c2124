# deploy/deploy.mk - checks of the deployment files; included from the Makefile.
#
#   make deploy-check         every check of deploy/validate.sh: manifests,
#                             Containerfile, systemd unit, a real image build
#                             and run, and a systemd boot test (minutes)
#   make deploy-check-quick   the same without the image and the boot test
#
# Both build teev first (the checks run it) and install what they miss;
# deploy/validate.sh says which Debian and npm packages, and what it could not
# check on this machine.

.PHONY: deploy-check deploy-check-quick

deploy-check: deps
	$(MAKE) --no-print-directory all
	TEEV_BIN=$(abspath $(BUILD)/teev) bash deploy/validate.sh

deploy-check-quick: deps
	$(MAKE) --no-print-directory all
	TEEV_BIN=$(abspath $(BUILD)/teev) bash deploy/validate.sh --quick
