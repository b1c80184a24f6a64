/**
 * DeleteVolume and ControllerExpandVolume (reference §3.2).
 *
 * DeleteVolume only drops the `pv-protection` finalizer and deletes the DirectPVVolume; the
 * node's volume reconciler purges the data and gives the capacity back to the drive.
 *
 * ControllerExpandVolume reserves the extra bytes on the drive, recording the expansion there
 * in the same write, then records the new size in the volume's `totalCapacity` and ends the
 * expansion on the drive. A call retried after a crash between any two of these writes finds
 * what was done (the drive's entry, the volume's size) and never reserves twice. The node
 * applies the quota.
 */
import {
  errorMessage,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import { UNCHANGED, updateWithRetry } from "../../lib/k8s/mod.ts";
import { faultPoint } from "../../lib/sys/mod.ts";
import { FINALIZERS, LABELS } from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import { EVENT_REASONS } from "../events.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import { reserveExpansion, settlePendingSize } from "./controller_reserve.ts";
import { capabilityProblem, type SizeRange, sizeRange } from "./controller_validate.ts";
import type { CallContext, Reply } from "./services.ts";

/**
 * Handles DeleteVolume; a volume that does not exist counts as deleted.
 *
 * @throws {InvalidArgumentError} for an empty volume id
 * @throws {FailedPreconditionError} while the volume is staged or published
 */
export async function deleteVolume(
  deps: ControllerDeps,
  req: csi.DeleteVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.DeleteVolumeResponse>> {
  const id = req.volumeId;
  if (id === "") throw new InvalidArgumentError("Volume ID is missing in the request");
  const signal = { signal: ctx.signal };
  try {
    const volume = await deps.kube.volumes.get(id, signal);
    if (volume.status.stagingTargetPath !== "" || volume.status.targetPath !== "") {
      throw new FailedPreconditionError(`volume ${id} is not yet unstaged for deletion`);
    }
    await updateWithRetry(deps.kube.volumes, id, (v) => {
      const finalizers = v.metadata.finalizers ?? [];
      if (!finalizers.includes(FINALIZERS.pvProtection)) return UNCHANGED;
      v.metadata.finalizers = finalizers.filter((f) => f !== FINALIZERS.pvProtection);
      return v;
    }, signal);
    await faultPoint("controller.delete.after-finalizer");
    await deps.kube.volumes.delete(id, signal);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  await settleCachedVolume(deps, id, ctx.signal);
  return {};
}

/**
 * Puts the stored state of a volume just deleted into the volume cache (marked for deletion
 * while the node server cleans up, else gone), so a listing right after this call leaves it
 * out even before the watch says so.
 */
async function settleCachedVolume(
  deps: ControllerDeps,
  id: string,
  signal: AbortSignal,
): Promise<void> {
  const cache = deps.volumes;
  if (!cache) return;
  try {
    cache.apply(await deps.kube.volumes.get(id, { signal }));
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    cache.forget(id);
  }
}

function requiredSize(req: csi.ControllerExpandVolumeRequest): SizeRange & { size: number } {
  const id = req.volumeId;
  if (id === "") throw new InvalidArgumentError("Volume ID is missing in the request");
  if (req.capacityRange === undefined) {
    throw new InvalidArgumentError(`Capacity range is missing for volume "${id}"`);
  }
  const range = sizeRange(id, req.capacityRange);
  const required = range.requiredBytes ?? range.limitBytes;
  if (required === undefined) {
    throw new InvalidArgumentError(`Capacity range of volume "${id}" sets no size`);
  }
  const problem = req.volumeCapability && capabilityProblem(id, req.volumeCapability);
  if (problem) throw new InvalidArgumentError(problem);
  return { ...range, size: required };
}

/**
 * Handles ControllerExpandVolume. Node expansion is always requested, so the quota follows
 * even when an earlier reply was lost after the controller part was done.
 *
 * @throws {InvalidArgumentError} for an empty id, a missing range or a bad capability
 * @throws {NotFoundError} when the volume does not exist
 * @throws {OutOfRangeError} when the drive lacks the extra bytes, or the volume is already
 *   larger than the limit
 */
export async function controllerExpandVolume(
  deps: ControllerDeps,
  req: csi.ControllerExpandVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.ControllerExpandVolumeResponse>> {
  const range = requiredSize(req);
  const required = range.size;
  const id = req.volumeId;
  const volume = await deps.kube.volumes.get(id, { signal: ctx.signal });
  const total = volume.status.totalCapacity;
  if (range.limitBytes !== undefined && total > range.limitBytes) {
    throw new OutOfRangeError(
      `Volume "${id}" has ${total} bytes, more than the limit bytes ${range.limitBytes}; ` +
        `volumes cannot shrink`,
    );
  }
  const driveName = volume.metadata.labels?.[LABELS.drive] ?? volume.status.fsuuid;
  if (total >= required) {
    // A retry after a crash between the two writes below: the drive may still count the
    // expansion; it is settled to the size the volume has.
    await settlePendingSize(deps, driveName, id, total);
    return { capacityBytes: total, nodeExpansionRequired: true };
  }
  const drive = await reserveExpansion(deps, driveName, id, total, required);
  await faultPoint("controller.expand.after-reserve");
  try {
    const stored = await updateWithRetry(deps.kube.volumes, id, (v) => {
      if (v.status.totalCapacity >= required) return UNCHANGED;
      const grown = required - v.status.totalCapacity;
      v.status.totalCapacity = required;
      v.status.availableCapacity += grown;
      return v;
    }, { signal: ctx.signal });
    deps.volumes?.apply(stored);
  } catch (err) {
    await settleFailed(deps, driveName, id, ctx).catch((undoErr) =>
      ctx.logger.error("Cannot give back reserved capacity; a retry will", {
        drive: driveName,
        error: errorMessage(undoErr),
      })
    );
    throw err;
  }
  await settlePendingSize(deps, driveName, id, required);
  void deps.events.record({
    object: volume,
    type: "Normal",
    reason: EVENT_REASONS.volumeExpanded,
    message: `volume ${id} is expanded from ${total} to ${required} bytes on drive ` +
      `${drive.metadata.name}`,
  });
  return { capacityBytes: required, nodeExpansionRequired: true };
}

/**
 * After the volume write failed: settles the drive to the size the volume has now (the write
 * may have landed before the error). When the volume cannot be read, the entry stays for the
 * retry to settle.
 */
async function settleFailed(
  deps: ControllerDeps,
  driveName: string,
  id: string,
  ctx: CallContext,
): Promise<void> {
  const now = await deps.kube.volumes.get(id, { signal: ctx.signal });
  await settlePendingSize(deps, driveName, id, now.status.totalCapacity);
}
