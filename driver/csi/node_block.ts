/**
 * Raw block volumes on the node: at stage the volume's `block.img` is preallocated under the
 * volume's quota and attached as a loop device with direct I/O; at publish the loop device node
 * is bind-mounted onto a file at the target path (the CSI spec has the plugin create that file);
 * at unstage the loop device is detached. The staging path itself holds no mount.
 */
import { FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { DirectPVVolume } from "../../lib/types/mod.ts";
import {
  attachBlockFile,
  blockFilePath,
  blockQuotaSize,
  detachBlockFile,
  growBlockFile,
  loopDevicesOf,
} from "../../lib/xfs/mod.ts";
import type { NodeContext } from "../node_context.ts";
import { getVolume } from "./node_deps.ts";
import { applyVolumeQuota, type DriveMountInfo } from "./node_drive.ts";

/** Whether the volume is a block volume on this node (its block file exists). */
export async function isBlockVolume(
  deps: NodeContext,
  volume: DirectPVVolume,
): Promise<boolean> {
  const file = blockFilePath(deps.host, volume.status.fsuuid, volume.metadata.name ?? "");
  return (await deps.host.fs.stat(file))?.isFile ?? false;
}

/** Input of `stageBlock`. */
export interface StageBlockInput {
  volume: DirectPVVolume;
  mount: DriveMountInfo;
  dir: string;
  signal: AbortSignal;
}

/** Sets the quota of the volume directory, preallocates the block file and attaches it. */
export async function stageBlock(
  deps: NodeContext,
  input: StageBlockInput,
  logger: Logger,
): Promise<string> {
  const id = input.volume.metadata.name ?? "";
  const size = input.volume.status.totalCapacity;
  const quota = { mount: input.mount, dir: input.dir, volume: id, signal: input.signal };
  await applyVolumeQuota(deps, { ...quota, size: blockQuotaSize(size) }, logger);
  const file = blockFilePath(deps.host, input.volume.status.fsuuid, id);
  const device = await attachBlockFile(deps.host, { file, size, signal: input.signal });
  logger.info("Block volume attached", { volume: id, device });
  return device;
}

/** The loop device of a staged block volume (a host path such as `/dev/loop3`). */
async function stagedDevice(deps: NodeContext, volume: DirectPVVolume, signal: AbortSignal) {
  const id = volume.metadata.name ?? "";
  const file = blockFilePath(deps.host, volume.status.fsuuid, id);
  const device = (await loopDevicesOf(deps.host, file, signal))[0];
  if (device === undefined) {
    throw new FailedPreconditionError(
      `Cannot publish block volume "${id}": it is not staged (no loop device is attached)`,
    );
  }
  return device;
}

/**
 * Bind-mounts the volume's loop device onto the file `target` (mapped), creating the file and
 * its directory. A target already showing that device is left as it is.
 */
export async function publishBlock(
  deps: NodeContext,
  input: { volume: DirectPVVolume; target: string; readOnly: boolean; signal: AbortSignal },
): Promise<void> {
  const device = await stagedDevice(deps, input.volume, input.signal);
  const name = device.slice("/dev/".length);
  const mounts = (await deps.host.mounter.mountInfo()).filter((m) => m.mountPoint === input.target);
  // A bind of a device node shows its path within /dev's filesystem as the root (`/loop3`).
  if (mounts.some((m) => m.root.endsWith(`/${name}`) || m.source === device)) return;
  const parent = input.target.slice(0, input.target.lastIndexOf("/"));
  await deps.host.fs.mkdir(parent, { recursive: true });
  if (!(await deps.host.fs.stat(input.target))) await deps.host.fs.writeText(input.target, "");
  await deps.host.mounter.bindMount(deps.host.paths.dev(name), input.target, {
    readOnly: input.readOnly,
  });
}

/** Detaches the loop device of a block volume; a missing volume or file is a no-op. */
export async function unstageBlock(
  deps: NodeContext,
  id: string,
  signal: AbortSignal,
): Promise<void> {
  let volume: DirectPVVolume;
  try {
    volume = await getVolume(deps, id, signal);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  if (volume.status.fsuuid === "") return;
  await detachBlockFile(deps.host, blockFilePath(deps.host, volume.status.fsuuid, id), signal);
}

/** Grows a block volume's file and its loop device online, and its quota with it. */
export async function expandBlock(
  deps: NodeContext,
  input: { volume: DirectPVVolume; mount: DriveMountInfo; dir: string; size: number },
  ctx: { signal: AbortSignal; logger: Logger },
): Promise<void> {
  const id = input.volume.metadata.name ?? "";
  const quota = { mount: input.mount, dir: input.dir, volume: id, signal: ctx.signal };
  await applyVolumeQuota(deps, { ...quota, size: blockQuotaSize(input.size) }, ctx.logger);
  const file = blockFilePath(deps.host, input.volume.status.fsuuid, id);
  await growBlockFile(deps.host, { file, size: input.size, signal: ctx.signal });
}
