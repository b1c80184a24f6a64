#!/usr/bin/env bash
# The project's test command (the README's second command). Runs every test layer this machine
# supports, in order, and names each layer it skipped and why:
#
#   static       deno fmt --check, deno lint + boundary check, deno check, generated-file checks
#   unit         deno test without --allow-run/--allow-net (fake host, fake Kubernetes)
#   hostile      1000 generated hostile cases per input surface (harness/hostile)
#   privileged   root tests on real loop devices, mkfs.xfs and mounts (harness/privileged)
#   packaging    the Helm chart rendered by the real `helm template` against `install -o yaml`,
#                `helm lint` (harness/helm); the release task and its krew archives installed by
#                the real krew (harness/release); helm and krew built from their Go modules
#   monitoring   the shipped alerts and dashboard queries in the real promtool (harness/monitoring)
#   e2e          local etcd + kube-apiserver + controller-manager, CSI sidecars, our driver as host
#                processes, scenario tests and csi-sanity (harness/e2e)
#   faults       the full fault matrix on the same control plane: driver roles SIGKILLed at named
#                steps, drives pulled, renamed and re-formatted; its table of scenarios, faults
#                and invariant checks (harness/faults)
#   image        the driver image built without Docker (tools/image/build.sh), its contents and
#                its entrypoint checked in a chroot; the linux/arm64 image assembled without
#                running arm64 code and the OCI index over both, its files checked and its
#                Deno run under qemu-user (harness/image)
#   real node    containerd + runc + kubelet + kube-scheduler with the local control plane, real
#                pods from a loopback registry, DirectPV installed by its CLI with the image above
#                and run through volumes, restarts, repair and reinstall (harness/realnode)
#   kind         a kind cluster with loop devices, only where a Docker engine runs (harness/kind)
#
# Under CI=true a layer that exists but cannot run is a failure, not a skip.
# The last line is the total: "total: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DENO=$(tools/ensure_deno.sh) || { echo "Cannot install Deno" >&2; exit 1; }
export PATH="$(dirname "$DENO"):$PATH"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

LOGDIR=$(mktemp -d /tmp/directpv-test.XXXXXX)
export DIRECTPV_TEST_LOGDIR="$LOGDIR"
PASSED=0 FAILED=0 SKIPPED=0
declare -a SUMMARY=()
LAYER_FAILED=0

note() { printf '\n==> %s\n' "$*"; }

# count LOG: adds the "N passed | N failed" figures of deno test output to the totals.
count() {
  local p f
  read -r p f < <(awk '/^(ok|FAILED) \| [0-9]+ passed/ {
      for (i = 1; i <= NF; i++) { if ($(i+1) == "passed") p += $i; if ($(i+1) == "failed") f += $i }
    } END { print p + 0, f + 0 }' "$1")
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
}

# run LAYER CMD...: runs one step, tees output, records the result.
run() {
  local layer=$1; shift
  local log="$LOGDIR/${layer//[^a-z0-9]/_}.log"
  note "$layer: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count "$log"
  if [[ $rc -ne 0 ]]; then
    SUMMARY+=("$layer: FAILED (exit $rc)")
    LAYER_FAILED=1
    # A failing step that printed no test counts still counts as one failure.
    grep -qE '^(ok|FAILED) \| [0-9]+ passed' "$log" || FAILED=$((FAILED + 1))
  else
    SUMMARY+=("$layer: ok")
  fi
  return $rc
}

skip() { # skip LAYER REASON
  if [[ "${CI:-}" == "true" ]]; then
    SUMMARY+=("$1: FAILED (cannot run under CI: $2)")
    FAILED=$((FAILED + 1))
    LAYER_FAILED=1
  else
    SUMMARY+=("$1: skipped ($2)")
    SKIPPED=$((SKIPPED + 1))
  fi
}

has_tests() { [[ -d "$1" ]] && find "$1" -name '*_test.ts' | grep -q .; }

ensure_packages() { # ensure_packages [--no-install-recommends] CMD:PACKAGE ...
  local missing=() pair options=()
  if [[ "${1:-}" == --no-install-recommends ]]; then options+=("$1"); shift; fi
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || return 1
  note "installing ${missing[*]} from Debian"
  # Wait for another apt run on the machine rather than fail.
  (apt-get update -qq -o DPkg::Lock::Timeout=600 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
      "${options[@]}" $(printf '%s\n' "${missing[@]}" | sort -u)) >/dev/null 2>&1
}

# ensure_package_list FILE: ensure_packages for each "command package" line of FILE, without
# recommends (those of lvm2, ntfs-3g and the like would pull in systemd, udev and
# initramfs-tools).
ensure_package_list() {
  local pairs=() command package
  while read -r command package; do
    [[ -z "$command" || "$command" == \#* ]] && continue
    pairs+=("$command:$package")
  done <"$1"
  ensure_packages --no-install-recommends "${pairs[@]}"
}

# --- static + unit -------------------------------------------------------------------------
deno install --frozen >/dev/null 2>&1 || deno install >/dev/null 2>&1 || true
run "static: fmt" deno task fmt:check
run "static: lint" deno task lint
run "static: check" deno task check
for t in manifests:check proto:check dashboard:check; do
  if deno task 2>/dev/null | grep -q "^- $t\$\|^- $t "; then run "static: $t" deno task "$t"; fi
done
run "unit" deno task test
# The full hostile-input set (the unit layer runs a subset of it).
run "hostile" deno task test:hostile

# --- packaging: the Helm chart and the release --------------------------------------------
# helm and krew are built from the Go module proxy into the tool cache (Go from Debian when
# missing); the release tests run the task with no compile runtime reachable, with a stand-in
# one, and install its krew archives with the real krew.
if has_tests harness/helm || has_tests harness/release; then
  if ! command -v go >/dev/null 2>&1 && [[ ! -x /usr/local/go/bin/go && $(id -u) -ne 0 ]]; then
    skip "packaging" "no Go toolchain and not root to install one"
  elif run "packaging: build helm, krew" bash harness/tools/build.sh helm krew; then
    run "packaging" deno test -A --frozen harness/helm harness/release
  fi
fi

# --- privileged ------------------------------------------------------------------------------
if has_tests harness/privileged; then
  # Every mkfs the content tests write with (harness/privileged/formats.ts); e2e uses them too.
  ensure_package_list harness/privileged/packages.txt
  if [[ $(id -u) -ne 0 ]]; then
    skip "privileged" "not root"
  elif ! losetup -f >/dev/null 2>&1; then
    skip "privileged" "no free loop device"
  else
    run "privileged" deno task test:privileged
  fi
fi

# --- control plane e2e + csi-sanity ---------------------------------------------------------
if has_tests harness/e2e || [[ -f harness/e2e/run.ts ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    skip "monitoring" "not root (the tools are built as root)"
    skip "e2e" "not root"
  elif ! run "e2e: build tools" bash harness/tools/build.sh; then
    :
  else
    run "monitoring" deno task test:monitoring
    # The dashboard's browser tests drive Debian's chromium.
    ensure_packages chromium:chromium
    run "e2e" deno task test:e2e
    # The controller benchmark at its smallest size: checks allocation, prints figures.
    run "e2e: controller benchmark smoke" deno task bench:controller --drives=1000 --calls=200
  fi
fi

# --- fault matrix ------------------------------------------------------------------------------
# Root, the tools the e2e step built, and free loop devices; the mid-mkfs scenario slows writes
# with a blkio cgroup.
if [[ -f harness/faults/run.ts ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    skip "faults" "not root"
  elif ! losetup -f >/dev/null 2>&1; then
    skip "faults" "no free loop device"
  elif ! run "faults: build tools" bash harness/tools/build.sh; then
    :
  else
    run "faults" deno run -A --frozen harness/faults/run.ts
  fi
fi

# --- image ---------------------------------------------------------------------------------
# The driver image, built from this checkout without Docker into dist/ (the base layer is cached
# in the tool cache) and checked by harness/image. Layers that run pods use this archive
# (DIRECTPV_IMAGE_ARCHIVE).
export DIRECTPV_IMAGE_ARCHIVE="$ROOT/dist/directpv-image.oci.tar"
if has_tests harness/image; then
  if [[ $(id -u) -ne 0 ]]; then
    skip "image" "not root"
  else
    # qemu-user runs the arm64 image's Deno in its test (the build itself runs no arm64 code);
    # without recommends, so no binfmt handler is registered on the machine.
    ensure_packages --no-install-recommends qemu-aarch64-static:qemu-user-static readelf:binutils
    if run "image: build" bash tools/image/build.sh --output "$DIRECTPV_IMAGE_ARCHIVE"; then
      run "image" deno test -A --frozen harness/image
    fi
  fi
fi

# --- real node --------------------------------------------------------------------------------
# Needs root (mounts, containers) and the tools the e2e step built. A node that cannot come up
# fails the layer.
if [[ -f harness/realnode/run.ts ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    skip "real node" "not root"
  elif ! run "real node: build tools" bash harness/tools/build.sh; then
    :
  else
    run "real node" deno task test:realnode
  fi
fi

# --- kind ----------------------------------------------------------------------------------
# kind needs a Docker engine. A machine without one does not support this layer (it is named
# here, not failed); where Docker runs, the layer runs and counts like any other.
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  run "kind" bash -c 'harness/kind/kind.sh up && harness/kind/kind.sh test; rc=$?; harness/kind/kind.sh down; exit $rc'
else
  SUMMARY+=("kind: not supported on this machine (no Docker engine); run harness/kind/kind.sh where Docker runs")
fi

note "summary"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
if [[ -f "$LOGDIR/sanity_counts.txt" ]]; then cat "$LOGDIR/sanity_counts.txt"; fi
echo "logs: $LOGDIR"
echo "total: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[[ $LAYER_FAILED -eq 0 && $FAILED -eq 0 ]]
