/**
 * `xfs_growfs` on a mounted drive: its in-core geometry (`-n`, changes nothing) and growing the
 * data section to the whole device. The in-core geometry is the truth for a mounted filesystem:
 * the primary superblock on the device is written back lazily after a grow.
 */
import { InvalidArgumentError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";

/** Data-section size of a mounted XFS, from xfs_growfs. */
export interface XfsDataSize {
  blockSize: number;
  dataBlocks: number;
  /** dataBlocks × blockSize, the drive's total capacity. */
  bytes: number;
}

const DATA_LINE = /^data\s+=.*\bbsize=(\d+)\s+blocks=(\d+)/m;
const CHANGED_LINE = /data blocks changed from (\d+) to (\d+)/;

/**
 * Reads the data size out of xfs_growfs output: the geometry it printed, or, when it grew the
 * filesystem, the new block count it reports.
 *
 * @throws {InvalidArgumentError} when the output has no data geometry line
 */
export function parseGrowfsOutput(output: string): XfsDataSize {
  const geometry = DATA_LINE.exec(output);
  if (!geometry) {
    throw new InvalidArgumentError(
      `Cannot read the data geometry in xfs_growfs output "${output}"`,
    );
  }
  const blockSize = Number(geometry[1]);
  const changed = CHANGED_LINE.exec(output);
  const dataBlocks = Number(changed ? changed[2] : geometry[2]);
  return { blockSize, dataBlocks, bytes: blockSize * dataBlocks };
}

/**
 * The in-core data size of the XFS mounted at `mountPoint` (`xfs_growfs -n`).
 *
 * @throws {CommandError} when xfs_growfs fails (not an XFS mount point)
 */
export async function xfsDataSize(host: Host, mountPoint: string): Promise<XfsDataSize> {
  const res = await host.exec.run("xfs_growfs", ["-n", mountPoint]);
  return parseGrowfsOutput(res.stdout);
}

/**
 * Grows the data section of the XFS mounted at `mountPoint` to the size of its device
 * (`xfs_growfs -d`); returns the size before and after.
 *
 * @throws {CommandError} when xfs_growfs fails
 */
export async function growXfs(
  host: Host,
  mountPoint: string,
): Promise<{ before: XfsDataSize; after: XfsDataSize }> {
  const res = await host.exec.run("xfs_growfs", ["-d", mountPoint]);
  const before = parseGrowfsOutput(res.stdout.replace(CHANGED_LINE, ""));
  return { before, after: parseGrowfsOutput(res.stdout) };
}
