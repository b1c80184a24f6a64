/**
 * Reads block devices' attributes from `<root>/sys/class/block/<name>/`. Probing reads each
 * device's `uevent` first (numbers, kernel name, disk or partition); a disk is partitioned
 * when partitions named after it exist. Only the attributes a device of its kind has are
 * read, so a probe costs a handful of small reads per device.
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
}

const ABSENT = /no such device|invalid argument|os error (6|19|22)\b|ENXIO|ENODEV|EINVAL/i;

/**
 * Reads a sysfs attribute, trimmed; undefined when it is absent or reads as "no such device"
 * or "invalid argument" (the kernel's way of saying the attribute does not apply).
 */
export async function readAttr(host: Host, path: string): Promise<string | undefined> {
  try {
    return (await host.fs.readText(path)).trim();
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    if (err instanceof UnavailableError && ABSENT.test(err.message)) return undefined;
    throw err;
  }
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

/** Reads the `uevent` of one entry; undefined when the device vanished. */
export async function readSysfsEntry(host: Host, entry: string): Promise<SysfsEntry | undefined> {
  const dir = (...parts: string[]): string => host.paths.sys("class/block", entry, ...parts);
  const uevent = parseUevent((await readAttr(host, dir("uevent"))) ?? "");
  const majorMinor = uevent.MAJOR !== undefined && uevent.MINOR !== undefined
    ? `${uevent.MAJOR}:${uevent.MINOR}`
    : await readAttr(host, dir("dev"));
  if (!majorMinor || !/^\d+:\d+$/.test(majorMinor)) return undefined;
  const partn = uevent.DEVTYPE === undefined
    ? await readAttr(host, dir("partition"))
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

/** The entries of disks that have partitions: a partition belongs to the longest disk name it starts with. */
export function partitionedDisks(entries: readonly SysfsEntry[]): Set<string> {
  const disks = entries.filter((e) => !e.isPartition).map((e) => e.entry);
  const out = new Set<string>();
  for (const p of entries) {
    if (!p.isPartition) continue;
    let parent: string | undefined;
    for (const d of disks) {
      if (p.entry.startsWith(d) && (!parent || d.length > parent.length)) parent = d;
    }
    if (parent) out.add(parent);
  }
  return out;
}

const VIRTUAL = /^(loop|dm-|md|zram|ram|nbd)/;

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/** Reads the remaining attributes of one device. */
export async function readSysfsDevice(
  host: Host,
  e: SysfsEntry,
  options: { partitioned: boolean },
): Promise<SysfsFacts> {
  const read = (...parts: string[]): Promise<string | undefined> =>
    readAttr(host, host.paths.sys("class/block", e.entry, ...parts));
  const disk = !e.isPartition;
  const physical = disk && !VIRTUAL.test(e.entry);
  const nvme = e.entry.startsWith("nvme");
  const [size, ro, removable, hidden, holders, dmName, vendor, model, serial] = await Promise.all([
    read("size"),
    read("ro"),
    disk ? read("removable") : undefined,
    disk ? read("hidden") : undefined,
    listOptional(host, host.paths.sys("class/block", e.entry, "holders")),
    e.entry.startsWith("dm-") ? read("dm", "name") : undefined,
    physical && !nvme ? read("device", "vendor") : undefined,
    physical ? read("device", "model") : undefined,
    physical && nvme ? read("device", "serial") : undefined,
  ]);
  return {
    ...e,
    size: Number(size ?? "0") * 512,
    hidden: hidden === "1",
    removable: removable !== undefined && removable !== "0",
    readOnly: ro !== undefined && ro !== "0",
    partitioned: options.partitioned,
    holders: [...holders].sort(),
    isLoop: isLoopName(e.entry),
    ...optional("dmName", dmName),
    ...optional("vendor", vendor),
    ...optional("model", model),
    ...optional("serial", serial),
  };
}
