/**
 * NodeStageVolume and NodeUnstageVolume (reference §4.4): the volume directory on the
 * drive mount (`<app>/mnt/<fsuuid>/.FSUUID.<fsuuid>/<volume>`), its project quota, and a bind
 * mount of it on the staging path; for a block volume its file on a loop device instead.
 */
import {
  errorMessage,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import { UNCHANGED, updateWithRetry } from "../../lib/k8s/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { faultPoint, isIoError, type MountInfoEntry } from "../../lib/sys/mod.ts";
import {
  ANNOTATIONS,
  copyStateOf,
  type DirectPVDrive,
  type DirectPVVolume,
  isSuspended,
} from "../../lib/types/mod.ts";
import { createVolumeDir, fsuuidLinkName, volumeDataPath } from "../../lib/xfs/mod.ts";
import type * as csi from "../../proto/mod.ts";
import { EVENT_REASONS } from "../events.ts";
import { setDriveCondition } from "../reconcile/drive_object.ts";
import { requireCapability } from "./controller_validate.ts";
import type { NodeContext } from "../node_context.ts";
import { getVolume, getVolumeDrive } from "./node_deps.ts";
import { stageBlock, unstageBlock } from "./node_block.ts";
import { applyVolumeQuota, type DriveMountInfo, ensureDriveMounted } from "./node_drive.ts";
import { bindOnce, mountList, mountsOfVolumeAt } from "./node_mounts.ts";
import { requireNodePath, requireNoSymlink, requireVolumeId, shown } from "./node_validate.ts";
import type { CallContext, Reply } from "./services.ts";

/** Marks a drive `Error` with the IOError condition after an EIO (best effort). */
async function markIoError(deps: NodeContext, drive: DirectPVDrive, logger: Logger) {
  const message = "Drive has I/O error";
  try {
    await updateWithRetry(deps.kube.drives, drive.metadata.name ?? "", (d) => {
      d.status.status = "Error";
      setDriveCondition(d, "ioError", message);
    });
    void deps.events.record({
      object: drive,
      type: "Warning",
      reason: EVENT_REASONS.driveHasIOError,
      message,
    });
  } catch (err) {
    logger.error("Cannot mark drive with I/O error", {
      drive: drive.metadata.name,
      error: errorMessage(err),
    });
  }
}

/** Whether `entry` is a bind mount of the volume directory `volume` of that drive. */
function isVolumeBind(
  entry: MountInfoEntry,
  drive: DriveMountInfo,
  fsuuid: string,
  volume: string,
): boolean {
  const roots = [`/${volume}`, `/${fsuuidLinkName(fsuuid)}/${volume}`];
  return entry.majorMinor === drive.entry.majorMinor && roots.includes(entry.root);
}

/** Creates the volume directory, turning an EIO into a drive error. */
async function volumeDir(
  deps: NodeContext,
  drive: DirectPVDrive,
  volume: string,
  logger: Logger,
): Promise<string> {
  try {
    return await createVolumeDir(deps.host, drive.status.fsuuid, volume);
  } catch (err) {
    if (isIoError(err)) await markIoError(deps, drive, logger);
    throw err;
  }
}

/** Bind-mounts `dir` on the staging path unless it is there already. */
async function bindStaging(
  deps: NodeContext,
  input: { dir: string; staging: string; mount: DriveMountInfo; fsuuid: string; volume: string },
): Promise<void> {
  await bindOnce(deps, await deps.host.mounter.mountInfo(), {
    source: input.dir,
    target: deps.host.paths.host(input.staging),
    already: (m) => isVolumeBind(m, input.mount, input.fsuuid, input.volume),
  });
}

/**
 * Handles NodeStageVolume; a suspended volume or drive is left unstaged (success).
 *
 * @throws {InvalidArgumentError} for a bad id, path or capability
 * @throws {NotFoundError} when the volume does not exist
 * @throws {FailedPreconditionError} when its drive is gone, elsewhere or cannot be mounted, or
 *   the volume is staged at another path
 */
export async function nodeStageVolume(
  deps: NodeContext,
  req: csi.NodeStageVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.NodeStageVolumeResponse>> {
  const id = requireVolumeId(req.volumeId);
  const staging = requireNodePath(deps, req.stagingTargetPath, "staging target path");
  requireCapability(id, req.volumeCapability);
  await requireNoSymlink(deps.host, deps.kubeletDir, staging, "staging target path");
  const volume = await getVolume(deps, id, ctx.signal);
  requireContentCopied(volume);
  await requireNotStagedElsewhere(deps, volume, staging);
  const drive = await getVolumeDrive(deps, volume, ctx.signal);
  if (isSuspended(volume) || isSuspended(drive)) {
    ctx.logger.info("Volume or drive is suspended; not staging", { drive: drive.metadata.name });
    return {};
  }
  const fsuuid = drive.status.fsuuid;
  const mount = await ensureDriveMounted(deps, drive, ctx.logger);
  const dir = await volumeDir(deps, drive, id, ctx.logger);
  if (req.volumeCapability?.block !== undefined) {
    await stageBlock(deps, { volume, mount, dir, signal: ctx.signal }, ctx.logger);
  } else {
    const size = volume.status.totalCapacity;
    const quota = { mount, dir, volume: id, size, signal: ctx.signal };
    await applyVolumeQuota(deps, quota, ctx.logger);
    await bindStaging(deps, { dir, staging, mount, fsuuid, volume: id });
  }
  await faultPoint("node.stage.after-mount");
  await updateWithRetry(deps.kube.volumes, id, (v) => {
    v.status.dataPath = volumeDataPath(fsuuid, id);
    v.status.stagingTargetPath = staging;
    v.status.status = "Ready";
    return undefined;
  });
  return {};
}

/**
 * Handles NodeUnstageVolume: unmounts the volume's mounts at the staging path (a no-op when
 * none), detaches the loop device of a block volume and clears `stagingTargetPath`. A volume
 * that does not exist counts as unstaged.
 *
 * @throws {InvalidArgumentError} for a bad id or path
 * @throws {FailedPreconditionError} when something else is mounted there
 */
export async function nodeUnstageVolume(
  deps: NodeContext,
  req: csi.NodeUnstageVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.NodeUnstageVolumeResponse>> {
  const id = requireVolumeId(req.volumeId);
  const staging = requireNodePath(deps, req.stagingTargetPath, "staging target path");
  await unmountOwn(deps, id, staging, "staging target path");
  await unstageBlock(deps, id, ctx.signal);
  await clearPath(deps, id, "stagingTargetPath", staging);
  return {};
}

/**
 * Refuses to stage a volume made from a content source before the node server has copied the
 * source into it (CreateVolume only answers once it has, so this guards a race, not a flow).
 *
 * @throws {UnavailableError} while the copy is pending (kubelet retries)
 * @throws {FailedPreconditionError} when the copy failed
 */
function requireContentCopied(volume: DirectPVVolume): void {
  const source = volume.metadata.annotations?.[ANNOTATIONS.contentSource];
  if (source === undefined) return;
  const copy = copyStateOf(volume.status.conditions);
  if (copy.state === "done") return;
  const id = volume.metadata.name ?? "";
  if (copy.state === "failed") {
    throw new FailedPreconditionError(`Cannot stage volume "${id}": ${copy.message}`);
  }
  throw new UnavailableError(
    `Cannot stage volume "${id}" yet: its content from "${source}" is still being copied`,
  );
}

/**
 * Refuses to stage a volume on its own target path, or at a second path while its recorded
 * staging path still holds its mount (kubelet unstages first; a stale record is replaced).
 */
async function requireNotStagedElsewhere(
  deps: NodeContext,
  volume: DirectPVVolume,
  staging: string,
): Promise<void> {
  const id = volume.metadata.name ?? "";
  if (volume.status.targetPath !== "" && volume.status.targetPath === staging) {
    throw new InvalidArgumentError(
      `Cannot stage volume "${id}" on "${shown(staging)}": it is the volume's target path`,
    );
  }
  const recorded = volume.status.stagingTargetPath;
  if (recorded === "" || recorded === staging) return;
  const { own } = await mountsOfVolumeAt(deps, deps.host.paths.host(recorded), id);
  if (own.length === 0) return;
  throw new FailedPreconditionError(
    `Cannot stage volume "${id}" on "${shown(staging)}": it is staged on "${recorded}"; ` +
      `unstage it there first`,
  );
}

/**
 * Unmounts every mount of volume `id` at kubelet path `path`.
 *
 * @throws {FailedPreconditionError} when a mount there is not the volume's (nothing unmounted)
 */
export async function unmountOwn(
  deps: NodeContext,
  id: string,
  path: string,
  what: "staging target path" | "target path",
): Promise<void> {
  const mapped = deps.host.paths.host(path);
  const { own, foreign } = await mountsOfVolumeAt(deps, mapped, id);
  if (foreign.length > 0) {
    throw new FailedPreconditionError(
      `Cannot unmount ${what} "${shown(path)}": it holds a mount that is not volume "${id}"'s ` +
        `(${mountList(foreign)}); unmount it by hand`,
    );
  }
  for (let i = 0; i < own.length; i++) {
    await deps.host.mounter.unmount(mapped, { force: true, detach: true });
  }
}

/** Clears a path field of a volume when it still names `path`; a missing volume is fine. */
export async function clearPath(
  deps: NodeContext,
  id: string,
  field: "stagingTargetPath" | "targetPath",
  path: string,
): Promise<void> {
  try {
    await updateWithRetry(deps.kube.volumes, id, (v) => {
      if (v.status[field] !== path) return UNCHANGED;
      v.status[field] = "";
      return v;
    });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
