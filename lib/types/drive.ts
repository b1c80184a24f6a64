/** DirectPVDrive (reference §2.1): one XFS-formatted drive; its name is its FSUUID. */
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
} as const;

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
