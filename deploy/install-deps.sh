#!/bin/sh
# Installs the Debian 12 packages teev needs, and only those that are missing.
#   deploy/install-deps.sh build   compiler and libraries (make)
#   deploy/install-deps.sh run     build + curl, to talk to the server (make run)
#   deploy/install-deps.sh demo    run + swtpm and tpm2-tools, for the README's
#                                  walk-throughs (make demo)
#   deploy/install-deps.sh test    all of the above + test tools (make test, make lint)
#   deploy/install-deps.sh compat  test + Debian's python3 and the packages upstream Keylime
#                                  7.14.3 needs (make compat runs it beside teev)
# Used by the Makefile so that `make run` and `make test` work on a fresh
# machine; safe to run again (it does nothing when everything is present).
set -eu

# nettle-dev and libgmp-dev: the SNP report's P-384 check (make P384=openssl
# builds without them; their runtime libraries come with libgnutls30 anyway).
build_packages="gcc make pkg-config libmicrohttpd-dev libgnutls28-dev libssl-dev
libjson-c-dev libsqlite3-dev libcurl4-openssl-dev libpcre2-dev nettle-dev libgmp-dev openssl"
run_packages="curl ca-certificates"
demo_packages="swtpm swtpm-tools tpm2-tools"
# python3 and its packages run upstream Keylime's keylime_oneshot_attestation
# against teev (tests/integration/test_anonymous_clients.c).
test_packages="libcmocka-dev prometheus clang libclang-rt-14-dev jq valgrind cppcheck clang-tidy
python3 python3-requests python3-packaging python3-cryptography python3-yaml python3-jwt"
# The list ../shared/reference/keylime-7.14.3/run.sh checks for, so that it finds them all.
compat_packages="python3 python3-sqlalchemy python3-alembic python3-tornado python3-cryptography
python3-lark python3-pyasn1 python3-pyasn1-modules python3-jinja2 python3-jsonschema
python3-packaging python3-psutil python3-yaml python3-requests python3-zmq python3-gpg
python3-typing-extensions libefivar1"

case "${1:-build}" in
build) wanted="$build_packages" ;;
run) wanted="$build_packages $run_packages" ;;
demo) wanted="$build_packages $run_packages $demo_packages" ;;
test) wanted="$build_packages $run_packages $demo_packages $test_packages" ;;
compat) wanted="$build_packages $run_packages $demo_packages $test_packages $compat_packages" ;;
*)
	echo "usage: $0 build|run|demo|test|compat" >&2
	exit 2
	;;
esac

missing=""
for pkg in $wanted; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "teev: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "teev: not root and no sudo; install them with: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q >/dev/null
# shellcheck disable=SC2086 # the package list is meant to split into words
$as_root apt-get install -y -q --no-install-recommends $missing >/dev/null
