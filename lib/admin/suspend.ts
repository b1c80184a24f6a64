/**
 * `suspend` / `resume` (reference §1.12): set or remove `directpv.min.io/suspend=true` on
 * drives or volumes. Suspension takes effect when the workload's pods are restarted.
 */
import { type KubeClient, UNCHANGED } from "../k8s/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  isSuspended,
  type KubeObject,
  LABELS,
} from "../types/mod.ts";
import type { DriveQuery, VolumeQuery } from "./listers.ts";
import type { WriteRunOptions } from "./types.ts";
import { DRIVES, type SelectedKind, updateSelected, VOLUMES } from "./update_matching.ts";

function setSuspended<T extends KubeObject, Q>(
  kind: SelectedKind<T, Q>,
  kube: KubeClient,
  args: WriteRunOptions & { query: Q },
  { suspend }: { suspend: boolean },
): Promise<T[]> {
  return updateSelected(kind, kube, args, (object) => {
    if (isSuspended(object) === suspend) return UNCHANGED;
    const labels = { ...object.metadata.labels };
    if (suspend) labels[LABELS.suspend] = "true";
    else delete labels[LABELS.suspend];
    object.metadata.labels = labels;
    return object;
  }, (object) => `${kind.noun} ${kind.describe(object)} ${suspend ? "suspended" : "resumed"}`);
}

/** Arguments of {@link suspendDrives} and {@link resumeDrives}. */
export interface SuspendDrivesArgs extends WriteRunOptions {
  query: DriveQuery;
}

/** Arguments of {@link suspendVolumes} and {@link resumeVolumes}. */
export interface SuspendVolumesArgs extends WriteRunOptions {
  query: VolumeQuery;
}

/**
 * Suspends the selected drives; their volumes become read-only at the next publish.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 */
export function suspendDrives(kube: KubeClient, args: SuspendDrivesArgs): Promise<DirectPVDrive[]> {
  return setSuspended(DRIVES, kube, args, { suspend: true });
}

/** Resumes the selected drives. */
export function resumeDrives(kube: KubeClient, args: SuspendDrivesArgs): Promise<DirectPVDrive[]> {
  return setSuspended(DRIVES, kube, args, { suspend: false });
}

/** Suspends the selected volumes. */
export function suspendVolumes(
  kube: KubeClient,
  args: SuspendVolumesArgs,
): Promise<DirectPVVolume[]> {
  return setSuspended(VOLUMES, kube, args, { suspend: true });
}

/** Resumes the selected volumes. */
export function resumeVolumes(
  kube: KubeClient,
  args: SuspendVolumesArgs,
): Promise<DirectPVVolume[]> {
  return setSuspended(VOLUMES, kube, args, { suspend: false });
}
