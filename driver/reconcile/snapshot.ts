/**
 * The snapshot reconciler (node server), for this node's DirectPVSnapshots:
 *
 * - a new snapshot is cut: a read-only reflink copy of its source volume's directory at
 *   `<mount>/.directpv/snapshots/<name>`, then `readyToUse` and `creationTime` are set; a cut
 *   that cannot be made (no reflink, the source gone or moved to another drive) is marked
 *   CopyFailed with the reason instead;
 * - a deleted snapshot has its directory removed, its bytes given back to the drive (free +=
 *   size, its `directpv.min.io.snapshot/<name>` finalizer removed, guarded by that finalizer so
 *   a retry gives them back once) and its `snapshot-protection` finalizer dropped.
 *
 * Snapshots are independent of their source volume: the source's deletion leaves them.
 */
import { errorMessage, FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import {
  COPY_CONDITIONS,
  type DirectPVSnapshot,
  FINALIZERS,
  isOnNode,
  LABELS,
  releaseSnapshotBytes,
  snapshotCopyState,
  withCondition,
} from "../../lib/types/mod.ts";
import { copyCondition } from "./content.ts";
import type { NodeDeps } from "./deps.ts";
import { UNCHANGED, updateIfExists } from "../../lib/k8s/mod.ts";

/** Reconciles one snapshot; see the module doc. */
export async function reconcileSnapshot(
  deps: NodeDeps,
  snapshot: DirectPVSnapshot | undefined,
): Promise<void> {
  if (!snapshot || !isOnNode(snapshot, deps.nodeId)) return;
  if (snapshot.metadata.deletionTimestamp) return await releaseSnapshot(deps, snapshot);
  if (snapshotCopyState(snapshot).state === "pending") await cutSnapshot(deps, snapshot);
}

async function sourceOnDrive(deps: NodeDeps, snapshot: DirectPVSnapshot, what: string) {
  const { sourceVolume, fsuuid } = snapshot.spec;
  let volumeFsuuid: string;
  try {
    volumeFsuuid = (await deps.kube.volumes.get(sourceVolume)).status.fsuuid;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new FailedPreconditionError(`${what}: the volume is gone`);
  }
  if (volumeFsuuid !== fsuuid) {
    throw new FailedPreconditionError(`${what}: it moved to drive "${volumeFsuuid}"`);
  }
}

async function cutSnapshot(deps: NodeDeps, snapshot: DirectPVSnapshot): Promise<void> {
  const name = snapshot.metadata.name ?? "";
  const { sourceVolume, fsuuid } = snapshot.spec;
  const what = `Cannot snapshot volume "${sourceVolume}" as "${name}"`;
  try {
    await sourceOnDrive(deps, snapshot, what);
    const from = { kind: "volume" as const, name: sourceVolume };
    await deps.ops.reflinkCopy({ fsuuid, from, to: { kind: "snapshot", name } });
  } catch (err) {
    if (!(err instanceof FailedPreconditionError)) throw err;
    const message = err.message.startsWith(what) ? err.message : `${what}: ${err.message}`;
    deps.logger.warn("Cannot cut the snapshot", { snapshot: name, error: errorMessage(err) });
    const failed = copyCondition(deps, COPY_CONDITIONS.copyFailed, "CopyFailed", message);
    await updateIfExists(deps.kube.snapshots, name, (fresh) => {
      fresh.status.conditions = withCondition(fresh.status.conditions, failed);
    });
    return;
  }
  const now = (deps.now?.() ?? new Date()).toISOString();
  await updateIfExists(deps.kube.snapshots, name, (fresh) => {
    fresh.status = { ...fresh.status, readyToUse: true, creationTime: now };
  });
  deps.logger.info("Snapshot cut", { snapshot: name, volume: sourceVolume });
}

async function releaseSnapshot(deps: NodeDeps, snapshot: DirectPVSnapshot): Promise<void> {
  const name = snapshot.metadata.name ?? "";
  if (!(snapshot.metadata.finalizers ?? []).includes(FINALIZERS.snapshotProtection)) return;
  const { fsuuid, sizeBytes } = snapshot.spec;
  await deps.ops.removeSnapshotData(fsuuid, name);
  const drive = snapshot.metadata.labels?.[LABELS.drive] ?? fsuuid;
  await updateIfExists(
    deps.kube.drives,
    drive,
    (d) => releaseSnapshotBytes(d, name, sizeBytes) ? undefined : UNCHANGED,
  );
  await updateIfExists(deps.kube.snapshots, name, (fresh) => {
    const left = (fresh.metadata.finalizers ?? []).filter((f) =>
      f !== FINALIZERS.snapshotProtection
    );
    if (left.length === (fresh.metadata.finalizers ?? []).length) return UNCHANGED;
    fresh.metadata.finalizers = left;
    return undefined;
  });
  deps.logger.info("Snapshot removed", { snapshot: name, drive });
}
