#!/usr/bin/env bash
# Installs the DirectPV CLI as `kubectl-directpv` and `directpv` in a bin directory by
# symlinking tools/kubectl-directpv (or, with --compiled, the binary `deno task compile:cli`
# builds in dist/).
#
#   tools/install_cli.sh [--compiled] [BIN_DIR]     (default BIN_DIR: ~/.local/bin)
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
target="$repo/tools/kubectl-directpv"
if [[ "${1:-}" == "--compiled" ]]; then
  shift
  target="$repo/dist/kubectl-directpv"
  if [[ ! -x "$target" ]]; then
    echo "No compiled binary at $target; run: deno task compile:cli" >&2
    exit 1
  fi
fi
bin="${1:-$HOME/.local/bin}"

mkdir -p "$bin"
for name in kubectl-directpv directpv; do
  ln -sfn "$target" "$bin/$name"
  echo "Installed $bin/$name -> $target"
done
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "Note: $bin is not in PATH" >&2 ;;
esac
