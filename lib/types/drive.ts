/** DirectPVDrive (reference §2.1): one XFS-formatted drive; its name is its FSUUID. */
import { FINALIZERS } from "./labels.ts";
import type { Condition, KubeObject } from "./meta.ts";

export const DRIVE_STATUSES = ["Ready", "Lost", "Error", "Removed", "Moving", "Repairing"] as const;
export type DriveStatus = typeof DRIVE_STATUSES[number];

export const ACCESS_TIERS = ["Default", "Warm", "Hot", "Cold"] as const;
export type AccessTier = typeof ACCESS_TIERS[number];

/** Parses an access tier case-insensitively (`hot` → `Hot`); undefined when unknown. */
export function parseAccessTier(value: string): AccessTier | undefined {
  const lower = value.toLowerCase();
  return ACCESS_TIERS.find((t) => t.toLowerCase() === lower);
}

export const DRIVE_CONDITIONS = {
  mountError: { type: "MountError", reason: "DriveHasMountError" },
  multipleMatches: { type: "MultipleMatches", reason: "DriveHasMultipleMatches" },
  ioError: { type: "IOError", reason: "DriveHasIOError", message: "Drive has I/O error" },
  relabelError: { type: "RelabelError", reason: "DriveHasRelabelError" },
  /** Not a DirectPV condition: set by `directpv repair` when xfs_repair fails. */
  repairError: { type: "RepairError", reason: "DriveHasRepairError" },
  /** Not DirectPV conditions: trouble the node server's health check found. */
  readOnly: { type: "ReadOnly", reason: "DriveIsReadOnly" },
  deviceErrors: { type: "DeviceErrors", reason: "DriveHasDeviceErrors" },
  smartFailing: { type: "SmartFailing", reason: "DriveFailsSmartCheck" },
  /** Not a DirectPV condition: the device is now smaller than the filesystem on it. */
  deviceShrunk: { type: "DeviceShrunk", reason: "DriveDeviceShrunk" },
} as const;

/**
 * The condition types of drive trouble the health check finds and clears by itself (IOError
 * is DirectPV's; the others are ours). A drive with one of them is `Error`.
 */
export const HEALTH_CONDITION_TYPES: readonly string[] = [
  DRIVE_CONDITIONS.ioError.type,
  DRIVE_CONDITIONS.readOnly.type,
  DRIVE_CONDITIONS.deviceErrors.type,
  DRIVE_CONDITIONS.smartFailing.type,
  DRIVE_CONDITIONS.deviceShrunk.type,
];

export interface DriveSpec {
  unschedulable?: boolean;
  relabel?: boolean;
}

export interface DriveStatusFields {
  totalCapacity: number;
  allocatedCapacity: number;
  freeCapacity: number;
  fsuuid: string;
  status: DriveStatus;
  topology: Record<string, string>;
  make?: string;
  conditions?: Condition[];
}

export interface DirectPVDrive extends KubeObject {
  spec: DriveSpec;
  status: DriveStatusFields;
}

/** The true health conditions of a drive (see {@link HEALTH_CONDITION_TYPES}). */
export function healthTrouble(
  drive: { status: Pick<DriveStatusFields, "conditions"> },
): Condition[] {
  return (drive.status.conditions ?? []).filter((c) =>
    c.status === "True" && HEALTH_CONDITION_TYPES.includes(c.type)
  );
}

/** Whether a drive is `Ready` and its health check found no trouble. */
export function isHealthyDrive(drive: DirectPVDrive): boolean {
  return drive.status.status === "Ready" && healthTrouble(drive).length === 0;
}

/** Number of volumes on a drive: its per-volume finalizers. */
export function volumeCount(drive: DirectPVDrive): number {
  return (drive.metadata.finalizers ?? []).filter((f) => f.startsWith(FINALIZERS.volumePrefix))
    .length;
}
