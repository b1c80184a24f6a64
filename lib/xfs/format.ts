/**
 * Safe formatting: the device is probed again right before mkfs, and formatting is refused
 * when it is mounted, held, swap, partitioned, no longer the device the caller saw, or holds
 * anything (a signature, a partition table, unknown data) that the caller did not force. So
 * mkfs.xfs's own check of existing signatures is never what keeps a drive's data.
 */
import { NotFoundError, UnsafeOperationError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";
import { NOT_FORCED } from "../types/mod.ts";
import { mkfs } from "./mkfs.ts";
import type { XfsSuperblock } from "./superblock.ts";

/** What `formatDrive` needs to know about the device right before mkfs. */
export interface DeviceState {
  /** Kernel name (`sdb`). */
  name: string;
  /** The device id (`<maj:min>$<hash>`) as the probe computes it now. */
  id: string;
  mountPoints: readonly string[];
  holders: readonly string[];
  swapOn: boolean;
  partitioned: boolean;
  readOnly?: boolean;
  /**
   * What the device holds, in words (`"ntfs" (UUID "…")`, `a "gpt" partition table`, unknown
   * data); undefined when it is empty. Required, so that a state is never empty by omission.
   */
  holds: string | undefined;
}

/** Options of `formatDrive`. */
export interface FormatDriveOptions {
  /** Kernel name of the device (`sdb`). */
  device: string;
  /** The id the caller saw when it chose the device. */
  expectedId: string;
  /** Erase what the device holds (`mkfs.xfs -f`); without it only an empty device is formatted. */
  force: boolean;
  /** The new FSUUID (lowercase UUID); a fresh random one when omitted. */
  fsuuid?: string;
  /** Keep reflink on (the default). */
  reflink?: boolean;
  /** Probes one device by name now; undefined when it is gone. */
  probe: (name: string) => Promise<DeviceState | undefined>;
  signal?: AbortSignal;
}

/** The outcome of `formatDrive`. */
export interface FormattedDrive {
  fsuuid: string;
  superblock: XfsSuperblock;
}

function refusal(state: DeviceState, options: FormatDriveOptions): string | undefined {
  if (state.id !== options.expectedId) {
    return `device state changed${state.holds ? `; it now holds ${state.holds}` : ""}`;
  }
  if (state.mountPoints.length > 0) {
    return `it is mounted at ${state.mountPoints.map((m) => `"${m}"`).join(", ")}`;
  }
  if (state.holders.length > 0) {
    return `it is held by ${state.holders.map((h) => `"${h}"`).join(", ")}`;
  }
  if (state.swapOn) return "it is used as swap";
  if (state.partitioned) return "it has partitions";
  if (state.readOnly) return "it is read-only";
  if (state.holds && !options.force) return `it holds ${state.holds}, ${NOT_FORCED}`;
  return undefined;
}

/**
 * Re-probes `device`, checks it is safe to format, and formats it with XFS.
 *
 * @throws {NotFoundError} when the device is gone
 * @throws {UnsafeOperationError} when it is mounted, held, swap, partitioned, changed, or
 *   holds something and `force` is not set
 * @throws {CommandError} when mkfs.xfs fails
 */
export async function formatDrive(
  host: Host,
  options: FormatDriveOptions,
): Promise<FormattedDrive> {
  const path = `/dev/${options.device}`;
  const state = await options.probe(options.device);
  if (!state) throw new NotFoundError(`Cannot format device "${path}": device not found`);
  const reason = refusal(state, options);
  if (reason) throw new UnsafeOperationError(`Cannot format device "${path}": ${reason}`);
  const fsuuid = options.fsuuid ?? crypto.randomUUID();
  const superblock = await mkfs(host, host.paths.dev(options.device), {
    fsuuid,
    force: options.force,
    ...(options.reflink === undefined ? {} : { reflink: options.reflink }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { fsuuid, superblock };
}
