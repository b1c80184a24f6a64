/**
 * What the node-side steps of discover and init need from the machine: device probing, the
 * FSUUID scan, formatting and the drive mount with its layout. The driver implements it over
 * a Host (with the rest of its node operations); tests over fake devices (`testing.ts`).
 */
import type { NodeDevice } from "../types/mod.ts";

/** A probed block device (the DirectPVNode device fields). */
export type ProbedDevice = NodeDevice;

/** Capacities read from an XFS superblock. */
export interface DriveCapacity {
  fsuuid: string;
  totalCapacity: number;
  freeCapacity: number;
}

/** Options of `format`. */
export interface FormatOptions {
  /** The FSUUID to give the new filesystem. */
  fsuuid: string;
  /** Overwrite an existing filesystem or partition table (`mkfs.xfs -f`). */
  force: boolean;
  signal?: AbortSignal;
}

/** The device operations of one node. Device names are kernel names (`sdb`). */
export interface DeviceOps {
  /** Probes visible devices; `driveExists(fsuuid)` decides the `Used by DirectPV` denial. */
  probeDevices(driveExists: (fsuuid: string) => boolean): Promise<ProbedDevice[]>;
  /**
   * Superblock scan: visible devices by XFS FSUUID (hidden, partitioned, held, swap, CD-ROM
   * and empty devices skipped).
   */
  devicesByFsuuid(): Promise<Map<string, ProbedDevice[]>>;
  /** Safe mkfs: refuses a mounted device; returns the new filesystem's capacities. */
  format(device: ProbedDevice, options: FormatOptions): Promise<DriveCapacity>;
  /** Reads the XFS superblock of a device. */
  readCapacity(deviceName: string): Promise<DriveCapacity>;
  /**
   * Whether the device carries an XFS superblock that mkfs.xfs never finished (killed while
   * formatting): it cannot be mounted and nothing can have been written on it.
   */
  unfinishedFormat(deviceName: string): Promise<boolean>;
  /**
   * Makes `<app>/mnt/<fsuuid>` a mount of this device (noatime, project quota per policy): a
   * no-op when it already is. The caller found this device as the only one carrying the
   * FSUUID, so a mount of another device there is stale (the device vanished) and is replaced.
   */
  mountDrive(device: ProbedDevice, fsuuid: string): Promise<void>;
  /** Writes the drive layout: the `.FSUUID.<uuid>` symlink and `.directpv/meta.info`. */
  writeLayout(fsuuid: string): Promise<void>;
  /** Unmounts every mount of the drive (its mount point, the legacy one, the device's others). */
  unmountDrive(fsuuid: string, deviceMajorMinor?: string): Promise<void>;
}
