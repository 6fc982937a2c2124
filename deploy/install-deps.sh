#!/bin/sh
# Installs the Debian 12 packages teev needs, and only those that are missing.
#   deploy/install-deps.sh build   compiler and libraries (make, make run)
#   deploy/install-deps.sh test    build + test tools (make test, make lint)
# Used by the Makefile so that `make run` and `make test` work on a fresh
# machine; safe to run again (it does nothing when everything is present).
set -eu

build_packages="gcc make pkg-config libmicrohttpd-dev libgnutls28-dev libssl-dev
libjson-c-dev libsqlite3-dev libcurl4-openssl-dev libpcre2-dev openssl"
test_packages="libcmocka-dev curl ca-certificates swtpm swtpm-tools tpm2-tools prometheus clang libclang-rt-14-dev jq
valgrind cppcheck clang-tidy python3-jwt"

case "${1:-build}" in
build) wanted="$build_packages" ;;
test) wanted="$build_packages $test_packages" ;;
*)
	echo "usage: $0 build|test" >&2
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
