/**
 * What the reconcilers need from the machine, as one interface: device probing, the FSUUID
 * scan, formatting, drive mounts and layout, volume cleanup. `createNodeOps()` implements it
 * over a Host with lib/device and lib/xfs; tests wrap it to inject crashes.
 */
import type {
  DeviceOps,
  DriveCapacity,
  FormatOptions,
  ProbedDevice,
} from "../../lib/node_init/mod.ts";
import type { HealthFindings } from "./health_probe.ts";

export type { DriveCapacity, FormatOptions, ProbedDevice };

/**
 * How much bigger than its filesystem a device must be before the filesystem is grown: more
 * than the rounding mkfs leaves, and enough for the allocation group a grow adds.
 */
export const GROW_THRESHOLD_BYTES = 16 * 2 ** 20;

/** Whether a device of `deviceBytes` under a filesystem of `fsBytes` has grown or shrunk. */
export function deviceResized(deviceBytes: number, fsBytes: number): boolean {
  return deviceBytes < fsBytes || deviceBytes - fsBytes >= GROW_THRESHOLD_BYTES;
}

/**
 * How a mounted drive's filesystem compares with its device: the same size (`bytes`, the
 * in-core size), grown to fill it (`before` → `bytes`), or on a device now smaller.
 */
export type DriveFit =
  | { kind: "same"; bytes: number }
  | { kind: "grown"; before: number; bytes: number }
  | { kind: "shrunk"; bytes: number; deviceBytes: number };

/** How often a running copy reports the bytes it has written. */
export const COPY_PROGRESS_MS = 1000;

/** A volume whose data moves from one drive to another. */
export interface VolumeDataCopy {
  volumeName: string;
  fromFsuuid: string;
  toFsuuid: string;
  /** The volume's size: its quota on the new drive. */
  totalCapacity: number;
}

/** A volume to put back on its drive's filesystem after a move. */
export interface RestageInput {
  volumeName: string;
  fsuuid: string;
  /** Host path of the staging target. */
  stagingTargetPath: string;
  totalCapacity: number;
}

/** One side of a reflink copy on a drive: a volume's directory or a snapshot's. */
export interface CopyEnd {
  kind: "volume" | "snapshot";
  name: string;
}

/** A reflink copy within one drive (a clone, a restore or a snapshot). */
export interface ReflinkCopy {
  fsuuid: string;
  from: CopyEnd;
  to: CopyEnd;
}

/** Node-side operations used by the reconcilers. Device names are kernel names (`sdb`). */
export interface NodeOps extends DeviceOps {
  /** Creates the `.FSUUID.<uuid>` symlink only (drives migrated with `spec.relabel`). */
  relabel(fsuuid: string): Promise<void>;
  /** Removes the drive's empty mount directories. */
  removeDriveDirs(fsuuid: string): Promise<void>;
  /**
   * Probes a mounted drive on its device for I/O errors, read-only state, the kernel's error
   * counter and SMART (`health_probe.ts`); an empty result means healthy.
   */
  checkHealth(device: ProbedDevice, fsuuid: string): Promise<HealthFindings>;
  /**
   * For a drive no device carries any more: when it is still mounted from a device that
   * exists but cannot be read, the I/O error; else undefined (the device is really gone).
   */
  unreadableMount(fsuuid: string): Promise<string | undefined>;
  /**
   * Compares the mounted drive's filesystem with its device of `deviceBytes` and, when the
   * device grew, grows the filesystem to fill it (xfs_growfs). A shrunk device is only reported.
   */
  fitDrive(fsuuid: string, deviceBytes: number): Promise<DriveFit>;
  /**
   * Copies a volume's data directory from one mounted drive to another, verifies the copy
   * (tree, owners, modes, hard links, xattrs, SHA-256 of every file), puts it in place under
   * the volume's name with its quota, and returns its bytes and files. The source is only read.
   */
  copyVolumeData(
    input: VolumeDataCopy,
    onProgress?: (copiedBytes: number) => void,
  ): Promise<{ bytes: number; files: number }>;
  /** Apparent bytes of a volume's data directory on a drive. */
  volumeDataBytes(fsuuid: string, volumeName: string): Promise<number>;
  /** Unmounts a host path (a volume's target or staging path); a no-op when not mounted. */
  unmountPath(hostPath: string): Promise<void>;
  /** Renames a volume's data directory to `<dataPath>.deleted` and removes it. */
  purgeVolumeData(dataPath: string): Promise<void>;
  /** Sets the volume's project quota limits to 0 on its drive. */
  releaseQuota(fsuuid: string, volumeName: string): Promise<void>;
  /** Creates the volume dir on the drive, sets its quota, bind-mounts it; returns the dataPath. */
  restageVolume(input: RestageInput): Promise<string>;
  /**
   * Copies by reflink within one mounted drive (`reflink_ops.ts`); a target already there is
   * a finished earlier copy. FailedPreconditionError when the drive has no reflink.
   */
  reflinkCopy(input: ReflinkCopy): Promise<void>;
  /** Removes a snapshot's directory from its drive. */
  removeSnapshotData(fsuuid: string, snapshot: string): Promise<void>;
}
