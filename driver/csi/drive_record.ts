/**
 * What the controller's drive cache keeps of a DirectPVDrive: the facts selection, reservation
 * and the CSI replies read (volume conditions name the drive's health trouble), and nothing
 * else (no other conditions, annotations, timestamps, make or labels of other owners). At 10,000 drives this is well under half of the whole objects.
 */
import type { SchedulableDrive } from "../../lib/scheduling/mod.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DriveStatusFields,
  GROUP,
  healthTrouble,
  KINDS,
  type ObjectMeta,
} from "../../lib/types/mod.ts";

/** A compact record of a drive; a whole DirectPVDrive is one too. */
export interface CachedDrive extends SchedulableDrive {
  apiVersion?: string;
  kind?: string;
  metadata: Pick<
    ObjectMeta,
    "name" | "uid" | "resourceVersion" | "deletionTimestamp" | "labels" | "finalizers"
  >;
  status: Pick<
    DriveStatusFields,
    | "totalCapacity"
    | "allocatedCapacity"
    | "freeCapacity"
    | "fsuuid"
    | "status"
    | "topology"
    | "conditions"
  >;
}

/** The drive's labels of our group: selection matches only those against parameters. */
function ownLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(GROUP)) out[key] = value;
  }
  return out;
}

/** The drive's health trouble, when it has any (a healthy drive keeps no conditions). */
function troubleOf(drive: DirectPVDrive): Pick<DriveStatusFields, "conditions"> {
  const trouble = healthTrouble(drive);
  return trouble.length > 0 ? { conditions: trouble.map((c) => ({ ...c })) } : {};
}

/**
 * The compact record of `drive`. Every finalizer is kept, not only the volumes': a
 * reservation writes the list back whole (a merge patch replaces arrays).
 */
export function compactDrive(drive: DirectPVDrive): CachedDrive {
  const { name, uid, resourceVersion, deletionTimestamp, finalizers } = drive.metadata;
  const { totalCapacity, allocatedCapacity, freeCapacity, fsuuid, status, topology } =
    drive.status ?? {};
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      ...(name !== undefined ? { name } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      ...(deletionTimestamp !== undefined ? { deletionTimestamp } : {}),
      labels: ownLabels(drive.metadata.labels),
      finalizers: [...(finalizers ?? [])],
    },
    spec: drive.spec?.unschedulable ? { unschedulable: true } : {},
    status: {
      totalCapacity,
      allocatedCapacity,
      freeCapacity,
      fsuuid,
      status,
      topology: { ...topology },
      ...troubleOf(drive),
    },
  };
}
