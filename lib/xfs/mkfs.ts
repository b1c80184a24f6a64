/** `mkfs.xfs` as DirectPV runs it (reference §4.2). */
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
  /** Keep reflink on (the default); false adds `-m reflink=0`. */
  reflink?: boolean;
  signal?: AbortSignal;
}

/**
 * The arguments of `mkfs.xfs`.
 *
 * @example mkfsArgs("/dev/sdb", { fsuuid, force: false }) // ["-i","maxpct=50","-m",`uuid=${fsuuid}`,"-L","DIRECTPV","/dev/sdb"]
 */
export function mkfsArgs(device: string, options: MkfsOptions): string[] {
  return [
    "-i",
    "maxpct=50",
    "-m",
    `uuid=${options.fsuuid}`,
    ...(options.reflink === false ? ["-m", "reflink=0"] : []),
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
