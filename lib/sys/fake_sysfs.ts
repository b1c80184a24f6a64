/**
 * Plans the files of a fake sysfs block-device tree (pure: returns paths and contents that
 * `FakeHost` writes). The layout mirrors the kernel's: device directories under
 * `sys/devices/...`, partitions as subdirectories of their disk, `sys/class/block/<name>` and
 * `sys/block/<disk>` symlinks.
 */

/** A partition of a fake disk. */
export interface FakePartitionSpec {
  name: string;
  majorMinor: string;
  /** Bytes; 1 GiB when omitted. */
  size?: number;
  /** Partition number; taken from the trailing digits of the name when omitted. */
  number?: number;
  ro?: boolean;
  holders?: string[];
  /** udev properties (`ID_FS_TYPE`...) for `run/udev/data/b<maj>:<min>`. */
  udev?: Record<string, string>;
  /** Bytes at the start of `/dev/<name>` (a superblock image); the rest reads as zeros. */
  image?: Uint8Array;
}

/** A fake block device for `FakeHost.addBlockDevice`. */
export interface FakeBlockDeviceSpec {
  name: string;
  majorMinor: string;
  /** Bytes; 1 GiB when omitted. */
  size?: number;
  removable?: boolean;
  ro?: boolean;
  hidden?: boolean;
  partitions?: FakePartitionSpec[];
  /** Names of the devices holding this one (`dm-0`, `md0`). */
  holders?: string[];
  /** Names of the devices this one is built on (for dm and md). */
  slaves?: string[];
  /** Device-mapper name (`vg0-lv0`), written to `dm/name`. */
  dmName?: string;
  /** sysfs `device/vendor`. */
  vendor?: string;
  /** sysfs `device/model`. */
  model?: string;
  /** sysfs `device/serial`. */
  serial?: string;
  /** For loop devices: `loop/backing_file`. */
  backingFile?: string;
  /** Contents of the `stat` file. */
  stat?: string;
  udev?: Record<string, string>;
  image?: Uint8Array;
}

/** One file, directory or symlink to create, relative to the fake root. */
export type FakeFile =
  | { path: string; text: string }
  | { path: string; bytes: Uint8Array; size?: number }
  | { path: string; dir: true }
  | { path: string; symlink: string };

const GIB = 1024 ** 3;

function uevent(name: string, majorMinor: string, devtype: string, partn?: number): string {
  const [major, minor] = majorMinor.split(":");
  const lines = [`MAJOR=${major}`, `MINOR=${minor}`, `DEVNAME=${name}`, `DEVTYPE=${devtype}`];
  if (partn !== undefined) lines.push(`PARTN=${partn}`);
  return lines.join("\n") + "\n";
}

function udevFile(majorMinor: string, props: Record<string, string> | undefined): FakeFile[] {
  if (!props) return [];
  const text = Object.entries(props).map(([k, v]) => `E:${k}=${v}`).join("\n") + "\n";
  return [{ path: `run/udev/data/b${majorMinor}`, text }];
}

/** `/dev/<name>`: the image at the start of a sparse file as long as the device. */
function devFile(name: string, image: Uint8Array | undefined, size: number): FakeFile {
  return { path: `dev/${name}`, bytes: image ?? new Uint8Array(), size };
}

function dirOf(name: string): string {
  return /^(loop|dm-|md|zram|ram)/.test(name) ? "devices/virtual/block" : "devices/platform/block";
}

function links(dir: string, names: readonly string[] | undefined): FakeFile[] {
  return [
    { path: dir, dir: true },
    ...(names ?? []).map((n) => ({ path: `${dir}/${n}`, symlink: `../../${n}` })),
  ];
}

function partitionFiles(diskDir: string, p: FakePartitionSpec): FakeFile[] {
  const dir = `${diskDir}/${p.name}`;
  const number = p.number ?? Number(/(\d+)$/.exec(p.name)?.[1] ?? "1");
  return [
    { path: `${dir}/uevent`, text: uevent(p.name, p.majorMinor, "partition", number) },
    { path: `${dir}/dev`, text: `${p.majorMinor}\n` },
    { path: `${dir}/size`, text: `${Math.floor((p.size ?? GIB) / 512)}\n` },
    { path: `${dir}/ro`, text: p.ro ? "1\n" : "0\n" },
    { path: `${dir}/partition`, text: `${number}\n` },
    { path: `${dir}/stat`, text: "0 0 0 0 0 0 0 0 0 0 0\n" },
    ...links(`${dir}/holders`, p.holders),
    { path: `sys/class/block/${p.name}`, symlink: `../../${dir.slice(4)}` },
    ...udevFile(p.majorMinor, p.udev),
    devFile(p.name, p.image, p.size ?? GIB),
  ];
}

/** The files that make up one fake block device and its partitions. */
export function fakeBlockDeviceFiles(spec: FakeBlockDeviceSpec): FakeFile[] {
  const dir = `sys/${dirOf(spec.name)}/${spec.name}`;
  const flag = (v: boolean | undefined): string => (v ? "1\n" : "0\n");
  const files: FakeFile[] = [
    { path: `${dir}/uevent`, text: uevent(spec.name, spec.majorMinor, "disk") },
    { path: `${dir}/dev`, text: `${spec.majorMinor}\n` },
    { path: `${dir}/size`, text: `${Math.floor((spec.size ?? GIB) / 512)}\n` },
    { path: `${dir}/ro`, text: flag(spec.ro) },
    { path: `${dir}/removable`, text: flag(spec.removable) },
    { path: `${dir}/hidden`, text: flag(spec.hidden) },
    { path: `${dir}/stat`, text: spec.stat ?? "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n" },
    ...links(`${dir}/holders`, spec.holders),
    ...links(`${dir}/slaves`, spec.slaves),
    { path: `sys/class/block/${spec.name}`, symlink: `../../${dir.slice(4)}` },
    { path: `sys/block/${spec.name}`, symlink: `../${dir.slice(4)}` },
    ...udevFile(spec.majorMinor, spec.udev),
    devFile(spec.name, spec.image, spec.size ?? GIB),
  ];
  if (spec.dmName !== undefined) files.push({ path: `${dir}/dm/name`, text: `${spec.dmName}\n` });
  const device: [string, string | undefined][] = [
    ["vendor", spec.vendor],
    ["model", spec.model],
    ["serial", spec.serial],
  ];
  for (const [key, value] of device) {
    if (value !== undefined) files.push({ path: `${dir}/device/${key}`, text: `${value}\n` });
  }
  if (spec.backingFile !== undefined) {
    files.push({ path: `${dir}/loop/backing_file`, text: `${spec.backingFile}\n` });
  }
  for (const p of spec.partitions ?? []) files.push(...partitionFiles(dir, p));
  return files;
}
