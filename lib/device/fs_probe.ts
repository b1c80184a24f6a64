/**
 * Finds what a device holds by reading at most two small byte ranges: the first 4 KiB
 * (XFS, ext2/3/4, LUKS, LVM2, swap with 4 KiB pages, FAT, GPT, MBR) and, only when that
 * shows no filesystem, 64 KiB from offset 4 KiB (ISO 9660 at 32 KiB, btrfs at 64 KiB, swap
 * with larger pages).
 */
import {
  type FsSignature,
  parseBtrfs,
  parseExt,
  parseGpt,
  parseIso9660,
  parseLuks,
  parseLvm2,
  parseMbr,
  parseSwap,
  parseVfat,
  parseXfs,
  type PartTableSignature,
} from "./superblock.ts";

/** Reads `length` bytes at `offset` (fewer at the end of the device). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

/** What a device holds. */
export interface ContentProbe {
  fs?: FsSignature;
  partTable?: PartTableSignature;
}

const HEAD = 4096;
const TAIL_OFFSET = 0x1000;
const TAIL_LENGTH = 0x10000;

function slice(bytes: Uint8Array, from: number, to = bytes.length): Uint8Array {
  return from >= bytes.length ? new Uint8Array() : bytes.subarray(from, Math.min(to, bytes.length));
}

/** Filesystems recognisable from the first 4 KiB, strongest magic first. */
export function probeHead(head: Uint8Array): FsSignature | undefined {
  return parseXfs(head) ?? parseExt(slice(head, 1024)) ?? parseLuks(head) ??
    parseLvm2(head) ?? parseSwap(head, 4096) ?? parseVfat(head);
}

/** Filesystems recognisable from 64 KiB read at offset 4 KiB (`tail`), given the head too. */
export function probeTail(head: Uint8Array, tail: Uint8Array): FsSignature | undefined {
  const at = (offset: number): Uint8Array => slice(tail, offset - TAIL_OFFSET);
  const iso = parseIso9660(at(0x8000));
  if (iso) return iso;
  const btrfs = parseBtrfs(at(0x10000));
  if (btrfs) return btrfs;
  for (const page of [8192, 16384, 32768, 65536]) {
    const sig = slice(tail, page - 10 - TAIL_OFFSET, page - TAIL_OFFSET);
    if (sig.length < 10) break;
    const joined = new Uint8Array(page);
    joined.set(head.subarray(0, Math.min(head.length, page)));
    joined.set(sig, page - 10);
    const swap = parseSwap(joined, page);
    if (swap) return swap;
  }
  return undefined;
}

/** A partition table at the start of the device (GPT wins over its protective MBR). */
export function probePartTable(
  head: Uint8Array,
  tail?: Uint8Array,
): PartTableSignature | undefined {
  const gpt4k = tail ? slice(tail, 4096 - TAIL_OFFSET) : undefined;
  return parseGpt(slice(head, 512)) ?? (gpt4k ? parseGpt(gpt4k) : undefined) ?? parseMbr(head);
}

/**
 * Probes a device's content through `read`. A partition table is looked for only when no
 * filesystem sits at the start (or the filesystem is ISO 9660, which may be hybrid).
 *
 * @example await probeContent((o, n) => host.fs.readBytes("/dev/sdb", o, n))
 */
export async function probeContent(read: ByteReader): Promise<ContentProbe> {
  const head = await read(0, HEAD);
  const out: ContentProbe = {};
  const fs = probeHead(head);
  if (fs) {
    out.fs = fs;
    return out;
  }
  if (head.length < HEAD) return tableOnly(out, head);
  const tail = await read(TAIL_OFFSET, TAIL_LENGTH);
  const late = probeTail(head, tail);
  if (late) out.fs = late;
  if (!late || late.type === "iso9660") {
    const table = probePartTable(head, tail);
    if (table) out.partTable = table;
  }
  return out;
}

function tableOnly(out: ContentProbe, head: Uint8Array): ContentProbe {
  const table = probePartTable(head);
  if (table) out.partTable = table;
  return out;
}
