/** `xfs_repair` (reference §3.1): the wrapper and the unmount–repair–remount sequence. */
import { UnsafeOperationError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";
import { drivePaths } from "./layout.ts";
import { majorMinorOf, mountDrive, type MountDriveOptions } from "./mount.ts";

/** Options of `xfsRepair`. */
export interface RepairOptions {
  /** `-L`: zero the log (loses the latest metadata changes). */
  force?: boolean;
  /** `-P`: disable prefetching. */
  disablePrefetch?: boolean;
  /** `-n`: check only, change nothing. */
  dryRun?: boolean;
  /** Receives every output line as it arrives. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** The arguments of `xfs_repair`. */
export function repairArgs(device: string, options: RepairOptions = {}): string[] {
  return [
    device,
    "-v",
    ...(options.force ? ["-L"] : []),
    ...(options.disablePrefetch ? ["-P"] : []),
    ...(options.dryRun ? ["-n"] : []),
  ];
}

/**
 * Runs `xfs_repair <device> -v [-L] [-P] [-n]`, streaming output lines to `onLine`.
 *
 * @throws {CommandError} when xfs_repair exits non-zero (with `-n`: damage was found)
 */
export async function xfsRepair(
  host: Host,
  device: string,
  options: RepairOptions = {},
): Promise<void> {
  const onLine = options.onLine;
  await host.exec.run("xfs_repair", repairArgs(device, options), {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onLine ? { onLine: (line: string) => onLine(line) } : {}),
  });
}

/**
 * Repairs a drive: refuses when the device is mounted anywhere but its drive mount points,
 * unmounts those, runs xfs_repair, and mounts the drive again.
 *
 * @throws {UnsafeOperationError} when the device is mounted elsewhere
 */
export async function repairDrive(
  host: Host,
  device: string,
  fsuuid: string,
  options: RepairOptions & { mount: MountDriveOptions },
): Promise<void> {
  const own = [drivePaths(host, fsuuid).mountPoint, host.paths.legacyApp("mnt", fsuuid)];
  const majorMinor = await majorMinorOf(host, device);
  const mounts = (await host.mounter.mountInfo()).filter((e) =>
    majorMinor !== undefined ? e.majorMinor === majorMinor : e.source === device
  );
  const elsewhere = mounts.map((e) => e.mountPoint).filter((p) => !own.includes(p));
  if (elsewhere.length > 0) {
    throw new UnsafeOperationError(
      `Cannot repair device "${device}": it is still mounted at ${
        elsewhere.map((p) => `"${p}"`).join(", ")
      }`,
    );
  }
  for (const target of own) await host.mounter.unmount(target, { force: true, detach: true });
  await xfsRepair(host, device, options);
  await mountDrive(host, device, fsuuid, options.mount);
}
