/**
 * Mounting a drive at `<app>/mnt/<fsuuid>` (reference §4.2) with the quota policy of
 * DESIGN §3: `required` fails clearly on a kernel without XFS quota, `best-effort` mounts
 * without `prjquota` and reports quota as unavailable.
 */
import {
  CommandError,
  errorMessage,
  FailedPreconditionError,
  ifFound,
  UnsafeOperationError,
} from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Host, MountInfoEntry } from "../sys/mod.ts";
import { drivePaths } from "./layout.ts";

/** How project quotas are treated. */
export type QuotaPolicy = "required" | "best-effort";
export const QUOTA_POLICIES: readonly QuotaPolicy[] = ["required", "best-effort"];

/** Options of `mountDrive`. */
export interface MountDriveOptions {
  quota: QuotaPolicy;
  signal?: AbortSignal;
  log?: Logger;
}

/** The outcome of `mountDrive`. */
export interface DriveMount {
  mountPoint: string;
  /** Project quota is enforced on the mount (`prjquota`). */
  quota: boolean;
  /** The drive was mounted there already. */
  alreadyMounted: boolean;
}

/**
 * Whether the kernel supports XFS quota: `/proc/fs/xfs/xqmstat` exists only with
 * CONFIG_XFS_QUOTA. Undefined when XFS is not loaded (no `/proc/fs/xfs`).
 */
export async function detectQuotaSupport(host: Host): Promise<boolean | undefined> {
  if (await host.fs.stat(host.paths.proc("fs/xfs/xqmstat"))) return true;
  return (await host.fs.stat(host.paths.proc("fs/xfs"))) ? false : undefined;
}

/** The kernel name of a device path (`/dev/mapper/vg-lv` → `dm-0`, `/dev/sdb` → `sdb`). */
export async function kernelNameOf(host: Host, device: string): Promise<string> {
  const info = await host.fs.stat(device);
  const resolved = info?.isSymlink ? await host.fs.readLink(device) : device;
  return resolved.split("/").pop() ?? resolved;
}

/** The `maj:min` of a device path from sysfs; undefined when sysfs does not know it. */
export async function majorMinorOf(host: Host, device: string): Promise<string | undefined> {
  const name = await kernelNameOf(host, device);
  return (await ifFound(host.fs.readText(host.paths.sys("class/block", name, "dev"))))?.trim();
}

/** Whether a mount entry is of `device` (by `maj:min`, else by source path). */
function sameDevice(entry: MountInfoEntry, device: string, majorMinor?: string): boolean {
  return majorMinor !== undefined ? entry.majorMinor === majorMinor : entry.source === device;
}

function hasQuota(entry: MountInfoEntry): boolean {
  return [...entry.superOptions, ...entry.mountOptions].some((o) =>
    /^(prjquota|pquota|pqnoenforce)$/.test(o)
  );
}

/**
 * Mounts `device` (mapped path) at `<app>/mnt/<fsuuid>` with `noatime` (+ `prjquota`).
 * A no-op when the same device is mounted there already.
 *
 * @throws {UnsafeOperationError} when another device is mounted at the mount point
 * @throws {FailedPreconditionError} with `quota: "required"` on a kernel without XFS quota
 * @throws {CommandError} when mount fails otherwise
 */
export async function mountDrive(
  host: Host,
  device: string,
  fsuuid: string,
  options: MountDriveOptions,
): Promise<DriveMount> {
  const { mountPoint } = drivePaths(host, fsuuid);
  const majorMinor = await majorMinorOf(host, device);
  const existing = (await host.mounter.mountInfo()).filter((e) => e.mountPoint === mountPoint);
  if (existing.length > 0) {
    const same = existing.find((e) => sameDevice(e, device, majorMinor));
    if (!same) {
      const others = existing.map((e) => `"${e.source}"`).join(", ");
      throw new UnsafeOperationError(
        `Cannot mount device "${device}" at "${mountPoint}": already mounted by ${others}`,
      );
    }
    return { mountPoint, quota: hasQuota(same), alreadyMounted: true };
  }
  await host.fs.mkdir(mountPoint, { recursive: true, mode: 0o755 });
  const quota = await mountWithPolicy(host, device, mountPoint, options);
  await disableMetadataRetries(host, device, options.log);
  return { mountPoint, quota, alreadyMounted: false };
}

async function mountWithPolicy(
  host: Host,
  device: string,
  mountPoint: string,
  options: MountDriveOptions,
): Promise<boolean> {
  const mount = (extra: string[]): Promise<void> =>
    host.mounter.mount(device, mountPoint, {
      fsType: "xfs",
      options: ["noatime", ...extra],
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const support = await detectQuotaSupport(host);
  if (options.quota === "best-effort" && support === false) {
    await mount([]);
    return false;
  }
  try {
    await mount(["prjquota"]);
    return true;
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (options.quota === "best-effort") {
      options.log?.warn("Mounting without project quota", { device, error: errorMessage(err) });
      await mount([]);
      return false;
    }
    if ((support ?? await detectQuotaSupport(host)) === false) {
      throw new FailedPreconditionError(
        `Cannot mount device "${device}" with project quota: the kernel has no XFS quota ` +
          `support (CONFIG_XFS_QUOTA); use a kernel with XFS quota, or run the node server ` +
          `with --quota=best-effort to go without quota enforcement`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** Writes 0 to the XFS metadata error `max_retries` knobs of the device (failures only logged). */
async function disableMetadataRetries(host: Host, device: string, log?: Logger): Promise<void> {
  const name = await kernelNameOf(host, device);
  for (const kind of ["EIO", "ENOSPC", "default"]) {
    const path = host.paths.sys("fs/xfs", name, "error/metadata", kind, "max_retries");
    try {
      await host.fs.writeText(path, "0");
    } catch (err) {
      log?.debug("Cannot set XFS max_retries", { path, error: errorMessage(err) });
    }
  }
}

/** Unmounts a drive's mount point (force + detach); a no-op when it is not mounted. */
export async function unmountDrive(
  host: Host,
  fsuuid: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await host.mounter.unmount(drivePaths(host, fsuuid).mountPoint, {
    force: true,
    detach: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
