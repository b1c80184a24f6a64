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
export {
  computeDeviceId,
  DENIED,
  deniedReason,
  type DenyContext,
  denyReasons,
  describeDevice,
  type Device,
  deviceIdLines,
  isAvailable,
  parseDeviceId,
  toNodeDevice,
} from "./device.ts";
export { probeDevices, type ProbeOptions } from "./probe.ts";
export {
  checkEmpty,
  type DeviceContent,
  EMPTY_CHECK_BYTES,
  identifyContent,
  ScratchBuffers,
  signatureOf,
} from "./content.ts";
export {
  canHoldDrive,
  findByFsuuid,
  type FindOptions,
  type FsuuidMatch,
  indexByFsuuid,
  matchOf,
} from "./find.ts";
export { type ByteReader, type ContentProbe, probeContent } from "./fs_probe.ts";
export {
  formatUuid,
  type FsSignature,
  parseBtrfs,
  parseExt,
  parseGpt,
  parseIso9660,
  parseLuks,
  parseLvm2,
  parseMbr,
  parseSwap,
  parseVfat,
  parseXfs,
  type PartTableSignature,
} from "./superblock.ts";
export { parseCdromInfo, parseSwaps, parseUdevData } from "./proc_files.ts";
export { type DeviceStats, parseDeviceStat, readDeviceStats } from "./stat.ts";
export { isLoopName, readAttr } from "./sysfs.ts";
export { mapPool } from "./pool.ts";
