/**
 * Ways of filling a block device with content that must never pass for empty: every mkfs
 * Debian ships that runs on a loop device without kernel support for the format, signatures
 * written by hand from their documented on-disk layout where no tool can (md needs the md
 * driver, ZFS is not in Debian main), random data (what a plain dm-crypt volume or a database's
 * raw device looks like), contradicting signatures, and all zeros. The Debian packages are in
 * `packages.txt`, installed by `tools/test.sh`.
 */
import { sh } from "./_lab.ts";

/** What blkid's low-level probe (`blkid -p`) is expected to report for a format. */
export type Expected =
  | { type: string; pttype?: string }
  | { pttype: string }
  | { unknown: "unrecognised" | "ambivalent" }
  | { empty: true };

/** One way of writing a device's content. */
export interface ContentFormat {
  /** Short name, also the loop image's name. */
  name: string;
  expect: Expected;
  /** Commands `write` runs (all must be on PATH). */
  commands: readonly string[];
  /** Writes the content onto `device`; `scratch` is a directory for staging files. */
  write(device: string, scratch: string): Promise<void>;
}

const MIB = 1024 * 1024;
const LITTLE_ENDIAN = true;

/** Writes `bytes` at `offset` of a device. */
export async function writeAt(device: string, offset: number, bytes: Uint8Array): Promise<void> {
  using file = await Deno.open(device, { write: true });
  await file.seek(offset, Deno.SeekMode.Start);
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
  await file.sync();
}

async function deviceSize(device: string): Promise<number> {
  return Number((await sh("blockdev", "--getsize64", device)).trim());
}

/** mkfs-style: one command with the device as its last argument. */
function tool(name: string, type: string, command: string, ...args: string[]): ContentFormat {
  return {
    name,
    expect: { type },
    commands: [command],
    write: async (device) => void await sh(command, ...args, device),
  };
}

/** Read-only image builders that take a source directory and write straight to the device. */
function image(name: string, type: string, command: string, args: (src: string) => string[]) {
  return {
    name,
    expect: { type },
    commands: [command],
    write: async (device: string, scratch: string) => {
      const src = `${scratch}/${name}-src`;
      await Deno.mkdir(src, { recursive: true });
      await Deno.writeTextFile(`${src}/data.txt`, "payload\n");
      await sh(command, ...args(src).map((a) => a.replace("{device}", device)));
    },
  } satisfies ContentFormat;
}

async function sfdisk(device: string, script: string): Promise<void> {
  await sh("sh", "-c", `printf '${script}' | sfdisk -q ${device}`);
}

/** LVM without udev, devices file or hints, so it leaves no state on the machine. */
const LVM_CONFIG = 'devices { use_devicesfile = 0 hints = "none" } ' +
  "activation { udev_sync = 0 udev_rules = 0 } global { use_lvmlockd = 0 }";

async function luks(device: string, version: "luks1" | "luks2"): Promise<void> {
  const fast = version === "luks2"
    ? ["--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"]
    : ["--pbkdf-force-iterations", "1000"];
  const args = ["luksFormat", "-q", "--type", version, ...fast, "--key-file", "-", device];
  const child = new Deno.Command("cryptsetup", { args, stdin: "piped", stderr: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("not-a-secret"));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`cryptsetup ${version}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * An md v1.2 superblock at 4 KiB (the kernel's `mdp_superblock_1` layout): a two-disk RAID1
 * member, with its checksum. mdadm cannot write one without the md driver.
 */
export function mdSuperblock(deviceBytes: number): Uint8Array {
  const maxDev = 2;
  const sb = new Uint8Array(256 + maxDev * 2);
  const dv = new DataView(sb.buffer);
  const le = LITTLE_ENDIAN;
  const sectors = BigInt(Math.floor(deviceBytes / 512));
  const now = BigInt(Math.floor(Date.now() / 1000));
  dv.setUint32(0, 0xa92b4efc, le); // magic
  dv.setUint32(4, 1, le); // major version
  crypto.getRandomValues(sb.subarray(16, 32)); // array uuid
  sb.set(new TextEncoder().encode("directpv:0"), 32); // array name
  dv.setBigUint64(64, now, le); // creation time
  dv.setUint32(72, 1, le); // RAID level 1
  dv.setBigUint64(80, sectors - 2048n, le); // array size in sectors
  dv.setUint32(92, 2, le); // raid disks
  dv.setBigUint64(128, 2048n, le); // data offset
  dv.setBigUint64(136, sectors - 2048n, le); // data size
  dv.setBigUint64(144, 8n, le); // this superblock's offset in sectors (4 KiB)
  crypto.getRandomValues(sb.subarray(168, 184)); // device uuid
  dv.setBigUint64(192, now, le); // update time
  dv.setBigUint64(200, 1n, le); // events
  dv.setBigUint64(208, 0xffffffffffffffffn, le); // resync offset: in sync
  dv.setUint32(220, maxDev, le);
  dv.setUint16(258, 1, le); // role of device 1 (device 0 has role 0)
  let sum = 0n;
  for (let i = 0; i + 4 <= sb.length; i += 4) sum += BigInt(dv.getUint32(i, le));
  if (sb.length % 4 === 2) sum += BigInt(dv.getUint16(sb.length - 2, le));
  dv.setUint32(216, Number((sum & 0xffffffffn) + (sum >> 32n)) >>> 0, le);
  return sb;
}

/**
 * ZFS vdev labels as the on-disk format describes them: four 256 KiB labels, two at the start
 * and two at the end, each with its uberblock array from 128 KiB on (1 KiB slots starting with
 * the magic 0x00bab10c, a version and a txg). Enough uberblocks for libblkid to name it.
 */
export async function writeZfsLabels(device: string): Promise<void> {
  const size = await deviceSize(device);
  const label = 256 * 1024;
  for (const base of [0, label, size - 2 * label, size - label]) {
    const uberblocks = new Uint8Array(8 * 1024);
    const dv = new DataView(uberblocks.buffer);
    for (let slot = 0; slot < 8; slot++) {
      dv.setBigUint64(slot * 1024, 0x00bab10cn, LITTLE_ENDIAN);
      dv.setBigUint64(slot * 1024 + 8, 5000n, LITTLE_ENDIAN); // pool version
      dv.setBigUint64(slot * 1024 + 16, BigInt(slot + 1), LITTLE_ENDIAN); // txg
    }
    await writeAt(device, base + 128 * 1024, uberblocks);
  }
}

/** Every format the tests write, beyond the all-zero device. */
export const FORMATS: readonly ContentFormat[] = [
  tool("xfs", "xfs", "mkfs.xfs", "-q", "-f"),
  tool("ext2", "ext2", "mkfs.ext2", "-q", "-F"),
  tool("ext3", "ext3", "mkfs.ext3", "-q", "-F"),
  tool("ext4", "ext4", "mkfs.ext4", "-q", "-F"),
  tool("btrfs", "btrfs", "mkfs.btrfs", "-q", "-f"),
  tool("vfat", "vfat", "mkfs.vfat"),
  tool("swap", "swap", "mkswap"),
  tool("exfat", "exfat", "mkfs.exfat"),
  tool("ntfs", "ntfs", "mkfs.ntfs", "-Q", "-F", "-q"),
  tool("f2fs", "f2fs", "mkfs.f2fs", "-q", "-f"),
  tool("jfs", "jfs", "mkfs.jfs", "-q"),
  tool("nilfs2", "nilfs2", "mkfs.nilfs2", "-q", "-f"),
  tool("reiserfs", "reiserfs", "mkfs.reiserfs", "-q", "-f", "-f"),
  tool("udf", "udf", "mkudffs"),
  tool("minix", "minix", "mkfs.minix"),
  tool("bfs", "bfs", "mkfs.bfs"),
  tool("gfs2", "gfs2", "mkfs.gfs2", "-O", "-q", "-p", "lock_nolock"),
  tool("bcache", "bcache", "make-bcache", "-B"),
  tool("lvm2", "LVM2_member", "pvcreate", "-q", "-ff", "-y", "--config", LVM_CONFIG),
  image("squashfs", "squashfs", "mksquashfs", (src) => [src, "{device}", "-noappend", "-quiet"]),
  image("cramfs", "cramfs", "mkfs.cramfs", (src) => [src, "{device}"]),
  image("erofs", "erofs", "mkfs.erofs", (src) => ["--quiet", "{device}", src]),
  ...(["luks1", "luks2"] as const).map((version): ContentFormat => ({
    name: version,
    expect: { type: "crypto_LUKS" },
    commands: ["cryptsetup"],
    write: (device) => luks(device, version),
  })),
  {
    name: "iso9660",
    expect: { type: "iso9660" },
    commands: ["xorriso"],
    write: async (device, scratch) => {
      const iso = `${scratch}/data.iso`;
      await Deno.writeTextFile(`${scratch}/readme.txt`, "payload\n");
      await sh("xorriso", "-as", "mkisofs", "-quiet", "-o", iso, `${scratch}/readme.txt`);
      await writeAt(device, 0, await Deno.readFile(iso));
    },
  },
  {
    name: "gpt",
    expect: { pttype: "gpt" },
    commands: ["sfdisk"],
    write: (device) => sfdisk(device, "label: gpt\\n,256M\\n"),
  },
  {
    name: "dos",
    expect: { pttype: "dos" },
    commands: ["sfdisk"],
    write: (device) => sfdisk(device, "label: dos\\n,256M\\n"),
  },
  {
    name: "md",
    expect: { type: "linux_raid_member" },
    commands: ["blockdev"],
    write: async (device) => await writeAt(device, 4096, mdSuperblock(await deviceSize(device))),
  },
  { name: "zfs", expect: { type: "zfs_member" }, commands: ["blockdev"], write: writeZfsLabels },
  {
    // Ciphertext of a plain dm-crypt volume, or a database's raw device: no signature at all.
    name: "random",
    expect: { unknown: "unrecognised" },
    commands: [],
    write: (device) => writeAt(device, 0, crypto.getRandomValues(new Uint8Array(65536))),
  },
  {
    name: "random-tail",
    expect: { unknown: "unrecognised" },
    commands: ["blockdev"],
    write: async (device) => {
      await writeAt(device, (await deviceSize(device)) - MIB / 2, new Uint8Array(4096).fill(0x5a));
    },
  },
  {
    // An ext2 superblock over an old btrfs one: libblkid cannot tell which is current.
    name: "ambivalent",
    expect: { unknown: "ambivalent" },
    commands: ["mkfs.btrfs", "mkfs.ext2", "dd"],
    write: async (device, scratch) => {
      await sh("mkfs.btrfs", "-q", "-f", device);
      const btrfsSb = `${scratch}/btrfs-sb`;
      await sh(
        "dd",
        `if=${device}`,
        `of=${btrfsSb}`,
        "bs=4096",
        "skip=16",
        "count=1",
        "status=none",
      );
      await sh("mkfs.ext2", "-q", "-F", device);
      await writeAt(device, 65536, await Deno.readFile(btrfsSb));
    },
  },
  { name: "zero", expect: { empty: true }, commands: [], write: () => Promise.resolve() },
];
