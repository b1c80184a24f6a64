/**
 * The node's reflink copies on one drive: a volume cloned into another, a snapshot cut from a
 * volume, a volume restored from a snapshot. Every copy shares extents with its source
 * (`cp --reflink=always`), so it takes no time or space up front; a drive formatted without
 * reflink (DirectPV's older drives may be) is refused rather than copied byte for byte,
 * because a full copy inside a CSI call would take as long as the data is big and would no
 * longer be a point-in-time copy of a volume that is being written.
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";
import { snapshotDirName } from "../../lib/types/mod.ts";
import {
  drivePaths,
  ensureFsuuidLink,
  probeXfs,
  projectArgs,
  projectId,
  reflinkCopyTree,
} from "../../lib/xfs/mod.ts";
import { deviceNameOf } from "./health_probe.ts";
import type { CopyEnd, ReflinkCopy } from "./node_ops.ts";

/** Mode of a snapshot's directory: read-only, since nothing ever writes into a snapshot. */
export const SNAPSHOT_DIR_MODE = 0o555;

/** The mapped directory of a copy end on the drive mounted at `mountPoint`. */
export function copyEndPath(mountPoint: string, end: CopyEnd): string {
  return end.kind === "volume"
    ? `${mountPoint}/${end.name}`
    : `${mountPoint}/${snapshotDirName(end.name)}`;
}

/**
 * The drive's mount point after checking it is mounted and formatted with reflink.
 *
 * @throws {UnavailableError} when the drive is not mounted (yet)
 * @throws {FailedPreconditionError} when its filesystem has no reflink
 */
async function reflinkMount(host: Host, fsuuid: string): Promise<string> {
  const { mountPoint } = drivePaths(host, fsuuid);
  const entry = (await host.mounter.mountInfo()).findLast((m) => m.mountPoint === mountPoint);
  if (!entry) throw new UnavailableError(`Drive "${fsuuid}" is not mounted on this node`);
  // sysfs names the device of a mount by its maj:min; the mount source is the fallback.
  const name = (await deviceNameOf(host, entry.majorMinor)) ?? entry.source.split("/").pop();
  if (!name) throw new UnavailableError(`Device of drive "${fsuuid}" not found`);
  const superblock = await probeXfs(host, host.paths.dev(name));
  if (!superblock.reflink) {
    throw new FailedPreconditionError(
      `Drive "${fsuuid}" is formatted without reflink (reflink=0): clones and snapshots need ` +
        `it; put the volume on a drive formatted by this release`,
    );
  }
  return mountPoint;
}

/**
 * Makes the copy `input` describes; a target already there is a copy an earlier run finished
 * (it appears only complete). A volume target gets the volume's project id on every entry
 * when quota is in force, so the copied bytes count against its quota.
 *
 * @throws {UnavailableError} when the drive is not mounted
 * @throws {FailedPreconditionError} when the drive has no reflink
 * @throws {CommandError} when cp fails
 */
export async function reflinkCopy(
  host: Host,
  input: ReflinkCopy,
  quota: () => Promise<boolean>,
): Promise<void> {
  const mountPoint = await reflinkMount(host, input.fsuuid);
  const to = copyEndPath(mountPoint, input.to);
  if (input.to.kind === "snapshot") {
    await host.fs.mkdir(`${mountPoint}/${snapshotDirName("")}`, { recursive: true });
  }
  try {
    await reflinkCopyTree(host, copyEndPath(mountPoint, input.from), to, {
      ...(input.to.kind === "snapshot" ? { mode: SNAPSHOT_DIR_MODE } : {}),
    });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    return;
  }
  if (input.to.kind !== "volume") return;
  await ensureFsuuidLink(host, input.fsuuid);
  if (!(await quota())) return;
  const id = await projectId(input.to.name);
  await host.exec.run("xfs_quota", projectArgs(mountPoint, to, id, { recursive: true }));
}

/** Removes a snapshot's directory (a no-op when it is gone, or the drive is not mounted). */
export async function removeSnapshotData(
  host: Host,
  fsuuid: string,
  name: string,
): Promise<void> {
  const { mountPoint } = drivePaths(host, fsuuid);
  const mounted = (await host.mounter.mountInfo()).some((m) => m.mountPoint === mountPoint);
  if (!mounted) throw new UnavailableError(`Drive "${fsuuid}" is not mounted on this node`);
  const dir = copyEndPath(mountPoint, { kind: "snapshot", name });
  for (const path of [dir, `${dir}.partial`]) {
    if (await host.fs.stat(path)) {
      await host.fs.chmod(path, 0o755);
      await host.exec.run("rm", ["-rf", "--one-file-system", "--", path]);
    }
  }
}
