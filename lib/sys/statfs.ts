/** Filesystem usage from `stat -f` (statfs(2) through coreutils). */
import type { FsUsage } from "./host.ts";

/** The `stat -f -c` format whose output `parseStatfs` reads. */
export const STATFS_FORMAT = "%S %b %f %a %c %d";

/**
 * Parses `stat -f -c "%S %b %f %a %c %d"` output: fundamental block size, total, free and
 * available blocks, total and free inodes.
 *
 * @throws {SyntaxError} when the text does not hold six integers
 * @example parseStatfs("4096 100 50 40 64 32").totalBytes === 409600
 */
export function parseStatfs(text: string): FsUsage {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length !== 6 || fields.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new SyntaxError(`Cannot parse statfs output "${text.trim()}"`);
  }
  const [bsize = 0, blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0] = fields;
  return {
    totalBytes: blocks * bsize,
    freeBytes: bfree * bsize,
    availableBytes: bavail * bsize,
    totalInodes: files,
    freeInodes: ffree,
  };
}
