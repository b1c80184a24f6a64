#!/usr/bin/env bash
# Builds the directpv driver image from this checkout without Docker, as root: a Debian 12
# base from debootstrap (cached in the tool cache), the pinned Deno, the bundled driver. Writes
# an OCI archive (default dist/directpv-<tag>.oci.tar) and, with --push, pushes it with crane.
#
#   tools/image/build.sh [--output FILE] [--push REGISTRY[/REPOSITORY[:TAG]]] [--mirror URL]
#
# The tag comes from lib/version (RELEASE_VERSION). One build at a time per tool cache.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${DIRECTPV_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/directpv-tools}"

if [[ $(id -u) -ne 0 ]]; then
  echo "Error: building the image needs root (debootstrap, chroot)" >&2
  exit 1
fi
for tool in debootstrap:debootstrap gzip:gzip tar:tar chroot:coreutils; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    echo "[image] installing ${tool#*:} from Debian" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}") >&2
  fi
done
deno="$("$repo/tools/ensure_deno.sh")"

mkdir -p "$cache/image"
exec 9>"$cache/image/.lock"
if ! flock -n 9; then
  echo "[image] another image build holds $cache/image/.lock; waiting" >&2
  flock 9
fi
cd "$repo"
"$deno" install --frozen >/dev/null 2>&1 || true
export DIRECTPV_TOOLS_CACHE="$cache"
exec "$deno" run --allow-all --frozen --config "$repo/deno.json" "$repo/tools/image/build.ts" "$@"
