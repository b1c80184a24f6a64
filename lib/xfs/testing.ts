/**
 * Test helpers: a well-formed XFS v5 superblock, as mkfs.xfs writes it, that both our
 * superblock reader and libblkid accept (fake `mkfs.xfs` answers write it onto fake devices),
 * and scripted `fallocate`/`losetup` for block-volume files.
 */
import { basename } from "node:path";
import type { FakeHost } from "../sys/testing.ts";

/** Fields of an XFS superblock image. */
export interface XfsImageSpec {
  uuid: string;
  /** Bytes per block; 4096 by default. */
  blockSize?: number;
  /** Data blocks; 262144 by default. */
  dataBlocks?: number;
  /** Free data blocks; 260000 by default. */
  freeBlocks?: number;
  /** 12 bytes at most; `DIRECTPV` by default. */
  label?: string;
  /** Sets the reflink feature bit; off by default. */
  reflink?: boolean;
  /** Sets `sb_inprogress`, as a mkfs.xfs killed before it finished leaves it. */
  inProgress?: boolean;
}

const SECTOR = 512;
const LITTLE_ENDIAN = true;
const AG_COUNT = 4;

let crcTable: Uint32Array | undefined;

/** CRC-32C (Castagnoli), the checksum of XFS v5 metadata. */
export function crc32c(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = (crcTable[(crc ^ b) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function log2(n: number): number {
  return Math.ceil(Math.log2(n));
}

/** One 512-byte sector holding an XFS v5 superblock with `spec`'s values and a valid CRC. */
export function xfsSuperblockImage(spec: XfsImageSpec): Uint8Array {
  const blockSize = spec.blockSize ?? 4096;
  const dataBlocks = spec.dataBlocks ?? 262144;
  const agBlocks = Math.ceil(dataBlocks / AG_COUNT);
  const sb = new Uint8Array(SECTOR);
  const dv = new DataView(sb.buffer);
  dv.setUint32(0, 0x58465342); // "XFSB"
  dv.setUint32(4, blockSize);
  dv.setBigUint64(8, BigInt(dataBlocks));
  const hex = spec.uuid.replaceAll("-", "");
  for (let i = 0; i < 16; i++) sb[32 + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  dv.setBigUint64(48, BigInt(agBlocks * 2 + 6)); // log start: inside the third AG
  dv.setBigUint64(56, 128n); // root inode, then the realtime bitmap and summary inodes
  dv.setBigUint64(64, 129n);
  dv.setBigUint64(72, 130n);
  dv.setUint32(80, 1); // realtime extent size
  dv.setUint32(84, agBlocks);
  dv.setUint32(88, AG_COUNT);
  dv.setUint32(96, Math.min(16384, Math.floor(agBlocks / 2)));
  dv.setUint16(100, 0xb4a5); // version 5 with its required feature bits
  dv.setUint16(102, SECTOR);
  dv.setUint16(104, 512); // inode size
  dv.setUint16(106, blockSize / 512); // inodes per block
  sb.set(new TextEncoder().encode((spec.label ?? "DIRECTPV").slice(0, 12)), 108);
  sb.set([log2(blockSize), log2(SECTOR), log2(512), log2(blockSize / 512), log2(agBlocks)], 120);
  sb[126] = spec.inProgress ? 1 : 0; // mkfs.xfs clears it when it is done
  sb[127] = 25; // max % of space for inodes
  dv.setBigUint64(128, 64n); // inodes allocated
  dv.setBigUint64(136, 61n); // inodes free
  dv.setBigUint64(144, BigInt(spec.freeBlocks ?? 260000));
  dv.setUint32(180, 4); // inode alignment
  dv.setUint8(193, log2(SECTOR));
  dv.setUint16(194, SECTOR);
  dv.setUint32(196, 1);
  dv.setUint32(200, 0x18a); // features2 and its bad copy
  dv.setUint32(204, 0x18a);
  dv.setUint32(212, 0x9 | (spec.reflink ? 0x4 : 0)); // ro-compat: finobt, inobtcount, reflink
  dv.setUint32(216, 0xb); // incompat: ftype, sparse inodes, big timestamps
  dv.setUint32(228, 4); // sparse inode alignment
  dv.setUint32(224, crc32c(sb), LITTLE_ENDIAN); // the one little-endian field
  return sb;
}

/**
 * Scripts `fallocate` (sizes the real file) and `losetup` (`--find --show`, `-j`, `-c`, `-d`
 * over an in-memory table) on a fake host; returns the table of device → backing file.
 */
export function scriptLoopDevices(host: FakeHost): Map<string, string> {
  const loops = new Map<string, string>();
  host.onExec("fallocate", async (call) => {
    const file = await Deno.open(call.args[2] ?? "", { write: true, create: true });
    await file.truncate(Number(call.args[1]));
    file.close();
    return {};
  });
  host.onExec("losetup", async (call) => {
    const [flag, arg] = call.args;
    if (flag === "-j") {
      const lines = [...loops].filter(([, f]) => f === arg).map(([d, f]) => `${d}: []: (${f})`);
      return { stdout: lines.map((l) => `${l}\n`).join("") };
    }
    if (flag === "-d") {
      if (!loops.delete(arg ?? "")) return { code: 1, stderr: "no device" };
      await Deno.remove(host.paths.dev(basename(arg ?? "")));
      return {};
    }
    if (flag === "-c") return loops.has(arg ?? "") ? {} : { code: 1, stderr: "no device" };
    const device = `/dev/loop${loops.size + 7}`;
    loops.set(device, call.args.at(-1) ?? "");
    // The kernel's device node, which the publish bind mount needs.
    await Deno.writeFile(host.paths.dev(basename(device)), new Uint8Array());
    return { stdout: `${device}\n` };
  });
  return loops;
}
