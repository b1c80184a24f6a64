#!/usr/bin/env bash
# Removes from a Debian root filesystem what a container never reads: apt's package cache and
# lists, documentation, manual pages, translations and logs. Used by tools/image/build.sh on
# the debootstrap tree and by the Dockerfile on its final stage. Each package's copyright
# file stays.
#
#   tools/image/trim_rootfs.sh ROOT
set -euo pipefail
root=${1:?usage: trim_rootfs.sh ROOT}
[[ -d "$root/var/lib/dpkg" ]] || { echo "\"$root\" is not a Debian root filesystem" >&2; exit 2; }

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
  "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old \
  "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/lintian "$root"/usr/share/linda "$root"/usr/share/bug \
  "$root"/var/cache/ldconfig/aux-cache "$root"/tmp/* "$root"/var/tmp/*
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
# Translations, except the C/POSIX ones every program falls back to.
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
# Logs: keep the files (some programs expect them), empty them.
find "$root/var/log" -type f -exec truncate -s 0 {} +
