/**
 * Block-device discovery without udev: `probeDevices()` enumerates sysfs, identifies what each
 * device holds with libblkid's low-level probe (every filesystem, RAID, volume-manager, cache,
 * encryption and partition-table signature it knows; unknown non-zero data is never "empty")
 * and computes each device's denied reasons and change-detecting id; `findByFsuuid()` locates
 * a drive with our own fast superblock parsers (XFS, ext2/3/4, btrfs, swap, LUKS, LVM2, FAT,
 * ISO 9660, GPT/MBR).
 *
 * May import: lib/sys, lib/types, lib/errors, lib/log.
 * @module
 */
export { deniedReason, describeDevice, type Device, toNodeDevice } from "./device.ts";
export { probeDevices } from "./probe.ts";
export { findByFsuuid, indexByFsuuid } from "./find.ts";
export { readDeviceStats } from "./stat.ts";
export { isLoopName, readAttr } from "./sysfs.ts";
