/**
 * NodeGetVolumeStats (with a real VolumeCondition) and NodeExpandVolume.
 */
import {
  ConflictError,
  errorMessage,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import { updateByPatch } from "../../lib/k8s/mod.ts";
import { isIoError } from "../../lib/sys/mod.ts";
import type { DirectPVDrive, DirectPVVolume } from "../../lib/types/mod.ts";
import { drivePaths } from "../../lib/xfs/mod.ts";
import { type NodeExpandVolumeRequest, VolumeUsage_Unit } from "../../proto/mod.ts";
import type * as csi from "../../proto/mod.ts";
import { type SizeRange, sizeRange } from "./controller_validate.ts";
import type { NodeContext } from "../node_context.ts";
import { getVolume, getVolumeDrive } from "./node_deps.ts";
import { expandBlock, isBlockVolume } from "./node_block.ts";
import { applyVolumeQuota, findDriveMount, volumeUsedBytes } from "./node_drive.ts";
import { requireNodePath, requireVolumeId } from "./node_validate.ts";
import type { CallContext, Reply } from "./services.ts";
import { type Condition, HEALTHY, recordedProblem } from "./volume_condition.ts";

/** Mapped data directory of a volume (its `dataPath`, else where it would be). */
function dataDir(deps: NodeContext, volume: DirectPVVolume): string {
  const dataPath = volume.status.dataPath;
  return dataPath !== ""
    ? deps.host.paths.host(dataPath)
    : drivePaths(deps.host, volume.status.fsuuid).volume(volume.metadata.name ?? "");
}

/**
 * The condition of a volume: abnormal when its drive is gone, Lost or in Error (with the
 * trouble its health check found), the volume's own status says so, or its data directory is
 * missing or unreadable.
 */
export async function volumeCondition(
  deps: NodeContext,
  volume: DirectPVVolume,
  drive: DirectPVDrive | undefined,
): Promise<Condition> {
  const recorded = recordedProblem(volume, drive);
  if (recorded) return recorded;
  const dir = dataDir(deps, volume);
  try {
    if (!(await deps.host.fs.stat(dir))?.isDirectory) {
      return { abnormal: true, message: `data directory ${deps.host.paths.unmap(dir)} is missing` };
    }
  } catch (err) {
    const why = isIoError(err) ? "has an I/O error" : `cannot be read: ${errorMessage(err)}`;
    return { abnormal: true, message: `data directory ${deps.host.paths.unmap(dir)} ${why}` };
  }
  return { ...HEALTHY };
}

async function driveOrUndefined(
  deps: NodeContext,
  volume: DirectPVVolume,
  signal: AbortSignal,
) {
  try {
    return await getVolumeDrive(deps, volume, signal);
  } catch (err) {
    if (err instanceof FailedPreconditionError) return undefined;
    throw err;
  }
}

async function usedBytes(
  deps: NodeContext,
  volume: DirectPVVolume,
  ctx: CallContext,
): Promise<number> {
  const mount = await findDriveMount(deps, volume.status.fsuuid);
  if (!mount) {
    throw new FailedPreconditionError(`Drive of volume "${volume.metadata.name}" is not mounted`);
  }
  const input = {
    mount,
    dir: dataDir(deps, volume),
    volume: volume.metadata.name ?? "",
    capacity: volume.status.totalCapacity,
  };
  return (await volumeUsedBytes(deps, input, ctx.logger)).bytes;
}

/**
 * Handles NodeGetVolumeStats: bytes used (project quota, else the drive filesystem capped to
 * the capacity), total = capacity, and the volume's condition. When usage cannot be read but
 * the condition explains why, the condition is reported with the last known usage.
 *
 * @throws {InvalidArgumentError} for an empty id or path
 * @throws {NotFoundError} when the volume does not exist or is not at that path
 */
export async function nodeGetVolumeStats(
  deps: NodeContext,
  req: csi.NodeGetVolumeStatsRequest,
  ctx: CallContext,
): Promise<Reply<csi.NodeGetVolumeStatsResponse>> {
  const id = requireVolumeId(req.volumeId);
  const path = req.volumePath;
  if (path === "") throw new InvalidArgumentError("The volume path is missing in the request");
  const volume = await getVolume(deps, id, ctx.signal);
  const { targetPath, stagingTargetPath } = volume.status;
  if (path !== targetPath && path !== stagingTargetPath) {
    throw new NotFoundError(`Volume "${id}" is not published or staged at "${path}"`);
  }
  if (!(await deps.host.fs.stat(deps.host.paths.host(path)))) {
    throw new NotFoundError(`Volume path "${path}" of volume "${id}" does not exist`);
  }
  const condition = await volumeCondition(
    deps,
    volume,
    await driveOrUndefined(deps, volume, ctx.signal),
  );
  const total = volume.status.totalCapacity;
  if (await isBlockVolume(deps, volume)) {
    // A block device has no filesystem of ours to measure: the spec asks for its size only.
    return {
      usage: [{ unit: VolumeUsage_Unit.BYTES, total, used: 0, available: 0 }],
      volumeCondition: condition,
    };
  }
  let used: number;
  try {
    used = await usedBytes(deps, volume, ctx);
  } catch (err) {
    if (!condition.abnormal) throw err;
    used = volume.status.usedCapacity;
  }
  await recordUsage(deps, volume, used, ctx);
  return {
    usage: [{ unit: VolumeUsage_Unit.BYTES, total, used, available: Math.max(0, total - used) }],
    volumeCondition: condition,
  };
}

/**
 * Keeps the volume's `usedCapacity` and `availableCapacity` at what the kubelet was just told
 * (as DirectPV does), so `list volumes` and the dashboard show real usage. Written only when
 * it changed, as a patch of the volume this call has just read; a lost race is left to the
 * kubelet's next stats call, and any other failure is logged while the stats are returned.
 */
async function recordUsage(
  deps: NodeContext,
  volume: DirectPVVolume,
  used: number,
  ctx: CallContext,
): Promise<void> {
  if (volume.status.usedCapacity === used) return;
  const next = structuredClone(volume);
  next.status.usedCapacity = used;
  next.status.availableCapacity = Math.max(0, volume.status.totalCapacity - used);
  try {
    await updateByPatch(deps.kube.volumes, volume, next, ctx.signal ? { signal: ctx.signal } : {});
  } catch (err) {
    if (err instanceof ConflictError) return;
    ctx.logger.warn("Cannot record the usage of a volume", {
      volume: volume.metadata.name,
      error: errorMessage(err),
    });
  }
}

/** The range asked for. */
function expandRange(req: NodeExpandVolumeRequest): SizeRange {
  const id = requireVolumeId(req.volumeId);
  if (req.volumePath === "") {
    throw new InvalidArgumentError("The volume path is missing in the request");
  }
  return sizeRange(id, req.capacityRange);
}

/**
 * Requires the request's paths to be kubelet paths where the volume is staged or published
 * (checked after the lookup: an unknown volume is NOT_FOUND whatever its path).
 */
function requireVolumeAt(
  deps: NodeContext,
  volume: DirectPVVolume,
  req: NodeExpandVolumeRequest,
): void {
  requireNodePath(deps, req.volumePath, "volume path");
  if (req.stagingTargetPath !== "") {
    requireNodePath(deps, req.stagingTargetPath, "staging target path");
  }
  const { targetPath, stagingTargetPath } = volume.status;
  const id = req.volumeId;
  if (stagingTargetPath === "") throw new FailedPreconditionError(`volume ${id} is not staged`);
  if (req.volumePath !== targetPath && req.volumePath !== stagingTargetPath) {
    throw new NotFoundError(`Volume "${id}" is not published or staged at "${req.volumePath}"`);
  }
  if (req.stagingTargetPath !== "" && req.stagingTargetPath !== stagingTargetPath) {
    throw new NotFoundError(`Volume "${id}" is not staged at "${req.stagingTargetPath}"`);
  }
}

/**
 * Handles NodeExpandVolume: the volume must be staged at the given paths; its quota is set to
 * the size the controller recorded (and reserved on the drive), and a block volume's file and
 * loop device grow online to it. The node never grows a volume by itself: a size above the
 * recorded one waits for ControllerExpandVolume.
 *
 * @throws {InvalidArgumentError} for a missing id, a bad path or range
 * @throws {OutOfRangeError} when the volume is larger than the limit
 * @throws {NotFoundError} when the volume does not exist or is not at the given paths
 * @throws {FailedPreconditionError} when it is not staged, its drive is not mounted, or the
 *   size asked for has not been reserved by the controller yet
 */
export async function nodeExpandVolume(
  deps: NodeContext,
  req: NodeExpandVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.NodeExpandVolumeResponse>> {
  const range = expandRange(req);
  const required = range.requiredBytes ?? range.limitBytes;
  const id = req.volumeId;
  const volume = await getVolume(deps, id, ctx.signal);
  requireVolumeAt(deps, volume, req);
  const size = volume.status.totalCapacity;
  if (range.limitBytes !== undefined && size > range.limitBytes) {
    throw new OutOfRangeError(
      `Volume "${id}" has ${size} bytes, more than the limit bytes ${range.limitBytes}; ` +
        `volumes cannot shrink`,
    );
  }
  if (required !== undefined && required > size) {
    throw new FailedPreconditionError(
      `Cannot expand volume "${id}" to ${required} bytes on the node: the controller has ` +
        `reserved ${size} bytes; expand it with ControllerExpandVolume first`,
    );
  }
  const mount = await findDriveMount(deps, volume.status.fsuuid);
  if (!mount) throw new FailedPreconditionError(`Drive of volume "${id}" is not mounted`);
  const dir = dataDir(deps, volume);
  if (await isBlockVolume(deps, volume)) {
    await expandBlock(deps, { volume, mount, dir, size }, ctx);
  } else {
    await applyVolumeQuota(deps, { mount, dir, volume: id, size, signal: ctx.signal }, ctx.logger);
  }
  return { capacityBytes: size };
}
