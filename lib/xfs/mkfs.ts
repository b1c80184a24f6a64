/** `mkfs.xfs` as DirectPV runs it (reference §4.2), with reflink asked for explicitly. */
import { InvalidArgumentError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";
import { FS_LABEL, LOWER_UUID } from "../types/mod.ts";
import { probeXfs, type XfsSuperblock } from "./superblock.ts";

/** Options of `mkfs`. */
export interface MkfsOptions {
  /** The new filesystem UUID (lowercase), which becomes the drive id. */
  fsuuid: string;
  /** Pass `-f` (overwrite an existing filesystem or partition table). */
  force: boolean;
  /**
   * Reflink on (the default: `-m reflink=1`, which clones and snapshots need, whatever the
   * xfsprogs default); false gives `-m reflink=0` (a kernel that cannot mount reflink XFS).
   */
  reflink?: boolean;
  signal?: AbortSignal;
}

/**
 * The arguments of `mkfs.xfs`.
 *
 * @example mkfsArgs("/dev/sdb", { fsuuid, force: false }) // ["-i","maxpct=50","-m",`uuid=${fsuuid}`,"-m","reflink=1","-L","DIRECTPV","/dev/sdb"]
 */
export function mkfsArgs(device: string, options: MkfsOptions): string[] {
  return [
    "-i",
    "maxpct=50",
    "-m",
    `uuid=${options.fsuuid}`,
    "-m",
    options.reflink === false ? "reflink=0" : "reflink=1",
    ...(options.force ? ["-f"] : []),
    "-L",
    FS_LABEL,
    device,
  ];
}

/**
 * Formats `device` (mapped under the host root) with XFS and returns its new superblock.
 *
 * @throws {InvalidArgumentError} when `fsuuid` is not a lowercase UUID
 * @throws {CommandError} when mkfs.xfs fails (it refuses an existing filesystem without `force`)
 */
export async function mkfs(
  host: Host,
  device: string,
  options: MkfsOptions,
): Promise<XfsSuperblock> {
  if (!LOWER_UUID.test(options.fsuuid)) {
    throw new InvalidArgumentError(`Cannot format "${device}": invalid FSUUID "${options.fsuuid}"`);
  }
  await host.exec.run(
    "mkfs.xfs",
    mkfsArgs(device, options),
    options.signal ? { signal: options.signal } : {},
  );
  return await probeXfs(host, device);
}
