/**
 * XFS for drives: `mkfs`/`formatDrive` (with safety checks), the superblock reader, mounting
 * at `<app>/mnt/<fsuuid>` under a quota policy, the drive layout and volume directories,
 * project quotas through `xfs_quota`, block-volume files on loop devices, reflink detection and
 * `xfs_repair`.
 *
 * May import: lib/sys, lib/types, lib/errors, lib/log.
 * @module
 */
export {
  probeXfs,
  readXfsSuperblock,
  XFS_SUPERBLOCK_BYTES,
  type XfsSuperblock,
} from "./superblock.ts";
export { mkfs, mkfsArgs, type MkfsOptions } from "./mkfs.ts";
export {
  type DeviceState,
  formatDrive,
  type FormatDriveOptions,
  type FormattedDrive,
} from "./format.ts";
export {
  detectQuotaSupport,
  type DriveMount,
  kernelNameOf,
  majorMinorOf,
  mountDrive,
  type MountDriveOptions,
  QUOTA_POLICIES,
  type QuotaPolicy,
  unmountDrive,
} from "./mount.ts";
export {
  createVolumeDir,
  type DrivePaths,
  drivePaths,
  ensureFsuuidLink,
  fsuuidLinkName,
  META_DIR_MODE,
  META_FILE_MODE,
  metaInfoContent,
  parseMetaInfo,
  VOLUME_DIR_MODE,
  volumeDataPath,
  writeDriveLayout,
} from "./layout.ts";
export {
  getProjectQuota,
  limitArgs,
  parseQuotaOutput,
  projectArgs,
  projectId,
  type ProjectQuota,
  setProjectQuota,
  type SetQuotaOptions,
} from "./quota.ts";
export {
  detectReflinkSupport,
  REFLINK_COPY_ARGS,
  REFLINK_TEST_IMAGE_SIZE,
  reflinkCopyTree,
  type ReflinkOptions,
} from "./reflink.ts";
export { growXfs, parseGrowfsOutput, type XfsDataSize, xfsDataSize } from "./growfs.ts";
export { repairArgs, repairDrive, type RepairOptions, xfsRepair } from "./repair.ts";
export {
  attachBlockFile,
  blockFilePath,
  blockQuotaSize,
  detachBlockFile,
  growBlockFile,
  loopDevicesOf,
} from "./block.ts";
