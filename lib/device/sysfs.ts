/**
 * Reads block devices' attributes from `<root>/sys/class/block/<name>/`. Probing reads every
 * device's `uevent` in one batch (numbers, kernel name, disk or partition); a disk is
 * partitioned when partitions named after it exist. Then the attributes of all devices are
 * read in one batch, only those a device of its kind has, so a probe costs a handful of small
 * reads per device.
 */
import { NotFoundError, UnavailableError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";

/** What a device's `uevent` tells. */
export interface SysfsEntry {
  /** The `sys/class/block` entry name. */
  entry: string;
  /** Kernel name (`DEVNAME`): `sda`, `nvme0n1p1`, `cciss/c0d0`. */
  name: string;
  majorMinor: string;
  isPartition: boolean;
  partitionNumber?: number;
}

/** What sysfs tells about a block device. */
export interface SysfsFacts extends SysfsEntry {
  size: number;
  hidden: boolean;
  removable: boolean;
  readOnly: boolean;
  partitioned: boolean;
  holders: string[];
  dmName?: string;
  vendor?: string;
  model?: string;
  serial?: string;
  isLoop: boolean;
  /** For a loop device: its backing file (`loop/backing_file`). */
  backingFile?: string;
}

const ABSENT = /no such device|invalid argument|os error (6|19|22)\b|ENXIO|ENODEV|EINVAL/i;

function isAbsent(err: unknown): boolean {
  return err instanceof NotFoundError ||
    (err instanceof UnavailableError && ABSENT.test(err.message));
}

/**
 * Reads a sysfs attribute, trimmed; undefined when it is absent or reads as "no such device"
 * or "invalid argument" (the kernel's way of saying the attribute does not apply).
 */
export async function readAttr(host: Host, path: string): Promise<string | undefined> {
  try {
    return (await host.fs.readText(path)).trim();
  } catch (err) {
    if (isAbsent(err)) return undefined;
    throw err;
  }
}

/**
 * Reads several sysfs attributes like `readAttr`, in one batch when the host can; throws the
 * first error that is not an absent attribute.
 */
export async function readAttrs(
  host: Host,
  paths: readonly string[],
): Promise<(string | undefined)[]> {
  if (!host.fs.readAttributes) return await Promise.all(paths.map((p) => readAttr(host, p)));
  const raw = await host.fs.readAttributes(paths);
  const out = new Array<string | undefined>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i];
    if (typeof value === "string") out[i] = value.trim();
    else if (value !== undefined && !isAbsent(value)) throw value;
  }
  return out;
}

async function listOptional(host: Host, path: string): Promise<string[]> {
  try {
    return await host.fs.readDir(path);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
}

/** Whether `name` is a loop device (`loop0`, `loop12`). */
export function isLoopName(name: string): boolean {
  return /^loop\d+$/.test(name);
}

/** The kernel name of a `sys/class/block` entry (`cciss!c0d0` → `cciss/c0d0`). */
export function nameOfEntry(entry: string): string {
  return entry.replaceAll("!", "/");
}

/** Parses a `uevent` file into its keys. */
export function parseUevent(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

/** The block directory of one entry, `<root>/sys/class/block/<entry>`. */
function entryDir(host: Host, entry: string): string {
  return host.paths.sys("class/block", entry);
}

/** Builds one entry from its `uevent`; falls back to `dev` and `partition` when keys lack. */
async function entryOf(
  host: Host,
  entry: string,
  ueventText: string | undefined,
): Promise<SysfsEntry | undefined> {
  const uevent = parseUevent(ueventText ?? "");
  const majorMinor = uevent.MAJOR !== undefined && uevent.MINOR !== undefined
    ? `${uevent.MAJOR}:${uevent.MINOR}`
    : await readAttr(host, `${entryDir(host, entry)}/dev`);
  if (!majorMinor || !/^\d+:\d+$/.test(majorMinor)) return undefined;
  const partn = uevent.DEVTYPE === undefined
    ? await readAttr(host, `${entryDir(host, entry)}/partition`)
    : uevent.PARTN;
  const isPartition = uevent.DEVTYPE === undefined
    ? partn !== undefined
    : uevent.DEVTYPE === "partition";
  const out: SysfsEntry = {
    entry,
    name: uevent.DEVNAME ?? nameOfEntry(entry),
    majorMinor,
    isPartition,
  };
  if (isPartition && partn !== undefined && /^\d+$/.test(partn)) {
    out.partitionNumber = Number(partn);
  }
  return out;
}

/** Reads the `uevent` of every entry in one batch; an entry whose device vanished is left out. */
export async function readSysfsEntries(
  host: Host,
  entries: readonly string[],
): Promise<SysfsEntry[]> {
  const base = host.paths.sys("class/block");
  const uevents = await readAttrs(host, entries.map((e) => `${base}/${e}/uevent`));
  const out: SysfsEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const found = await entryOf(host, entries[i] as string, uevents[i]);
    if (found) out.push(found);
  }
  return out;
}

/** The entries of disks that have partitions: a partition belongs to the longest disk name it starts with. */
export function partitionedDisks(entries: readonly SysfsEntry[]): Set<string> {
  const disks = new Set<string>();
  for (const e of entries) if (!e.isPartition) disks.add(e.entry);
  const out = new Set<string>();
  for (const p of entries) {
    if (!p.isPartition) continue;
    for (let length = p.entry.length; length > 0; length--) {
      const prefix = p.entry.slice(0, length);
      if (disks.has(prefix)) {
        out.add(prefix);
        break;
      }
    }
  }
  return out;
}

const VIRTUAL = /^(loop|dm-|md|zram|ram|nbd)/;

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/** The attributes a device of its kind has (paths under its directory). */
function attributeNames(e: SysfsEntry): string[] {
  const names = ["size", "ro"];
  if (e.entry.startsWith("dm-")) names.push("dm/name");
  if (e.isPartition) return names;
  names.push("removable", "hidden");
  if (isLoopName(e.entry)) names.push("loop/backing_file");
  if (VIRTUAL.test(e.entry)) return names;
  if (e.entry.startsWith("nvme")) names.push("device/model", "device/serial");
  else names.push("device/vendor", "device/model");
  return names;
}

function factsOf(
  e: SysfsEntry,
  attr: Record<string, string | undefined>,
  holders: string[],
  partitioned: boolean,
): SysfsFacts {
  const { removable, ro } = attr;
  return {
    ...e,
    size: Number(attr.size ?? "0") * 512,
    hidden: attr.hidden === "1",
    removable: removable !== undefined && removable !== "0",
    readOnly: ro !== undefined && ro !== "0",
    partitioned,
    holders: [...holders].sort(),
    isLoop: isLoopName(e.entry),
    ...optional("dmName", attr["dm/name"]),
    ...optional("vendor", attr["device/vendor"]),
    ...optional("model", attr["device/model"]),
    ...optional("serial", attr["device/serial"]),
    ...optional("backingFile", attr["loop/backing_file"]),
  };
}

/**
 * Reads the remaining attributes of devices: one batch of small reads for all of them, then
 * each one's holders. `partitioned` holds the entries of partitioned disks.
 */
export async function readSysfsDevices(
  host: Host,
  entries: readonly SysfsEntry[],
  partitioned: ReadonlySet<string>,
): Promise<SysfsFacts[]> {
  const base = host.paths.sys("class/block");
  const names = entries.map(attributeNames);
  const paths: string[] = [];
  entries.forEach((e, i) => {
    for (const n of names[i] ?? []) paths.push(`${base}/${e.entry}/${n}`);
  });
  const values = await readAttrs(host, paths);
  const out: SysfsFacts[] = [];
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as SysfsEntry;
    const attr: Record<string, string | undefined> = {};
    for (const n of names[i] ?? []) attr[n] = values[at++];
    const holders = await listOptional(host, `${base}/${e.entry}/holders`);
    out.push(factsOf(e, attr, holders, partitioned.has(e.entry)));
  }
  return out;
}
