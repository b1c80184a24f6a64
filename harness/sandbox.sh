#!/usr/bin/env bash
# The README's main job. `up` builds the pinned Kubernetes, container-runtime and CSI tools if
# needed (into a cache outside the repository) and the driver image (dist/), then brings up a
# local cluster with a real node (containerd + kubelet), DirectPV installed by
# `kubectl directpv install`, loop-device drives discovered and initialized and a pod Running on
# a DirectPV volume. `down` stops and removes everything (processes, mounts, loop devices).
#
#   bash harness/sandbox.sh up|down|status [--dir DIR] [--host-processes [--nodes N]]
#
# `--host-processes` runs simulated nodes (our servers as host processes, default 2) instead,
# for topology checks with several DirectPV nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "The sandbox needs root (loop devices, mkfs.xfs, mounts)" >&2
  exit 1
fi
DENO=$(tools/ensure_deno.sh)
verb=${1:-up}
if [[ "$verb" == "up" ]]; then
  missing=()
  for pair in mkfs.xfs:xfsprogs losetup:mount openssl:openssl; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  bash harness/tools/build.sh
  "$DENO" install --frozen >/dev/null
fi
exec "$DENO" run --frozen -A harness/sandbox/main.ts "$@"
