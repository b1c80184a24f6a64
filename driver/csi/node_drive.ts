/**
 * A drive's mount and a volume's quota as the Node service sees them. The drive's device is
 * found through the mount table, else by a superblock scan for its FSUUID
 * (`findByFsuuid`), never through `/dev/disk/by-uuid`.
 */
import { errorMessage, FailedPreconditionError } from "../../lib/errors/mod.ts";
import { findByFsuuid } from "../../lib/device/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { MountInfoEntry } from "../../lib/sys/mod.ts";
import { drivePaths, getProjectQuota, mountDrive, setProjectQuota } from "../../lib/xfs/mod.ts";
import type { DirectPVDrive } from "../../lib/types/mod.ts";
import type { NodeContext } from "../node_context.ts";

/** The mount of a drive and whether project quota is on. */
export interface DriveMountInfo {
  entry: MountInfoEntry;
  /** Mapped mount point `<app>/mnt/<fsuuid>`. */
  mountPoint: string;
  quota: boolean;
}

const QUOTA_OPTIONS = /^(prjquota|pquota|pqnoenforce)$/;

/** Whether a mount has project quota accounting on. */
export function mountHasQuota(entry: MountInfoEntry): boolean {
  return [...entry.superOptions, ...entry.mountOptions].some((o) => QUOTA_OPTIONS.test(o));
}

/** The mount of `<app>/mnt/<fsuuid>` from the mount table, if mounted. */
export async function findDriveMount(
  deps: NodeContext,
  fsuuid: string,
): Promise<DriveMountInfo | undefined> {
  const mountPoint = drivePaths(deps.host, fsuuid).mountPoint;
  const entries = await deps.host.mounter.mountInfo();
  const entry = entries.findLast((e) => e.mountPoint === mountPoint);
  return entry ? { entry, mountPoint, quota: mountHasQuota(entry) } : undefined;
}

async function locateDevice(deps: NodeContext, drive: DirectPVDrive): Promise<string> {
  const fsuuid = drive.status.fsuuid;
  const match = await findByFsuuid(deps.host, fsuuid, { allowLoop: deps.allowLoop });
  const visible = match.kind === "one" && (!deps.deviceFilter ||
    await deps.deviceFilter(match.device.name));
  if (match.kind === "one" && visible) return deps.host.paths.dev(match.device.name);
  const why = match.kind === "many"
    ? `several devices carry it (${match.devices.map((d) => d.name).join(", ")})`
    : "no device carries it";
  throw new FailedPreconditionError(
    `Cannot mount drive "${drive.metadata.name}": it is not mounted and ${why} ` +
      `(filesystem UUID "${fsuuid}")`,
  );
}

/**
 * The drive's mount, mounting the drive first when it is not mounted (its device found by
 * FSUUID).
 *
 * @throws {FailedPreconditionError} when the device cannot be found or quota is required but
 *   missing
 */
export async function ensureDriveMounted(
  deps: NodeContext,
  drive: DirectPVDrive,
  logger: Logger,
): Promise<DriveMountInfo> {
  const fsuuid = drive.status.fsuuid;
  const found = await findDriveMount(deps, fsuuid);
  if (found) return found;
  const device = await locateDevice(deps, drive);
  await mountDrive(deps.host, device, fsuuid, { quota: deps.quota, log: logger });
  logger.info("Mounted drive", { drive: drive.metadata.name, device });
  const mounted = await findDriveMount(deps, fsuuid);
  if (!mounted) {
    throw new FailedPreconditionError(`Drive "${drive.metadata.name}" did not appear mounted`);
  }
  return mounted;
}

/** What a quota change needs. */
export interface VolumeQuotaInput {
  mount: DriveMountInfo;
  /** Mapped volume directory. */
  dir: string;
  volume: string;
  size: number;
  signal?: AbortSignal;
}

/**
 * Sets the volume's project quota to `size`. Without quota on the drive mount this is an
 * error under the `required` policy and a logged no-op under `best-effort`.
 *
 * @throws {FailedPreconditionError} when quota is required but the drive has none
 * @throws {CommandError} when `xfs_quota` fails
 */
export async function applyVolumeQuota(
  deps: NodeContext,
  input: VolumeQuotaInput,
  logger: Logger,
): Promise<void> {
  if (!input.mount.quota) {
    if (deps.quota === "best-effort") {
      logger.debug("Skipping project quota: the drive is mounted without it", {
        volume: input.volume,
      });
      return;
    }
    throw new FailedPreconditionError(
      `Cannot set the quota of volume "${input.volume}": drive mount "` +
        `${deps.host.paths.unmap(input.mount.mountPoint)}" has no project quota`,
    );
  }
  await setProjectQuota(deps.host, {
    mountPoint: input.mount.mountPoint,
    volumeDir: input.dir,
    volumeName: input.volume,
    size: input.size,
    ...(input.signal ? { signal: input.signal } : {}),
  });
}

/** How a volume's usage was measured. */
export interface VolumeUsed {
  bytes: number;
  source: "quota" | "filesystem";
}

/**
 * Bytes a volume uses: its project quota usage when the drive has quota; otherwise the used
 * bytes of the drive's filesystem capped to the volume's capacity. (Walking the volume
 * directory like `du` would cost time proportional to its file count on every stats call,
 * so the filesystem figure is used: exact for one volume per drive, an upper bound
 * otherwise.)
 */
export async function volumeUsedBytes(
  deps: NodeContext,
  input: { mount: DriveMountInfo; dir: string; volume: string; capacity: number },
  logger: Logger,
): Promise<VolumeUsed> {
  if (input.mount.quota) {
    try {
      const quota = await getProjectQuota(deps.host, input.mount.mountPoint, input.volume);
      if (quota) return { bytes: quota.usedBytes, source: "quota" };
    } catch (err) {
      if (deps.quota === "required") throw err;
      logger.debug("Cannot read project quota", { volume: input.volume, error: errorMessage(err) });
    }
  }
  const usage = await deps.host.fs.usage(input.dir);
  const used = Math.max(0, usage.totalBytes - usage.availableBytes);
  return { bytes: Math.min(used, input.capacity), source: "filesystem" };
}
