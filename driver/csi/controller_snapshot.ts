/**
 * CreateSnapshot and DeleteSnapshot (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#createsnapshot).
 * A snapshot is a read-only reflink copy of a volume's directory on the volume's drive,
 * tracked by a DirectPVSnapshot. It holds the source volume's size on the drive (a
 * `directpv.min.io.snapshot/<name>` finalizer and the bytes moved from free to allocated),
 * since every later write to the source or the snapshot's restores unshares extents. The
 * controller reserves and writes the object; the node server of the drive cuts the copy and
 * marks it ready (and on deletion removes it and gives the bytes back). Snapshots are
 * independent of their source: deleting the volume leaves them, and their data, in place.
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  ifFound,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
} from "../../lib/errors/mod.ts";
import { UNCHANGED, updateWithRetry } from "../../lib/k8s/mod.ts";
import {
  type DirectPVSnapshot,
  type DirectPVVolume,
  LABELS,
  newSnapshot,
  releaseSnapshotBytes,
  snapshotCopyState,
  snapshotFinalizer,
} from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import { volumeIdFor } from "./controller_volume.ts";
import { waitForCopy } from "./copy_wait.ts";
import type { CallContext, Reply } from "./services.ts";

/** The CSI view of a snapshot object. */
export function snapshotOf(snapshot: DirectPVSnapshot): Reply<csi.Snapshot> {
  const created = snapshot.status.creationTime ?? snapshot.metadata.creationTimestamp;
  return {
    sizeBytes: snapshot.spec.sizeBytes,
    snapshotId: snapshot.metadata.name ?? "",
    sourceVolumeId: snapshot.spec.sourceVolume,
    ...(created ? { creationTime: new Date(created) } : {}),
    readyToUse: snapshot.status.readyToUse,
  };
}

async function sourceVolume(
  deps: ControllerDeps,
  req: csi.CreateSnapshotRequest,
  signal: AbortSignal,
) {
  try {
    const volume = await deps.kube.volumes.get(req.sourceVolumeId, { signal });
    if (!volume.metadata.deletionTimestamp) return volume;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  throw new NotFoundError(
    `Cannot create snapshot "${req.name}": source volume "${req.sourceVolumeId}" not found`,
  );
}

/**
 * Holds `size` bytes of the drive for snapshot `id` (once: the finalizer marks it done).
 *
 * @throws {ResourceExhaustedError} when the drive has fewer free bytes
 */
async function reserveSnapshot(deps: ControllerDeps, drive: string, id: string, size: number) {
  const finalizer = snapshotFinalizer(id);
  const stored = await updateWithRetry(deps.kube.drives, drive, (d) => {
    const finalizers = d.metadata.finalizers ?? [];
    if (finalizers.includes(finalizer)) return UNCHANGED;
    if (d.status.freeCapacity < size) {
      throw new ResourceExhaustedError(
        `Cannot create snapshot "${id}": drive "${drive}" has ${d.status.freeCapacity} bytes ` +
          `free, the snapshot needs ${size}`,
      );
    }
    d.metadata.finalizers = [...finalizers, finalizer];
    d.status.freeCapacity -= size;
    d.status.allocatedCapacity += size;
    return undefined;
  });
  deps.drives.apply(stored);
}

/** Gives the bytes of a snapshot that was never written back to its drive. */
async function releaseSnapshot(deps: ControllerDeps, drive: string, id: string, size: number) {
  const stored = await updateWithRetry(
    deps.kube.drives,
    drive,
    (d) => releaseSnapshotBytes(d, id, size) ? undefined : UNCHANGED,
  );
  deps.drives.apply(stored);
}

async function writeSnapshot(deps: ControllerDeps, id: string, volume: DirectPVVolume) {
  const fresh = newSnapshot(id, volume);
  const drive = fresh.metadata.labels?.[LABELS.drive] ?? "";
  await reserveSnapshot(deps, drive, id, fresh.spec.sizeBytes);
  try {
    return await deps.kube.snapshots.create(fresh);
  } catch (err) {
    if (err instanceof AlreadyExistsError) return await deps.kube.snapshots.get(id);
    await releaseSnapshot(deps, drive, id, fresh.spec.sizeBytes);
    throw err;
  }
}

/** Waits for the node server to cut the copy; a failed one is deleted and reported. */
async function awaitSnapshot(deps: ControllerDeps, id: string, ctx: CallContext) {
  const { object, state } = await waitForCopy(
    `Snapshot "${id}"`,
    () => deps.kube.snapshots.get(id, { signal: ctx.signal }),
    snapshotCopyState,
    { ...deps.copyWait, signal: ctx.signal },
  );
  if (state.state === "done") return object;
  await deps.kube.snapshots.delete(id, { signal: ctx.signal });
  throw new FailedPreconditionError(state.message);
}

/**
 * Handles CreateSnapshot; the same name with the same source returns the same snapshot.
 *
 * @throws {InvalidArgumentError} for an empty name or source volume id
 * @throws {NotFoundError} when the source volume does not exist
 * @throws {AlreadyExistsError} when the name is taken by a snapshot of another volume
 * @throws {ResourceExhaustedError} when the drive has no room for it
 * @throws {FailedPreconditionError} when the node server cannot cut it (no reflink)
 */
export async function createSnapshot(
  deps: ControllerDeps,
  req: csi.CreateSnapshotRequest,
  ctx: CallContext,
): Promise<Reply<csi.CreateSnapshotResponse>> {
  if (req.name === "") throw new InvalidArgumentError("Snapshot name is missing in the request");
  if (req.sourceVolumeId === "") {
    throw new InvalidArgumentError(`Source volume ID is missing for snapshot "${req.name}"`);
  }
  const id = await volumeIdFor(req.name);
  const existing = await ifFound(deps.kube.snapshots.get(id, { signal: ctx.signal }));
  if (existing && existing.spec.sourceVolume !== req.sourceVolumeId) {
    throw new AlreadyExistsError(
      `Snapshot "${req.name}" already exists for volume "${existing.spec.sourceVolume}", ` +
        `not "${req.sourceVolumeId}"`,
    );
  }
  if (!existing) await writeSnapshot(deps, id, await sourceVolume(deps, req, ctx.signal));
  return { snapshot: snapshotOf(await awaitSnapshot(deps, id, ctx)) };
}

/**
 * Handles DeleteSnapshot; a snapshot that does not exist counts as deleted. The node server
 * removes the copy and gives its bytes back before the object goes.
 *
 * @throws {InvalidArgumentError} for an empty snapshot id
 */
export async function deleteSnapshot(
  deps: ControllerDeps,
  req: csi.DeleteSnapshotRequest,
  ctx: CallContext,
): Promise<Reply<csi.DeleteSnapshotResponse>> {
  if (req.snapshotId === "") {
    throw new InvalidArgumentError("Snapshot ID is missing in the request");
  }
  try {
    await deps.kube.snapshots.delete(req.snapshotId, { signal: ctx.signal });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  return {};
}
