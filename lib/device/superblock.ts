/**
 * Pure superblock and partition-table parsers. Each takes the bytes of one region (the
 * offset is in its doc) and returns what it found, or undefined. Offsets and magics follow
 * the on-disk formats; the result names match blkid's (`TYPE`, `UUID`, `LABEL`, `PTTYPE`).
 */

const LITTLE_ENDIAN = true;
const BIG_ENDIAN = false;

/** A filesystem (or other content) signature found on a device. */
export interface FsSignature {
  /** blkid's TYPE: `xfs`, `ext4`, `ntfs`, `linux_raid_member`, `crypto_LUKS`, `bcache`... */
  type: string;
  uuid?: string;
  label?: string;
  /** blkid's USAGE: `filesystem`, `raid`, `crypto` or `other` (libblkid results only). */
  usage?: string;
}

/** A partition table found on a device. */
export interface PartTableSignature {
  /** blkid's PTTYPE: `gpt`, `dos`, `sun`, `mac`... (our own parsers know `gpt` and `dos`). */
  type: string;
  uuid?: string;
}

const ascii = new TextDecoder("latin1");

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function text(bytes: Uint8Array, offset: number, length: number): string {
  return ascii.decode(bytes.subarray(offset, offset + length));
}

function hasMagic(bytes: Uint8Array, offset: number, magic: string): boolean {
  return bytes.length >= offset + magic.length && text(bytes, offset, magic.length) === magic;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Formats 16 bytes as a big-endian UUID `8-4-4-4-12` in lowercase. */
export function formatUuid(bytes: Uint8Array): string {
  const h = hex(bytes.subarray(0, 16));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Formats a GUID whose first three fields are little-endian (GPT, EFI). */
function formatGuid(bytes: Uint8Array): string {
  const b = bytes.subarray(0, 16);
  const swapped = Uint8Array.from(
    [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]].map((x) => x ?? 0),
  );
  return formatUuid(Uint8Array.from([...swapped, ...b.subarray(8, 16)]));
}

/** A NUL- and space-trimmed label; undefined when empty. */
function label(bytes: Uint8Array, offset: number, length: number): string | undefined {
  const raw = new TextDecoder().decode(bytes.subarray(offset, offset + length));
  const end = raw.indexOf("\0");
  const value = (end < 0 ? raw : raw.slice(0, end)).trimEnd();
  return value === "" ? undefined : value;
}

function result(type: string, uuid: string | undefined, lbl: string | undefined): FsSignature {
  const out: FsSignature = { type };
  if (uuid) out.uuid = uuid;
  if (lbl) out.label = lbl;
  return out;
}

/** XFS: bytes from offset 0 (≥ 120). Magic `XFSB`, UUID at 32, 12-byte label at 108. */
export function parseXfs(bytes: Uint8Array): FsSignature | undefined {
  if (bytes.length < 120 || !hasMagic(bytes, 0, "XFSB")) return undefined;
  return result("xfs", formatUuid(bytes.subarray(32, 48)), label(bytes, 108, 12));
}

const EXT3_INCOMPAT = 0x0002 | 0x0004 | 0x0010;
const EXT3_RO_COMPAT = 0x0001 | 0x0002 | 0x0004;

/** ext2/3/4: the superblock, i.e. bytes from offset 1024 (≥ 0x88). Magic 0xEF53 at 0x38. */
export function parseExt(sb: Uint8Array): FsSignature | undefined {
  if (sb.length < 0x88) return undefined;
  const dv = view(sb);
  if (dv.getUint16(0x38, LITTLE_ENDIAN) !== 0xef53) return undefined;
  const compat = dv.getUint32(0x5c, LITTLE_ENDIAN);
  const incompat = dv.getUint32(0x60, LITTLE_ENDIAN);
  const roCompat = dv.getUint32(0x64, LITTLE_ENDIAN);
  if (incompat & 0x0008) return undefined; // an external journal device, not a filesystem
  const hasJournal = (compat & 0x0004) !== 0;
  const beyondExt3 = (incompat & ~EXT3_INCOMPAT) !== 0 || (roCompat & ~EXT3_RO_COMPAT) !== 0;
  const type = beyondExt3 ? "ext4" : hasJournal ? "ext3" : "ext2";
  return result(type, formatUuid(sb.subarray(0x68, 0x78)), label(sb, 0x78, 16));
}

/** btrfs: the superblock, i.e. bytes from offset 0x10000 (≥ 0x22b). Magic `_BHRfS_M` at 0x40. */
export function parseBtrfs(sb: Uint8Array): FsSignature | undefined {
  if (sb.length < 0x22b || !hasMagic(sb, 0x40, "_BHRfS_M")) return undefined;
  return result("btrfs", formatUuid(sb.subarray(0x20, 0x30)), label(sb, 0x12b, 256));
}

/** Linux swap: bytes from offset 0 (≥ `pageSize`); signature in the last 10 bytes of the page. */
export function parseSwap(bytes: Uint8Array, pageSize: number): FsSignature | undefined {
  if (bytes.length < pageSize) return undefined;
  const sig = text(bytes, pageSize - 10, 10);
  if (sig === "SWAP-SPACE") return { type: "swap" };
  if (sig !== "SWAPSPACE2") return undefined;
  const uuidBytes = bytes.subarray(0x40c, 0x41c);
  const uuid = uuidBytes.some((b) => b !== 0) ? formatUuid(uuidBytes) : undefined;
  return result("swap", uuid, label(bytes, 0x41c, 16));
}

/** LUKS1/LUKS2: bytes from offset 0 (≥ 208). Magic `LUKS\xba\xbe`, UUID text at 168. */
export function parseLuks(bytes: Uint8Array): FsSignature | undefined {
  if (bytes.length < 208 || !hasMagic(bytes, 0, "LUKS\xba\xbe")) return undefined;
  const version = view(bytes).getUint16(6, BIG_ENDIAN);
  return result(
    "crypto_LUKS",
    label(bytes, 168, 40),
    version === 2 ? label(bytes, 24, 48) : undefined,
  );
}

/** LVM2 physical volume: bytes from offset 0 (≥ 2048); `LABELONE` in one of sectors 0–3. */
export function parseLvm2(bytes: Uint8Array): FsSignature | undefined {
  for (let sector = 0; sector < 4; sector++) {
    const at = sector * 512;
    if (!hasMagic(bytes, at, "LABELONE") || !hasMagic(bytes, at + 0x18, "LVM2 001")) continue;
    const pvOffset = view(bytes).getUint32(at + 0x14, LITTLE_ENDIAN);
    const raw = text(bytes, at + pvOffset, 32);
    const cuts = [6, 4, 4, 4, 4, 4, 6];
    let pos = 0;
    const uuid = cuts.map((n) => raw.slice(pos, pos += n)).join("-");
    return { type: "LVM2_member", uuid };
  }
  return undefined;
}

const POWERS_OF_TWO = new Set([1, 2, 4, 8, 16, 32, 64, 128]);

/** FAT12/16/32 (`vfat`): the boot sector, bytes from offset 0 (≥ 512). */
export function parseVfat(bytes: Uint8Array): FsSignature | undefined {
  if (bytes.length < 512 || bytes[510] !== 0x55 || bytes[511] !== 0xaa) return undefined;
  if (bytes[0] !== 0xeb && bytes[0] !== 0xe9) return undefined;
  const dv = view(bytes);
  const sectorSize = dv.getUint16(11, LITTLE_ENDIAN);
  const perCluster = bytes[13] ?? 0;
  const fats = bytes[16] ?? 0;
  if (![512, 1024, 2048, 4096].includes(sectorSize) || !POWERS_OF_TWO.has(perCluster)) {
    return undefined;
  }
  if (fats < 1 || fats > 2 || dv.getUint16(14, LITTLE_ENDIAN) === 0) return undefined;
  const fat32 = hasMagic(bytes, 0x52, "FAT32   ");
  if (!fat32 && !hasMagic(bytes, 0x36, "FAT")) return undefined;
  const idAt = fat32 ? 0x43 : 0x27;
  const id = dv.getUint32(idAt, LITTLE_ENDIAN).toString(16).toUpperCase().padStart(8, "0");
  const lbl = label(bytes, idAt + 4, 11);
  return result("vfat", `${id.slice(0, 4)}-${id.slice(4)}`, lbl === "NO NAME" ? undefined : lbl);
}

/** ISO 9660: the primary volume descriptor, bytes from offset 0x8000 (≥ 830). */
export function parseIso9660(pvd: Uint8Array): FsSignature | undefined {
  if (pvd.length < 830 || pvd[0] !== 1 || !hasMagic(pvd, 1, "CD001")) return undefined;
  const date = text(pvd, 813, 16);
  const uuid = /^\d{16}$/.test(date) && date !== "0000000000000000"
    ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}-${date.slice(8, 10)}-` +
      `${date.slice(10, 12)}-${date.slice(12, 14)}-${date.slice(14, 16)}`
    : undefined;
  return result("iso9660", uuid, label(pvd, 40, 32));
}

/** GPT: the header sector (LBA 1), i.e. bytes from offset 512 or 4096 (≥ 92). */
export function parseGpt(header: Uint8Array): PartTableSignature | undefined {
  if (header.length < 92 || !hasMagic(header, 0, "EFI PART")) return undefined;
  return { type: "gpt", uuid: formatGuid(header.subarray(56, 72)) };
}

/** DOS/MBR partition table: sector 0 (≥ 512); needs 0x55AA and sane partition entries. */
export function parseMbr(bytes: Uint8Array): PartTableSignature | undefined {
  if (bytes.length < 512 || bytes[510] !== 0x55 || bytes[511] !== 0xaa) return undefined;
  let used = 0;
  for (let i = 0; i < 4; i++) {
    const entry = 446 + i * 16;
    const status = bytes[entry] ?? 0;
    if (status !== 0 && status !== 0x80) return undefined;
    if ((bytes[entry + 4] ?? 0) !== 0) used++;
  }
  if (used === 0) return undefined;
  const id = view(bytes).getUint32(440, LITTLE_ENDIAN).toString(16).padStart(8, "0");
  return { type: "dos", uuid: id };
}
