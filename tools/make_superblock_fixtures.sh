#!/usr/bin/env bash
# Regenerates the superblock fixtures under lib/device/testdata/ and lib/xfs/testdata/.
# Each fixture is the gzip'd first bytes of an image made by the real tool, just enough to
# cover the superblock or label the probe reads. Needs root (pvcreate needs a loop device)
# and: xfsprogs e2fsprogs util-linux dosfstools btrfs-progs cryptsetup-bin lvm2 gdisk
# fdisk genisoimage.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/lib/device/testdata"
xfs_out="$repo/lib/xfs/testdata"
work=$(mktemp -d)
loop=""
cleanup() {
  if [[ -n "$loop" ]]; then losetup -d "$loop" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out" "$xfs_out"

# keep NAME BYTES: gzip the first BYTES of $work/NAME into the fixture NAME.img.gz
keep() {
  head -c "$2" "$work/$1" | gzip -9n >"$out/$1.img.gz"
}

image() { rm -f "$work/$1"; truncate -s "$2" "$work/$1"; }

image xfs 512M
mkfs.xfs -q -i maxpct=50 -m uuid=6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10 -L DIRECTPV "$work/xfs"
keep xfs 4096
cp "$out/xfs.img.gz" "$xfs_out/xfs.img.gz"

image xfs_noreflink 512M
mkfs.xfs -q -i maxpct=50 -m uuid=0a5b2c8d-1e4f-4a6b-8c7d-9e0f1a2b3c4d -m reflink=0 \
  -L DIRECTPV "$work/xfs_noreflink"
head -c 4096 "$work/xfs_noreflink" | gzip -9n >"$xfs_out/xfs_noreflink.img.gz"

# The ext family: one image each, the same size, label scheme and superblock span.
for fs_uuid in ext4:3d0f5a3e-9b2c-4c1e-8f6a-1b2c3d4e5f60 ext3:4e1a6b4f-0c3d-4d2f-9a7b-2c3d4e5f6a71 \
  ext2:5f2b7c5a-1d4e-4e3a-8b8c-3d4e5f6a7b82; do
  fs=${fs_uuid%%:*}
  image "$fs" 64M
  "mkfs.$fs" -q -U "${fs_uuid#*:}" -L "data-$fs" "$work/$fs"
  keep "$fs" 2048
done

image btrfs 256M
mkfs.btrfs -q -U 7a3c8d6b-2e5f-4f4b-9c9d-4e5f6a7b8c93 -L data-btrfs "$work/btrfs"
keep btrfs 69632

image swap 64M
mkswap -q -U 8b4d9e7c-3f6a-4a5c-8dae-5f6a7b8c9da4 -L data-swap "$work/swap"
keep swap 4096

image luks2 32M
printf 'fixture-passphrase' | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 \
  --pbkdf-force-iterations 1000 --uuid 9c5eaf8d-4a7b-4b6d-9ebf-6a7b8c9daeb5 \
  --label data-luks --key-file - "$work/luks2"
keep luks2 4096
image luks1 32M
printf 'fixture-passphrase' | cryptsetup luksFormat -q --type luks1 --pbkdf-force-iterations 1000 \
  --uuid ad6fba9e-5b8c-4c7e-8fca-7b8c9daebfc6 --key-file - "$work/luks1"
keep luks1 4096

image lvm2 64M
loop=$(losetup --find --show "$work/lvm2")
pvcreate -q --norestorefile --uuid Fa1bC2-dE3f-G4h5-I6j7-K8l9-M0n1-O2p3q4 "$loop"
sync
keep lvm2 4096
losetup -d "$loop"
loop=""

image vfat 64M
mkfs.vfat -F 32 -i 1234ABCD -n DATAFAT32 "$work/vfat" >/dev/null
keep vfat 512
image fat16 32M
mkfs.vfat -F 16 -i 0BADCAFE -n DATAFAT16 "$work/fat16" >/dev/null
keep fat16 512

mkdir -p "$work/isodir"
echo hello >"$work/isodir/hello.txt"
genisoimage -quiet -V DATA_ISO -o "$work/iso9660" "$work/isodir"
# Pin the volume creation date (the blkid UUID of an ISO) so the fixture is reproducible.
printf '2024010203040500' | dd of="$work/iso9660" bs=1 seek=$((0x8000 + 813)) conv=notrunc status=none
keep iso9660 36864

image gpt 64M
sgdisk -U 11111111-2222-4333-8444-555555555555 -n 1:2048:+16M "$work/gpt" >/dev/null
keep gpt 4096

image mbr 64M
printf 'label: dos\nlabel-id: 0x1234abcd\n,16M,L\n' | sfdisk -q "$work/mbr" >/dev/null
keep mbr 512

ls -l "$out" "$xfs_out"
