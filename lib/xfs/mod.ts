/**
 * XFS for drives: `mkfs`/`formatDrive` (with safety checks), the superblock reader, mounting
 * at `<app>/mnt/<fsuuid>` under a quota policy, the drive layout and volume directories,
 * project quotas through `xfs_quota`, block-volume files on loop devices, reflink detection and
 * `xfs_repair`.
 *
 * May import: lib/sys, lib/types, lib/errors, lib/log.
 * @module
 */
export { probeXfs, type XfsSuperblock } from "./superblock.ts";
export { mkfs } from "./mkfs.ts";
export { type DeviceState, formatDrive } from "./format.ts";
export {
  detectQuotaSupport,
  majorMinorOf,
  mountDrive,
  QUOTA_POLICIES,
  type QuotaPolicy,
  unmountDrive,
} from "./mount.ts";
export {
  createVolumeDir,
  drivePaths,
  ensureFsuuidLink,
  fsuuidLinkName,
  metaInfoContent,
  volumeDataPath,
  writeDriveLayout,
} from "./layout.ts";
export { getProjectQuota, limitArgs, projectArgs, projectId, setProjectQuota } from "./quota.ts";
export { detectReflinkSupport, reflinkCopyTree } from "./reflink.ts";
export { growXfs, xfsDataSize } from "./growfs.ts";
export { repairDrive, xfsRepair } from "./repair.ts";
export {
  attachBlockFile,
  blockFilePath,
  blockQuotaSize,
  detachBlockFile,
  growBlockFile,
  loopDevicesOf,
} from "./block.ts";
