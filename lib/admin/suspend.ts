/**
 * `suspend` / `resume` (reference §1.12): set or remove `directpv.min.io/suspend=true` on
 * drives or volumes. Suspension takes effect when the workload's pods are restarted.
 */
import { type KubeClient, type ResourceClient, UNCHANGED } from "../k8s/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  isSuspended,
  type KubeObject,
  LABELS,
} from "../types/mod.ts";
import { describeDrive, describeVolume } from "./describe.ts";
import { type DriveQuery, listDrives, listVolumes, type VolumeQuery } from "./listers.ts";
import {
  NoMatchingResourcesError,
  signalOption,
  silentReporter,
  writeOptions,
  type WriteRunOptions,
} from "./types.ts";
import { updateMatching } from "./update_matching.ts";

interface Target<T extends KubeObject> {
  noun: string;
  resource: ResourceClient<T>;
  describe: (object: T) => string;
}

async function setSuspended<T extends KubeObject>(
  target: Target<T>,
  objects: readonly T[],
  options: WriteRunOptions,
  { suspend }: { suspend: boolean },
): Promise<T[]> {
  if (objects.length === 0) throw new NoMatchingResourcesError();
  const reporter = options.reporter ?? silentReporter;
  const outcomes = await updateMatching(target.resource, objects, (object) => {
    if (isSuspended(object) === suspend) return UNCHANGED;
    const labels = { ...object.metadata.labels };
    if (suspend) labels[LABELS.suspend] = "true";
    else delete labels[LABELS.suspend];
    object.metadata.labels = labels;
    return object;
  }, writeOptions(options));
  const changed = outcomes.filter((o) => o.changed).map((o) => o.object);
  for (const object of changed) {
    reporter.info(
      `${target.noun} ${target.describe(object)} ${suspend ? "suspended" : "resumed"}`,
    );
  }
  return changed;
}

/** Arguments of {@link suspendDrives} and {@link resumeDrives}. */
export interface SuspendDrivesArgs extends WriteRunOptions {
  query: DriveQuery;
}

/** Arguments of {@link suspendVolumes} and {@link resumeVolumes}. */
export interface SuspendVolumesArgs extends WriteRunOptions {
  query: VolumeQuery;
}

function driveTarget(kube: KubeClient): Target<DirectPVDrive> {
  return { noun: "Drive", resource: kube.drives, describe: describeDrive };
}

function volumeTarget(kube: KubeClient): Target<DirectPVVolume> {
  return { noun: "Volume", resource: kube.volumes, describe: describeVolume };
}

/**
 * Suspends the selected drives; their volumes become read-only at the next publish.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 */
export async function suspendDrives(
  kube: KubeClient,
  args: SuspendDrivesArgs,
): Promise<DirectPVDrive[]> {
  const drives = await listDrives(kube, args.query, signalOption(args.signal));
  return setSuspended(driveTarget(kube), drives, args, { suspend: true });
}

/** Resumes the selected drives. */
export async function resumeDrives(
  kube: KubeClient,
  args: SuspendDrivesArgs,
): Promise<DirectPVDrive[]> {
  const drives = await listDrives(kube, args.query, signalOption(args.signal));
  return setSuspended(driveTarget(kube), drives, args, { suspend: false });
}

/** Suspends the selected volumes. */
export async function suspendVolumes(
  kube: KubeClient,
  args: SuspendVolumesArgs,
): Promise<DirectPVVolume[]> {
  const volumes = await listVolumes(kube, args.query, signalOption(args.signal));
  return setSuspended(volumeTarget(kube), volumes, args, { suspend: true });
}

/** Resumes the selected volumes. */
export async function resumeVolumes(
  kube: KubeClient,
  args: SuspendVolumesArgs,
): Promise<DirectPVVolume[]> {
  const volumes = await listVolumes(kube, args.query, signalOption(args.signal));
  return setSuspended(volumeTarget(kube), volumes, args, { suspend: false });
}
