/**
 * The condition of a volume as the cluster objects record it: its drive (gone, Lost, in
 * Error) and its own status (a Lost condition, a content copy that failed). The controller
 * reports this from its caches (ListVolumes, ControllerGetVolume); the node server adds what
 * only the node can see, its data directory (NodeGetVolumeStats).
 */
import {
  COPY_CONDITIONS,
  type DirectPVVolume,
  driveIdOf,
  healthTrouble,
  VOLUME_CONDITIONS,
} from "../../lib/types/mod.ts";
import type { CachedDrive } from "./drive_record.ts";

/** The health of a volume: abnormal with a reason, or normal. */
export interface Condition {
  abnormal: boolean;
  message: string;
}

/** The condition of a volume nothing is wrong with. */
export const HEALTHY: Condition = Object.freeze({ abnormal: false, message: "volume is healthy" });

/** Drive states in which the volume's data cannot be reached. */
const UNREACHABLE_DRIVE_STATES: ReadonlySet<string> = new Set(["Lost", "Error"]);

function driveProblem(volume: DirectPVVolume, drive: CachedDrive | undefined) {
  const id = volume.metadata.name;
  if (!drive || drive.metadata.deletionTimestamp) {
    return `drive ${driveIdOf(volume)} of volume ${id} not found`;
  }
  const state = drive.status.status;
  if (!UNREACHABLE_DRIVE_STATES.has(state)) return undefined;
  const trouble = healthTrouble(drive).map((c) => `${c.type}: ${c.message}`);
  const why = trouble.length > 0 ? ` (${trouble.join("; ")})` : "";
  return `drive ${drive.metadata.name} of volume ${id} is ${state}${why}`;
}

function ownProblem(volume: DirectPVVolume): string | undefined {
  const id = volume.metadata.name;
  const conditions = volume.status.conditions ?? [];
  const lost = conditions.find((c) =>
    c.type === VOLUME_CONDITIONS.lost.type && c.status === "True"
  );
  if (lost) return `volume ${id} is Lost (${lost.reason}: ${lost.message})`;
  const failed = conditions.find((c) =>
    c.type === COPY_CONDITIONS.copyFailed && c.status === "True"
  );
  if (failed) return `content of volume ${id} could not be copied: ${failed.message}`;
  return undefined;
}

/**
 * The abnormal condition the objects record for `volume` on `drive` (undefined for the
 * drive when it is not known), or undefined when they record nothing wrong.
 */
export function recordedProblem(
  volume: DirectPVVolume,
  drive: CachedDrive | undefined,
): Condition | undefined {
  const message = driveProblem(volume, drive) ?? ownProblem(volume);
  return message === undefined ? undefined : { abnormal: true, message };
}

/** {@linkcode recordedProblem}, or {@linkcode HEALTHY} when there is none. */
export function recordedCondition(
  volume: DirectPVVolume,
  drive: CachedDrive | undefined,
): Condition {
  return recordedProblem(volume, drive) ?? { ...HEALTHY };
}
