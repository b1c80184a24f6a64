#!/usr/bin/env bash
# The README's main job. `up` builds the pinned control-plane and CSI tools if needed (into a
# cache outside the repository), then brings up a local loopback-device cluster with DirectPV
# installed, drives discovered and initialized and a volume provisioned. `down` tears it down.
#
#   bash harness/sandbox.sh up|down|status [--dir DIR] [--nodes N] [--real-node]
#
# `--real-node` runs real containerd + kubelet nodes (pods from a loopback registry) instead of
# simulated host-process nodes.
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
