/** DirectPVVolume (reference §2.2): one volume, a directory on a drive; its name is the PV name. */
import { LABELS } from "./labels.ts";
import type { Condition, KubeObject } from "./meta.ts";

export const VOLUME_STATUSES = ["Pending", "Ready"] as const;
export type VolumeStatus = typeof VOLUME_STATUSES[number];

export const VOLUME_CONDITIONS = {
  lost: {
    type: "Lost",
    reason: "DriveLost",
    message:
      "Associated drive was removed. Refer https://github.com/minio/directpv/blob/master/docs/troubleshooting.md",
  },
} as const;

export interface VolumeStatusFields {
  dataPath: string;
  stagingTargetPath: string;
  targetPath: string;
  fsuuid: string;
  totalCapacity: number;
  availableCapacity: number;
  usedCapacity: number;
  status: VolumeStatus;
  conditions?: Condition[];
}

export interface DirectPVVolume extends KubeObject {
  status: VolumeStatusFields;
}

/** The id of a volume's drive: its `directpv.min.io/drive` label, else its FSUUID. */
export function driveIdOf(volume: DirectPVVolume): string {
  return volume.metadata.labels?.[LABELS.drive] ?? volume.status.fsuuid;
}
