#!/usr/bin/env bash
# Makes the pinned Deno available and prints the path of its binary.
# Deno comes from the official `deno` npm package (its platform package carries the binary),
# installed into a cache directory outside the repository. This file is the one place the
# Deno version is pinned.
set -euo pipefail

DENO_VERSION=2.9.6

CACHE="${DIRECTPV_DENO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/directpv-deno}/$DENO_VERSION"
BIN="$CACHE/node_modules/deno/bin/deno"

have_version() { [[ -x "$1" ]] && "$1" --version 2>/dev/null | head -n1 | grep -q "^deno $DENO_VERSION "; }

if have_version "$BIN"; then
  echo "$BIN"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "Installing npm from Debian to fetch Deno" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
fi

echo "Installing Deno $DENO_VERSION from the npm registry into $CACHE" >&2
rm -rf "$CACHE" && mkdir -p "$CACHE"
npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >&2
# The package's bin shim resolves the platform binary; find the real one.
real=$(find "$CACHE/node_modules/@deno" -type f -name deno -perm -u+x 2>/dev/null | head -n1)
if [[ -z "$real" ]]; then
  echo "Deno $DENO_VERSION installed, but no platform binary was found under $CACHE" >&2
  exit 1
fi
mkdir -p "$(dirname "$BIN")"
ln -sf "$real" "$BIN"
have_version "$BIN" || { echo "Deno at $BIN does not report version $DENO_VERSION" >&2; exit 1; }
echo "$BIN"
