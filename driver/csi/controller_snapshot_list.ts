/**
 * ListSnapshots (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#listsnapshots):
 * snapshots by id or by source volume, in name order, paged by a token that is the index of
 * the next entry; and GetSnapshot (spec.md#getsnapshot): one snapshot by id.
 */
import { AbortedError, InvalidArgumentError, NotFoundError } from "../../lib/errors/mod.ts";
import type { DirectPVSnapshot } from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import { byName, pageOf, requireMaxEntries } from "./controller_paging.ts";
import { snapshotOf } from "./controller_snapshot.ts";
import type { CallContext, Reply } from "./services.ts";

/**
 * The index a starting token names.
 *
 * @throws {AbortedError} for a token that no listing handed out (CSI's code for it)
 */
function startOf(token: string, count: number): number {
  if (token === "") return 0;
  const start = /^\d+$/.test(token) ? Number(token) : NaN;
  if (!Number.isSafeInteger(start) || start > count) {
    throw new AbortedError(`Invalid starting token "${token}": ${count} snapshots listed`);
  }
  return start;
}

/**
 * Handles ListSnapshots. Snapshots being deleted are left out.
 *
 * @throws {InvalidArgumentError} for a negative max_entries
 * @throws {AbortedError} for an invalid starting token
 */
export async function listSnapshots(
  deps: ControllerDeps,
  req: csi.ListSnapshotsRequest,
  ctx: CallContext,
): Promise<Reply<csi.ListSnapshotsResponse>> {
  requireMaxEntries(req.maxEntries);
  const matching = (await deps.kube.snapshots.listAll({ signal: ctx.signal }))
    .filter((s) => !s.metadata.deletionTimestamp)
    .filter((s) => req.snapshotId === "" || s.metadata.name === req.snapshotId)
    .filter((s) => req.sourceVolumeId === "" || s.spec.sourceVolume === req.sourceVolumeId)
    .sort(byName);
  const start = startOf(req.startingToken, matching.length);
  const { page, end } = pageOf(matching, start, req.maxEntries);
  return {
    entries: page.map((s) => ({ snapshot: snapshotOf(s) })),
    nextToken: end < matching.length ? String(end) : "",
  };
}

/**
 * Handles GetSnapshot. A snapshot being deleted is gone already, as ListSnapshots leaves it out.
 *
 * @throws {InvalidArgumentError} for an empty snapshot id
 * @throws {NotFoundError} naming the snapshot when it does not exist
 */
export async function getSnapshot(
  deps: ControllerDeps,
  req: csi.GetSnapshotRequest,
  ctx: CallContext,
): Promise<Reply<csi.GetSnapshotResponse>> {
  if (req.snapshotId === "") {
    throw new InvalidArgumentError("Snapshot ID is missing in the request");
  }
  const missing = () => new NotFoundError(`Snapshot "${req.snapshotId}" not found`);
  let snapshot: DirectPVSnapshot;
  try {
    snapshot = await deps.kube.snapshots.get(req.snapshotId, { signal: ctx.signal });
  } catch (err) {
    if (err instanceof NotFoundError) throw missing();
    throw err;
  }
  if (snapshot.metadata.deletionTimestamp) throw missing();
  return { snapshot: snapshotOf(snapshot) };
}
