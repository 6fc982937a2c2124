#!/usr/bin/env bash
# deploy/validate.sh - check the deployment files for real, on this machine.
#
#   bash deploy/validate.sh            every check (a few minutes the first time)
#   bash deploy/validate.sh --quick    skip the image build/run and the systemd boot test
#   bash deploy/validate.sh --no-install   install nothing: missing tools make SKIPs
#
# `make deploy-check` / `make deploy-check-quick` (deploy/deploy.mk) run it.
# Each check prints PASS, FAIL or SKIP with the reason; the last line is
# "N passed, N failed, N skipped" and the exit status is 1 on any FAIL.
# A SKIP is never a pass: it says what could not be checked here and why.
#
# What it needs, and installs when missing (root, or sudo):
#   Debian: systemd (systemd-analyze), yamllint, shellcheck, nodejs + npm,
#           binutils (readelf), podman, runc, debootstrap, systemd-container
#           (systemd-nspawn); kubernetes-client is downloaded and unpacked
#           into the cache only when no kubectl is installed.
#   npm (into the cache, never the tree): kubernetes-models,
#           @kubernetes-models/prometheus-operator, @kubernetes/client-node,
#           yaml, dockerfile-utils (versions pinned below).
# Nothing is installed into the source tree. Downloads, the bootstrapped
# Debian root and the node tools live in $TEEV_DEPLOY_CACHE
# (default /var/tmp/teev-deploy-check) and are reused by later runs.
#
# Environment: TEEV_BIN (default build/teev: the binary the checks run),
# TEEV_DEPLOY_CACHE, DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -u

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
TEEV_BIN=${TEEV_BIN:-$ROOT/build/teev}
CACHE=${TEEV_DEPLOY_CACHE:-/var/tmp/teev-deploy-check}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
QUICK=0
INSTALL=1
for arg in "$@"; do
	case "$arg" in
	--quick) QUICK=1 ;;
	--no-install) INSTALL=0 ;;
	*)
		echo "usage: $0 [--quick] [--no-install]" >&2
		exit 2
		;;
	esac
done

NPM_PACKAGES="kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0
@kubernetes/client-node@1.4.0 yaml@2.8.1 dockerfile-utils@0.16.3"
BASE_IMAGE=localhost/teev-deploy-check/debian:12-minbase
TEST_IMAGE=localhost/teev:deploy-check

passed=0
failed=0
skipped=0
skips=""
WORK=$(mktemp -d /tmp/teev-deploy-check.XXXXXX)
CLEANUP=()
cleanup() {
	local c
	for c in "${CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

section() { printf '\n== %s\n' "$*"; }
pass() {
	printf 'PASS %s\n' "$*"
	passed=$((passed + 1))
}
fail() {
	printf 'FAIL %s\n' "$*"
	failed=$((failed + 1))
}
skip() {
	printf 'SKIP %s\n' "$*"
	skipped=$((skipped + 1))
	skips="$skips
  - $*"
}
# Shows a command's output indented, so it reads as evidence under its line.
show() { sed 's/^/     | /' "$@"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		return 1
	fi
}

apt_updated=0
# need_pkg COMMAND PACKAGE: makes COMMAND available from Debian, saying so.
need_pkg() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$INSTALL" -eq 0 ]; then
		echo "     ($1 is missing; --no-install given)"
		return 1
	fi
	echo "     installing Debian package $2 (for $1)"
	if [ "$apt_updated" -eq 0 ]; then
		as_root apt-get update -q >/dev/null 2>&1 || return 1
		apt_updated=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "$2" >"$WORK/apt.log" 2>&1 || {
		show "$WORK/apt.log" | tail -5
		return 1
	}
	command -v "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
section "teev binary ($TEEV_BIN)"
if [ -x "$TEEV_BIN" ] && "$TEEV_BIN" version >/dev/null 2>&1; then
	pass "binary runs: $("$TEEV_BIN" version)"
	have_bin=1
else
	skip "no runnable $TEEV_BIN (build it with make): config, unit and boot checks that run it are skipped"
	have_bin=0
fi

# ---------------------------------------------------------------------------
section "shell scripts"
if need_pkg shellcheck shellcheck; then
	if shellcheck -s bash deploy/validate.sh >"$WORK/sc.log" 2>&1; then
		pass "shellcheck deploy/validate.sh"
	else
		fail "shellcheck deploy/validate.sh"
		show "$WORK/sc.log"
	fi
else
	skip "shellcheck not available"
fi

# ---------------------------------------------------------------------------
section "configuration files, read by teev itself"
# `teev policy list` loads the whole config file (unknown options and bad
# values are errors) and opens a database, which we point at a scratch one.
for conf in deploy/verifier.container.conf deploy/systemd/verifier.conf; do
	if [ "$have_bin" -eq 0 ]; then
		skip "$conf: no teev binary to load it"
		continue
	fi
	if "$TEEV_BIN" policy list --kind snp --config "$conf" --database "$WORK/conf.db" >"$WORK/conf.log" 2>&1; then
		pass "$conf: every option accepted by this teev"
	else
		fail "$conf: refused by this teev"
		show "$WORK/conf.log"
	fi
done
if cmp -s deploy/verifier.container.conf <(sed -n '/^  verifier.conf: |$/,$p' deploy/kubernetes/configmap.yaml | tail -n +2 | sed 's/^    //'); then
	pass "deploy/kubernetes/configmap.yaml carries deploy/verifier.container.conf byte for byte"
else
	fail "deploy/kubernetes/configmap.yaml differs from deploy/verifier.container.conf"
fi

# ---------------------------------------------------------------------------
section "runtime libraries of the image"
# The runtime stage must install exactly the packages whose shared objects
# teev links against (plus ca-certificates and curl).
if [ "$have_bin" -eq 1 ] && need_pkg readelf binutils && command -v dpkg >/dev/null 2>&1; then
	want=$(sed -n '/^FROM \${DEBIAN_IMAGE}$/,$p' deploy/Containerfile |
		sed -n '/apt-get install/,/rm -rf/p' | tr -s ' \\\t' '\n' |
		grep -E '^lib[a-z0-9.+-]+$' | sort -u)
	missing=""
	have=""
	for lib in $(readelf -d "$TEEV_BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|AArch64|64bit/ {print $NF; exit}')
		[ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
		pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		case "$pkg" in
		libc6 | libgcc-s1) continue ;; # in every Debian image
		esac
		have="$have $pkg"
		echo "$want" | grep -qx "$pkg" || missing="$missing $lib($pkg)"
	done
	extra=""
	for p in $want; do echo "$have" | tr ' ' '\n' | grep -qx "$p" || extra="$extra $p"; done
	if [ -z "$missing" ] && [ -z "$extra" ]; then
		pass "the runtime stage installs exactly the libraries teev links against:$have"
	else
		fail "runtime packages: missing${missing:- none}; not needed${extra:- none}"
	fi
else
	skip "runtime library check needs the teev binary, readelf and dpkg"
fi

# ---------------------------------------------------------------------------
section "systemd unit"
if need_pkg systemd-analyze systemd; then
	# `verify` also checks that ExecStart's binary exists. It is not
	# installed on a build machine, so the unchanged unit is verified in a
	# private mount namespace where a tmpfs on /usr/local/bin holds a copy
	# of build/teev: the host's /usr/local/bin is not touched.
	verified=0
	if [ -x /usr/local/bin/teev ]; then
		systemd-analyze verify deploy/systemd/teev.service >"$WORK/verify.log" 2>&1
		verified=$?
		how="against the installed /usr/local/bin/teev"
	elif [ "$have_bin" -eq 1 ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
		unshare --mount --propagation private true 2>/dev/null; then
		# shellcheck disable=SC2016 # $1 is expanded by the inner shell
		unshare --mount --propagation private sh -c \
			'mount -t tmpfs -o mode=0755 tmpfs /usr/local/bin && install -m 0755 "$1" /usr/local/bin/teev &&
			 systemd-analyze verify deploy/systemd/teev.service' sh "$TEEV_BIN" >"$WORK/verify.log" 2>&1
		verified=$?
		how="with build/teev at /usr/local/bin in a private mount namespace"
	else
		# Not root: verify a copy whose ExecStart names build/teev instead.
		sed "s|^ExecStart=/usr/local/bin/teev|ExecStart=$TEEV_BIN|" deploy/systemd/teev.service >"$WORK/teev.service"
		systemd-analyze verify "$WORK/teev.service" >"$WORK/verify.log" 2>&1
		verified=$?
		how="on a copy with ExecStart=$TEEV_BIN (not root: no private mount namespace)"
	fi
	if [ "$verified" -eq 0 ] && ! grep -q . "$WORK/verify.log"; then
		pass "systemd-analyze verify deploy/systemd/teev.service ($how)"
	else
		fail "systemd-analyze verify deploy/systemd/teev.service ($how)"
		show "$WORK/verify.log"
	fi
	# The exposure score of the sandbox (0 = fully locked down, 10 = none);
	# --threshold counts in tenths. The unit scores 1.1 with systemd 252; the
	# score is coarse (dropping ProtectSystem= alone costs 0.1), hence also
	# the list of required settings below.
	if systemd-analyze security --offline=true --threshold=15 deploy/systemd/teev.service >"$WORK/sec.log" 2>&1; then
		pass "systemd-analyze security: $(grep -o 'Overall exposure level.*' "$WORK/sec.log") (must stay at or below 1.5)"
	else
		fail "systemd-analyze security: exposure above 1.5, or the analysis failed"
		grep -E '✗|Overall|Failed' "$WORK/sec.log" | show
	fi
	# The settings the deployment relies on, by their last assignment (a
	# later line would override an earlier one).
	local_missing=""
	while IFS= read -r want; do
		key=${want%%=*}
		got=$(sed -n "s/^$key=//p" deploy/systemd/teev.service | tail -1)
		[ "$key=$got" = "$want" ] || local_missing="$local_missing
$want (found: ${got:-none})"
	done <<-'EOF'
		ExecStart=/usr/local/bin/teev serve --config /etc/teev/verifier.conf
		ExecReload=/bin/kill -HUP $MAINPID
		Restart=on-failure
		User=teev
		StateDirectory=teev
		ConfigurationDirectory=teev
		ProtectSystem=strict
		ReadWritePaths=/var/lib/teev
		ReadOnlyPaths=/etc/teev
		ProtectHome=yes
		PrivateTmp=yes
		NoNewPrivileges=yes
		CapabilityBoundingSet=
		RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
		MemoryDenyWriteExecute=yes
		LockPersonality=yes
		RestrictNamespaces=yes
		ProtectKernelTunables=yes
		ProtectKernelModules=yes
		ProtectKernelLogs=yes
		ProtectControlGroups=yes
	EOF
	if ! grep -qx 'SystemCallFilter=@system-service' deploy/systemd/teev.service; then
		local_missing="$local_missing
SystemCallFilter=@system-service"
	fi
	if [ -z "$local_missing" ]; then
		pass "deploy/systemd/teev.service sets every required hardening and service setting"
	else
		fail "deploy/systemd/teev.service lacks: $(echo "$local_missing" | sed '/^$/d' | paste -sd ';' | sed 's/;/; /g')"
	fi
	mkdir -p "$WORK/sysusers/etc"
	if systemd-sysusers --root="$WORK/sysusers" "$ROOT/deploy/systemd/teev.sysusers" >"$WORK/sysusers.log" 2>&1 &&
		grep -q '^teev:x:[0-9]*:[0-9]*:.*:/var/lib/teev:/usr/sbin/nologin$' "$WORK/sysusers/etc/passwd"; then
		pass "systemd-sysusers creates the teev user from deploy/systemd/teev.sysusers"
	else
		fail "systemd-sysusers deploy/systemd/teev.sysusers"
		show "$WORK/sysusers.log"
	fi
else
	skip "systemd-analyze not available (Debian package systemd)"
fi

# ---------------------------------------------------------------------------
section "Kubernetes manifests"
if need_pkg yamllint yamllint; then
	# Octal stays allowed: `defaultMode: 0400` is how Kubernetes documents it.
	yl_conf='{extends: default, rules: {line-length: {max: 120}, document-start: disable}}'
	if yamllint -s -d "$yl_conf" deploy/kubernetes >"$WORK/yl.log" 2>&1; then
		pass "yamllint deploy/kubernetes (YAML syntax, duplicate keys, indentation)"
	else
		fail "yamllint deploy/kubernetes"
		show "$WORK/yl.log"
	fi
else
	skip "yamllint not available"
fi

node_ok=0
if need_pkg node nodejs && need_pkg npm npm; then
	TOOLS="$CACHE/node"
	stamp="$TOOLS/.installed-$(echo "$NPM_PACKAGES" | md5sum | cut -c1-12)"
	if [ -f "$stamp" ]; then
		node_ok=1
	elif [ "$INSTALL" -eq 1 ]; then
		echo "     installing npm packages into $TOOLS: $(echo "$NPM_PACKAGES" | tr '\n' ' ')"
		mkdir -p "$TOOLS"
		[ -f "$TOOLS/package.json" ] || echo '{"name": "teev-deploy-check", "private": true}' >"$TOOLS/package.json"
		# shellcheck disable=SC2086 # the list is meant to split into words
		if (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error $NPM_PACKAGES) >"$WORK/npm.log" 2>&1; then
			touch "$stamp"
			node_ok=1
		else
			show "$WORK/npm.log" | tail -5
		fi
	fi
fi
export TEEV_DEPLOY_TOOLS="$CACHE/node" TEEV_CONTAINER_CONF="$ROOT/deploy/verifier.container.conf"

# kustomize: the kubectl on this machine, else Debian's kubectl 1.20
# (kustomize v2) unpacked into the cache, without installing it.
KUBECTL=$(command -v kubectl || true)
if [ -z "$KUBECTL" ] && [ "$INSTALL" -eq 1 ]; then
	if [ ! -x "$CACHE/kubectl/usr/bin/kubectl" ]; then
		mkdir -p "$CACHE/kubectl"
		(cd "$WORK" && apt-get download kubernetes-client >/dev/null 2>&1 &&
			dpkg -x kubernetes-client_*.deb "$CACHE/kubectl") || true
	fi
	[ -x "$CACHE/kubectl/usr/bin/kubectl" ] && KUBECTL="$CACHE/kubectl/usr/bin/kubectl"
fi
rendered=""
if [ -n "$KUBECTL" ]; then
	if "$KUBECTL" kustomize deploy/kubernetes >"$WORK/rendered.yaml" 2>"$WORK/kustomize.log"; then
		pass "kubectl kustomize deploy/kubernetes renders ($("$KUBECTL" version --client 2>/dev/null | head -1))"
		rendered="$WORK/rendered.yaml"
	else
		fail "kubectl kustomize deploy/kubernetes"
		show "$WORK/kustomize.log"
	fi
else
	skip "no kubectl for kustomize (Debian package kubernetes-client could not be fetched)"
fi

if [ "$node_ok" -eq 1 ]; then
	# Schemas (kubernetes-models), unknown fields (client-node field lists),
	# restricted Pod Security, and that ports, probes, volumes and the
	# config agree; on the files as written and on the kustomize output.
	if node deploy/check-manifests.mjs k8s deploy/kubernetes ${rendered:+"$rendered"} >"$WORK/k8s.log" 2>&1; then
		pass "Kubernetes objects against the API schemas (kubernetes-models 5.1.0, client-node 1.4.0: Kubernetes 1.34), no unknown fields, restricted PSS, consistent ports/probes/volumes/config"
		show "$WORK/k8s.log"
	else
		fail "Kubernetes manifests"
		show "$WORK/k8s.log"
	fi
	# The checks must catch breakage, or they prove nothing.
	if node deploy/check-manifests.mjs self-test deploy/kubernetes deploy/Containerfile . >"$WORK/self.log" 2>&1; then
		pass "checker self-test: $(grep -c '^caught' "$WORK/self.log") deliberately broken variants all refused"
	else
		fail "checker self-test: some broken variant passed"
		grep -v '^caught' "$WORK/self.log" | show
	fi
else
	skip "Kubernetes schema checks: node/npm or the npm packages are not available"
fi

# ---------------------------------------------------------------------------
section "Containerfile (static)"
if [ "$node_ok" -eq 1 ]; then
	if node deploy/check-manifests.mjs containerfile deploy/Containerfile . >"$WORK/cf.log" 2>&1; then
		pass "deploy/Containerfile: dockerfile-utils lint clean; stages, packages, user, ports, HEALTHCHECK, ENTRYPOINT, COPY sources"
	else
		fail "deploy/Containerfile"
		show "$WORK/cf.log"
	fi
else
	skip "Containerfile lint: node/npm not available"
fi
# hadolint is a Haskell program that neither Debian 12 nor npm ships.
if command -v hadolint >/dev/null 2>&1; then
	if hadolint deploy/Containerfile >"$WORK/hadolint.log" 2>&1; then pass "hadolint deploy/Containerfile"; else
		fail "hadolint deploy/Containerfile"
		show "$WORK/hadolint.log"
	fi
else
	skip "hadolint: not packaged in Debian 12 nor on npm (dockerfile-utils linted instead)"
fi

# ---------------------------------------------------------------------------
# The slow part: a real image build and run, and a real systemd boot.

# Finds podman options that work on this host: some sandboxes lack
# CAP_SYS_RESOURCE (podman lowers RLIMIT_NPROC, the runtime cannot raise it
# back) or run cgroups in hybrid mode (crun refuses; runc copes).
PODMAN_OPTS=()
podman_probe() {
	local nofile
	nofile=$(ulimit -Hn)
	local -a candidates=(
		""
		"--runtime runc"
		"--runtime runc --ulimit nofile=$nofile:$nofile --ulimit nproc=32768:32768"
		"--ulimit nofile=$nofile:$nofile --ulimit nproc=32768:32768"
	)
	local c
	for c in "${candidates[@]}"; do
		# shellcheck disable=SC2086 # options split into words on purpose
		if podman run --rm $c "$1" true >"$WORK/probe.log" 2>&1; then
			read -r -a PODMAN_OPTS <<<"$c"
			[ -n "$c" ] && echo "     this host needs podman options: $c (first attempt: $(grep -m1 -i error "$WORK/probe.log.first" 2>/dev/null))"
			return 0
		fi
		[ -f "$WORK/probe.log.first" ] || cp "$WORK/probe.log" "$WORK/probe.log.first"
	done
	show "$WORK/probe.log.first"
	return 1
}

# debootstrap's minbase variant is what debian:12-slim is made from; it
# stands in for the registry image when no registry is reachable, and is the
# starting point of the systemd boot test's machine.
MINBASE="$CACHE/debian-12-minbase"
ensure_minbase() {
	[ -x "$MINBASE/usr/bin/apt-get" ] && return 0
	need_pkg debootstrap debootstrap || return 1
	echo "     debootstrap --variant=minbase bookworm from $MIRROR (about a minute)"
	rm -rf "$MINBASE"
	mkdir -p "$CACHE"
	as_root debootstrap --variant=minbase bookworm "$MINBASE" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
		show "$WORK/debootstrap.log" | tail -5
		rm -rf "$MINBASE"
		return 1
	}
	# As in the official image: bookworm, -updates and -security.
	rm -f "$MINBASE/etc/apt/sources.list"
	cat >"$MINBASE/etc/apt/sources.list.d/debian.sources" <<-EOF
		Types: deb
		URIs: $MIRROR
		Suites: bookworm bookworm-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: ${MIRROR%/debian}/debian-security
		Suites: bookworm-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	rm -rf "$MINBASE"/var/cache/apt/archives/*.deb "$MINBASE"/var/lib/apt/lists/*
}

bootstrap_base_image() {
	if podman image exists "$BASE_IMAGE"; then
		echo "     reusing $BASE_IMAGE"
		return 0
	fi
	ensure_minbase || return 1
	tar -C "$MINBASE" --numeric-owner -c . | podman import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null 2>&1
}

image_checks() {
	section "container image: build and run"
	if ! need_pkg podman podman; then
		skip "image build: podman not available"
		return
	fi
	need_pkg runc runc >/dev/null 2>&1 || true
	local base=docker.io/library/debian:12-slim
	echo "     podman build with the real base image ($base) ..."
	if timeout 900 podman build --layers=false --format docker -f deploy/Containerfile -t "$TEST_IMAGE" . >"$WORK/build-registry.log" 2>&1; then
		pass "podman build -f deploy/Containerfile on $base"
	else
		local why
		why=$(grep -m1 -E 'Error|error' "$WORK/build-registry.log")
		if grep -qE 'pinging container registry|no such host|dial tcp|i/o timeout|connection refused' "$WORK/build-registry.log"; then
			skip "build on $base: the registry is not reachable here: $why"
			echo "     falling back to a Debian 12 minbase root bootstrapped from the Debian mirror"
			if ! bootstrap_base_image; then
				fail "could not bootstrap a Debian 12 base image"
				return
			fi
			base=$BASE_IMAGE
		elif podman image exists "$base"; then
			echo "     the base image is here, but the build failed: $why; probing runtime options"
		else
			fail "podman build on $base: $why"
			show "$WORK/build-registry.log" | tail -15
			return
		fi
		if ! podman_probe "$base"; then
			fail "podman cannot run containers on this host (see above)"
			return
		fi
		# --layers=false: every run builds from scratch (no stale cached step
		# can hide a broken one) and leaves no intermediate images behind.
		echo "     podman build ${PODMAN_OPTS[*]} --layers=false --network host --build-arg DEBIAN_IMAGE=$base ..."
		if timeout 1200 podman build "${PODMAN_OPTS[@]}" --layers=false --network host --format docker --build-arg "DEBIAN_IMAGE=$base" \
			-f deploy/Containerfile -t "$TEST_IMAGE" . >"$WORK/build.log" 2>&1; then
			pass "podman build -f deploy/Containerfile on $base: the build stage ran make, the runtime stage installed the libraries"
		else
			fail "podman build -f deploy/Containerfile on $base"
			show "$WORK/build.log" | tail -20
			return
		fi
	fi
	CLEANUP+=("podman rmi -f $TEST_IMAGE")

	# The image's configuration as an orchestrator sees it.
	local cfg
	cfg=$(podman image inspect "$TEST_IMAGE" --format '{{.Config.User}}|{{json .Config.ExposedPorts}}|{{json .Config.Entrypoint}}|{{json .Config.Volumes}}|{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{end}}')
	if [ "$cfg" = '10001:10001|{"8881/tcp":{},"8882/tcp":{}}|["/usr/local/bin/teev","serve","--config","/etc/teev/verifier.conf"]|{"/etc/teev/cv_ca":{},"/var/lib/teev":{}}|["CMD","curl","--fail","--silent","--show-error","--max-time","2","--output","/dev/null","http://127.0.0.1:8882/healthz"]' ]; then
		pass "image config: user 10001, ports 8881+8882, ENTRYPOINT, volumes, HEALTHCHECK"
	else
		fail "image config: $cfg"
	fi
	echo "     image size: $(podman image inspect "$TEST_IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"

	# A CA volume filled by the image's own `teev certs init`, a data volume,
	# and the server on a read-only root, as the README tells users to run it.
	local ca=teev-deploy-check-ca data=teev-deploy-check-data name=teev-deploy-check
	podman rm -f "$name" >/dev/null 2>&1
	podman volume rm -f "$ca" "$data" >/dev/null 2>&1
	CLEANUP+=("podman rm -f $name" "podman volume rm -f $ca $data")
	local run=(podman run "${PODMAN_OPTS[@]}")
	if "${run[@]}" --rm -v "$ca:/etc/teev/cv_ca" --entrypoint /usr/local/bin/teev "$TEST_IMAGE" \
		certs init /etc/teev/cv_ca --san teev.teev.svc >"$WORK/init.log" 2>&1 &&
		"${run[@]}" --rm --read-only -v "$data:/var/lib/teev" -v "$ca:/etc/teev/cv_ca:ro" \
			-v "$ROOT/config/examples/snp-dev-policy.json:/tmp/policy.json:ro" --entrypoint /usr/local/bin/teev \
			"$TEST_IMAGE" policy add --kind snp default /tmp/policy.json --config /etc/teev/verifier.conf >>"$WORK/init.log" 2>&1; then
		pass "teev certs init and teev policy add in the image, as uid 10001, into fresh volumes"
	else
		fail "preparing the volumes"
		grep -v 'level=' "$WORK/init.log" | show
		return
	fi
	if ! "${run[@]}" -d --name "$name" --read-only -v "$ca:/etc/teev/cv_ca:ro" -v "$data:/var/lib/teev" \
		-p 127.0.0.1::8881 -p 127.0.0.1::8882 "$TEST_IMAGE" >"$WORK/run.log" 2>&1; then
		fail "podman run --read-only $TEST_IMAGE"
		show "$WORK/run.log"
		return
	fi
	local api ops
	api=$(podman port "$name" 8881/tcp | head -1)
	ops=$(podman port "$name" 8882/tcp | head -1)
	for _ in $(seq 1 30); do
		curl -fsS -o /dev/null "http://$ops/healthz" 2>/dev/null && break
		sleep 0.5
	done
	if curl -fsS "http://$ops/healthz" >/dev/null 2>&1 && curl -fsS "http://$ops/readyz" >/dev/null 2>&1 &&
		curl -fsS "http://$ops/metrics" | grep -q '^teev_ready 1'; then
		pass "running read-only: /healthz 200, /readyz 200, /metrics has teev_ready 1 (ops port 8882)"
	else
		fail "ops endpoints of the running container"
		podman logs "$name" 2>&1 | show
	fi
	local cadir
	cadir=$(podman volume inspect "$ca" --format '{{.Mountpoint}}')
	local answer
	answer=$(curl -sS --cert "$cadir/client-cert.crt" --key "$cadir/client-private.pem" --cacert "$cadir/cacert.crt" \
		--resolve "teev.teev.svc:${api##*:}:127.0.0.1" "https://teev.teev.svc:${api##*:}/version" 2>&1)
	if echo "$answer" | grep -q '"current_version"'; then
		pass "mTLS GET /version with the client certificate, server name teev.teev.svc: $answer"
	else
		fail "mTLS /version: $answer"
	fi
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$cadir/cacert.crt" "https://127.0.0.1:${api##*:}/version" 2>&1)
	if [ "$code" = 401 ]; then pass "no client certificate: 401"; else fail "no client certificate: got $code"; fi
	if podman healthcheck run "$name" >/dev/null 2>&1; then
		pass "podman healthcheck run: the image's HEALTHCHECK passes"
	else
		fail "podman healthcheck run"
	fi
	local who
	who=$(podman exec "$name" sh -c 'id -u; touch /etc/x 2>&1; touch /usr/local/bin/x 2>&1' 2>&1)
	if echo "$who" | head -1 | grep -qx 10001 && [ "$(echo "$who" | grep -c 'Read-only file system')" -eq 2 ]; then
		pass "inside: uid 10001, /etc and /usr read-only"
	else
		fail "inside the container: $who"
	fi
	podman exec "$name" sh -c 'kill -HUP 1' && sleep 1
	if podman logs "$name" 2>&1 | grep -q 'SIGHUP: TLS certificates reloaded'; then
		pass "sh -c 'kill -HUP 1' in the container reloads the TLS files (the Kubernetes renewal recipe)"
	else
		fail "SIGHUP reload in the container"
		podman logs "$name" 2>&1 | tail -5 | show
	fi
	podman stop -t 20 "$name" >/dev/null 2>&1
	if [ "$(podman inspect "$name" --format '{{.State.ExitCode}}')" = 0 ] &&
		podman logs "$name" 2>&1 | grep -q 'received SIGTERM'; then
		pass "podman stop: SIGTERM, clean exit 0"
	else
		fail "stop: exit code $(podman inspect "$name" --format '{{.State.ExitCode}}')"
	fi
}

# The unit on a real systemd: a Debian 12 root with systemd, booted by
# systemd-nspawn; a one-shot unit inside runs the checks and powers off.
systemd_boot_checks() {
	section "systemd unit: boot test"
	if [ "$have_bin" -eq 0 ]; then
		skip "systemd boot test: no teev binary"
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		skip "systemd boot test: needs root (debootstrap, systemd-nspawn)"
		return
	fi
	if ! need_pkg systemd-nspawn systemd-container; then
		skip "systemd boot test: systemd-nspawn not available"
		return
	fi
	local template="$CACHE/systemd-root"
	if [ ! -x "$template/lib/systemd/systemd" ]; then
		echo "     preparing a Debian 12 root with systemd in $template"
		if ! ensure_minbase; then
			fail "systemd boot test: no Debian 12 root"
			return
		fi
		rm -rf "$template"
		cp -a "$MINBASE" "$template"
		# procps: /bin/kill, which the unit's ExecReload runs.
		if ! chroot "$template" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			systemd systemd-sysv procps ca-certificates curl libmicrohttpd12 libgnutls30 libssl3 libjson-c5 \
			libsqlite3-0 libcurl4 libhogweed6 libgmp10 libpcre2-8-0 && apt-get clean' >"$WORK/systemd-root.log" 2>&1; then
			fail "systemd boot test: installing systemd into the root"
			show "$WORK/systemd-root.log" | tail -5
			rm -rf "$template"
			return
		fi
	fi
	local R="$WORK/machine"
	cp -a "$template" "$R"
	install -m 0755 "$TEEV_BIN" "$R/usr/local/bin/teev"
	mkdir -p "$R/etc/sysusers.d"
	install -m 0644 deploy/systemd/teev.sysusers "$R/etc/sysusers.d/teev.conf"
	systemd-sysusers --root="$R" "$R/etc/sysusers.d/teev.conf" >/dev/null 2>&1
	install -m 0644 deploy/systemd/teev.service "$R/etc/systemd/system/teev.service"
	install -d -m 0755 "$R/etc/teev"
	install -m 0644 deploy/systemd/verifier.conf "$R/etc/teev/verifier.conf"
	# The CA folder as the README says: root:teev, 0750/0640, no CA key.
	"$TEEV_BIN" certs init "$R/etc/teev/cv_ca" --san localhost >/dev/null
	rm -f "$R/etc/teev/cv_ca/ca-private.pem"
	local gid
	gid=$(awk -F: '$1 == "teev" {print $3}' "$R/etc/group")
	chown -R "root:$gid" "$R/etc/teev/cv_ca"
	chmod 0750 "$R/etc/teev/cv_ca"
	chmod 0640 "$R/etc/teev/cv_ca"/*
	cat >"$R/usr/local/bin/teev-unit-check" <<-'EOF'
		#!/bin/sh
		# Runs inside the booted machine, after teev.service started.
		exec >/var/tmp/unit-check.log 2>&1
		ok=0; bad=0
		pass() { echo "PASS $*"; ok=$((ok+1)); }
		fail() { echo "FAIL $*"; bad=$((bad+1)); }
		CA=/etc/teev/cv_ca
		i=0; until curl -fsS -o /dev/null http://127.0.0.1:8882/healthz 2>/dev/null || [ $i -ge 30 ]; do sleep 1; i=$((i+1)); done
		pid=$(systemctl show -p MainPID --value teev)
		# A command in the service's mount namespace, as root or as teev.
		in_unit() { nsenter -t "$pid" -m "$@"; }
		as_teev() { nsenter -t "$pid" -m -S "$(id -u teev)" -G "$(id -g teev)" "$@"; }
		systemctl is-active --quiet teev && pass "teev.service active" || fail "teev.service: $(systemctl show -p Result,ExecMainStatus teev)"
		curl -fsS http://127.0.0.1:8882/readyz >/dev/null && pass "/readyz 200 on the loopback ops port" || fail "/readyz"
		out=$(curl -sS --cert $CA/client-cert.crt --key $CA/client-private.pem --cacert $CA/cacert.crt https://localhost:8881/version) &&
			pass "mTLS /version: $out" || fail "mTLS /version"
		[ "$(stat -c %U /proc/$pid)" = teev ] && pass "runs as teev" || fail "runs as $(stat -c %U /proc/$pid)"
		grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$pid/status && pass "no capabilities" || fail "$(grep CapEff /proc/$pid/status)"
		grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$pid/status && pass "NoNewPrivs" || fail "NoNewPrivs not set"
		grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status && pass "seccomp filter active" || fail "no seccomp filter"
		in_unit sh -c 'touch /etc/teev/x' 2>/dev/null && fail "/etc/teev writable in the unit" || pass "/etc/teev read-only in the unit, even for root"
		in_unit sh -c 'touch /usr/local/bin/x' 2>/dev/null && fail "/usr writable in the unit" || pass "/usr read-only in the unit, even for root"
		as_teev sh -c 'touch /var/lib/teev/.w && rm /var/lib/teev/.w' && pass "/var/lib/teev writable for teev" || fail "/var/lib/teev not writable"
		as_teev sh -c 'ls /root' >/dev/null 2>&1 && fail "/root readable in the unit" || pass "/root hidden (ProtectHome)"
		[ "$(stat -c '%U %a' /var/lib/teev/teev.db)" = "teev 600" ] && pass "database owned by teev, mode 600 (UMask)" || fail "database: $(stat -c '%U %a' /var/lib/teev/teev.db)"
		systemctl reload teev; sleep 1
		journalctl -b -u teev --no-pager | grep -q 'SIGHUP: TLS certificates reloaded' && pass "systemctl reload: TLS files reloaded" ||
			fail "reload: $(journalctl -b -u teev --no-pager | tail -2)"
		systemctl is-active --quiet teev && pass "active after reload" || fail "died on reload"
		systemctl stop teev
		[ "$(systemctl show -p Result --value teev)" = success ] && pass "clean stop" || fail "stop: $(systemctl show -p Result,ExecMainStatus teev)"
		journalctl -b -u teev --no-pager | grep -Ei 'denied|not permitted|error|fail' && fail "errors in the journal (above)" || pass "no errors in the unit's journal"
		echo "$ok passed, $bad failed"
	EOF
	chmod 0755 "$R/usr/local/bin/teev-unit-check"
	cat >"$R/etc/systemd/system/teev-unit-check.service" <<-'EOF'
		[Unit]
		Description=check teev.service from inside
		After=teev.service
		Wants=teev.service
		[Service]
		Type=oneshot
		ExecStart=/usr/local/bin/teev-unit-check
		ExecStopPost=/bin/systemctl poweroff --no-block
		[Install]
		WantedBy=multi-user.target
	EOF
	chroot "$R" systemctl enable teev.service teev-unit-check.service >/dev/null 2>&1
	# --register=no --keep-unit: no systemd (machined) needed on this host.
	# --private-network: the machine has its own loopback, so its teev binds
	# 127.0.0.1:8881/8882 there even while a development server (make run)
	# holds those ports on the host.
	timeout 300 systemd-nspawn -q --register=no --keep-unit --private-network -D "$R" -b \
		--console=pipe >"$WORK/boot.log" 2>&1
	if [ ! -f "$R/var/tmp/unit-check.log" ]; then
		fail "systemd boot test: the machine did not run the check"
		tail -20 "$WORK/boot.log" | show
		return
	fi
	show "$R/var/tmp/unit-check.log"
	if grep -q '^FAIL' "$R/var/tmp/unit-check.log" || ! grep -q ' passed, 0 failed$' "$R/var/tmp/unit-check.log"; then
		fail "deploy/systemd/teev.service on a booted systemd 252: $(tail -1 "$R/var/tmp/unit-check.log")"
	else
		pass "deploy/systemd/teev.service on a booted systemd 252 (Debian 12, nspawn): $(tail -1 "$R/var/tmp/unit-check.log")"
	fi
}

if [ "$QUICK" -eq 1 ]; then
	skip "image build/run and systemd boot test (--quick)"
else
	image_checks
	systemd_boot_checks
fi

# ---------------------------------------------------------------------------
if [ "$skipped" -gt 0 ]; then
	printf '\nNot checked here:%s\n' "$skips"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
