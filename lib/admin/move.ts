/**
 * `move SRC DEST` (reference §1.11): hand the volumes of a cordoned drive to another cordoned
 * drive on the same node. Only references move; the node controller finishes the move.
 */
import type { KubeClient } from "../k8s/mod.ts";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
} from "../errors/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  LABELS,
  volumeFinalizer,
} from "../types/mod.ts";
import { nodeOf } from "./describe.ts";
import { signalOption, silentReporter, writeOptions, type WriteRunOptions } from "./types.ts";
import { updateMatching } from "./update_matching.ts";

/** Arguments of {@link moveDrive}. */
export interface MoveArgs extends WriteRunOptions {
  source: string;
  destination: string;
}

async function getDrive(
  kube: KubeClient,
  id: string,
  role: string,
  signal?: AbortSignal,
): Promise<DirectPVDrive> {
  try {
    return await kube.drives.get(id, signalOption(signal));
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`Cannot move: ${role} drive "${id}" not found`, { cause: err });
    }
    throw err;
  }
}

async function sourceVolumes(
  kube: KubeClient,
  source: DirectPVDrive,
  signal?: AbortSignal,
): Promise<DirectPVVolume[]> {
  const names = (source.metadata.finalizers ?? [])
    .filter((f) => f.startsWith(FINALIZERS.volumePrefix))
    .map((f) => f.slice(FINALIZERS.volumePrefix.length));
  if (names.length === 0) {
    throw new FailedPreconditionError(
      `Cannot move: no volumes found on source drive "${source.metadata.name}"`,
    );
  }
  const volumes: DirectPVVolume[] = [];
  for (const name of names) {
    const volume = await kube.volumes.get(name, signalOption(signal));
    if (volume.status?.targetPath) {
      throw new FailedPreconditionError(`Cannot move published volume "${name}"`);
    }
    volumes.push(volume);
  }
  return volumes;
}

function checkDestination(source: DirectPVDrive, dest: DirectPVDrive, required: number): void {
  const id = dest.metadata.name ?? "";
  if (nodeOf(source) !== nodeOf(dest)) {
    throw new FailedPreconditionError(
      `Cannot move: source and destination drives must be on the same node ("${
        nodeOf(source)
      }" and "${nodeOf(dest)}")`,
    );
  }
  if (!dest.spec?.unschedulable) {
    throw new FailedPreconditionError(`Cannot move: destination drive "${id}" is not cordoned`);
  }
  if (dest.status?.status !== "Ready") {
    throw new FailedPreconditionError(
      `Cannot move: destination drive "${id}" is not Ready (status "${dest.status?.status}")`,
    );
  }
  const tier = (d: DirectPVDrive) => d.metadata.labels?.[LABELS.accessTier] ?? "Default";
  if (tier(source) !== tier(dest)) {
    throw new FailedPreconditionError(
      `Cannot move: source and destination drives must have the same access tier ("${
        tier(source)
      }" and "${tier(dest)}")`,
    );
  }
  const free = dest.status.freeCapacity;
  if (free < required) {
    throw new ResourceExhaustedError(
      `Insufficient free capacity on destination drive; required=${required} free=${free}`,
    );
  }
}

/**
 * Moves every volume of `source` to `destination`. Both must be cordoned and on one node, no
 * volume may be published, and the destination must be Ready with room for all volumes.
 * Returns the volumes moved.
 */
export async function moveDrive(kube: KubeClient, args: MoveArgs): Promise<DirectPVVolume[]> {
  const reporter = args.reporter ?? silentReporter;
  if (args.source === args.destination) {
    throw new InvalidArgumentError("Source and destination drives are same");
  }
  const source = await getDrive(kube, args.source, "source", args.signal);
  if (!source.spec?.unschedulable) {
    throw new FailedPreconditionError(`Cannot move: source drive "${args.source}" is not cordoned`);
  }
  const volumes = await sourceVolumes(kube, source, args.signal);
  const dest = await getDrive(kube, args.destination, "destination", args.signal);
  const required = volumes.reduce((sum, v) => sum + (v.status?.totalCapacity ?? 0), 0);
  checkDestination(source, dest, required);
  for (const volume of volumes) reporter.info(`Moving volume ${volume.metadata.name}`);
  const add = volumes.map((v) => volumeFinalizer(v.metadata.name ?? ""));
  await updateMatching(kube.drives, [dest], (drive) => {
    const finalizers = drive.metadata.finalizers ?? [];
    drive.metadata.finalizers = [...finalizers, ...add.filter((f) => !finalizers.includes(f))];
    drive.status = {
      ...drive.status,
      allocatedCapacity: drive.status.allocatedCapacity + required,
      freeCapacity: drive.status.freeCapacity - required,
      status: "Moving",
    };
  }, writeOptions(args));
  await updateMatching(kube.drives, [source], (drive) => {
    drive.metadata.finalizers = [FINALIZERS.dataProtection];
  }, writeOptions(args));
  return volumes;
}
