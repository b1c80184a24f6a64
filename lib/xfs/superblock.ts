/** The XFS superblock (reference §4.2): big-endian, magic `XFSB` at offset 0. */
import { NotFoundError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";

const BIG_ENDIAN = false;

/** The superblock fields DirectPV uses, plus feature flags. */
export interface XfsSuperblock {
  blockSize: number;
  dataBlocks: number;
  freeDataBlocks: number;
  /** Filesystem UUID, 8-4-4-4-12 lowercase. */
  uuid: string;
  /** The 12-byte label, NULs trimmed (`DIRECTPV`). */
  label: string;
  /** dataBlocks × blockSize. */
  totalCapacity: number;
  /** freeDataBlocks × blockSize (as last written to disk; lags while mounted). */
  freeCapacity: number;
  /** Superblock version (4 or 5). */
  version: number;
  /** The reflink feature is on (v5 read-only-compatible bit 2). */
  reflink: boolean;
  /**
   * `sb_inprogress` is set: mkfs.xfs wrote this superblock early and never finished (it
   * clears the flag last). The kernel refuses to mount such a filesystem.
   */
  inProgress: boolean;
}

/** Bytes of the superblock `readXfsSuperblock` needs. */
export const XFS_SUPERBLOCK_BYTES = 512;
const MAGIC = 0x58465342;
const RO_COMPAT_REFLINK = 1 << 2;

function uuidOf(bytes: Uint8Array): string {
  const h = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Decodes an XFS superblock from the first bytes of a device.
 *
 * @throws {NotFoundError} when the bytes carry no XFS superblock (naming `device`)
 * @example readXfsSuperblock(bytes, "/dev/sdb").uuid
 */
export function readXfsSuperblock(bytes: Uint8Array, device = "device"): XfsSuperblock {
  if (bytes.length < 224) {
    throw new NotFoundError(
      `Cannot read XFS superblock of "${device}": filesystem not found (only ${bytes.length} bytes)`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, BIG_ENDIAN) !== MAGIC) {
    throw new NotFoundError(
      `Cannot read XFS superblock of "${device}": filesystem not found (no XFSB magic)`,
    );
  }
  const blockSize = dv.getUint32(4, BIG_ENDIAN);
  const dataBlocks = Number(dv.getBigUint64(8, BIG_ENDIAN));
  const freeDataBlocks = Number(dv.getBigUint64(144, BIG_ENDIAN));
  const version = dv.getUint16(100, BIG_ENDIAN) & 0xf;
  const roCompat = version >= 5 ? dv.getUint32(212, BIG_ENDIAN) : 0;
  const rawLabel = new TextDecoder().decode(bytes.subarray(108, 120));
  const nul = rawLabel.indexOf("\0");
  return {
    blockSize,
    dataBlocks,
    freeDataBlocks,
    uuid: uuidOf(bytes.subarray(32, 48)),
    label: nul < 0 ? rawLabel : rawLabel.slice(0, nul),
    totalCapacity: dataBlocks * blockSize,
    freeCapacity: freeDataBlocks * blockSize,
    version,
    reflink: (roCompat & RO_COMPAT_REFLINK) !== 0,
    inProgress: dv.getUint8(126) !== 0,
  };
}

/**
 * Reads the XFS superblock of a device (a path mapped under the host root).
 *
 * @throws {NotFoundError} when the device is missing or holds no XFS
 */
export async function probeXfs(host: Host, device: string): Promise<XfsSuperblock> {
  const bytes = await host.fs.readBytes(device, 0, XFS_SUPERBLOCK_BYTES);
  return readXfsSuperblock(bytes, device);
}
