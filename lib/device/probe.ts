/**
 * Device probing (reference §4.1) without udev: devices come from `<root>/sys/class/block`,
 * what they hold from libblkid's low-level probe (or, for FSUUID scans, our own superblock
 * parsers), mounts from mountinfo, swap from `/proc/swaps`, CD-ROMs from
 * `/proc/sys/dev/cdrom/info`. udev data, when present, only adds make, model, serial and the
 * partition number.
 */
import { errorMessage, NotFoundError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Host, MountInfoEntry } from "../sys/mod.ts";
import { isBlockVolumeBackingFile } from "../types/mod.ts";
import { computeDeviceId, denyReasons, type Device } from "./device.ts";
import { type DeviceContent, identifyContent, ScratchBuffers } from "./content.ts";
import { probeContent } from "./fs_probe.ts";
import { mapPool } from "./pool.ts";
import { parseCdromInfo, parseSwaps, parseUdevData } from "./proc_files.ts";
import {
  partitionedDisks,
  readSysfsDevices,
  readSysfsEntries,
  type SysfsEntry,
  type SysfsFacts,
} from "./sysfs.ts";

/** Options of `probeDevices`. */
export interface ProbeOptions {
  /** The node name hashed into every device id. */
  nodeId: string;
  /** Admit loop devices (otherwise denied with `Loop device`). */
  allowLoop?: boolean;
  /** Whether a DirectPVDrive named after this FSUUID exists (marks `Used by DirectPV`). */
  driveExists?: (fsuuid: string) => Promise<boolean>;
  /** Probe only the devices with these names or `maj:min` numbers. */
  only?: { names?: readonly string[]; majorMinors?: readonly string[] };
  /** Devices whose content is read at once; 32 by default. */
  concurrency?: number;
  /**
   * `identify` (the default): every signature libblkid knows, and the zero check that tells
   * empty devices from ones holding unknown data, for every device that is not denied anyway
   * (those get our parsers, as in `fsuuid`). `fsuuid`: only our own superblock parsers
   * (at most 68 KiB read per device), enough to find XFS drives by FSUUID fast; other content
   * may be missed, so the devices' content facts and ids then serve only that lookup.
   */
  content?: "identify" | "fsuuid";
  log?: Logger;
}

/** Host-wide facts read once per probe, and the buffers its zero checks share. */
interface ProbeContext {
  mounts: Map<string, string[]>;
  swaps: Set<string>;
  cdroms: Set<string>;
  udevFiles: Set<string>;
  scratch: ScratchBuffers;
}

async function readOptional<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NotFoundError) return fallback;
    throw err;
  }
}

function mountsByDevice(entries: readonly MountInfoEntry[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const e of entries) {
    if (!out.has(e.majorMinor)) out.set(e.majorMinor, new Set());
    out.get(e.majorMinor)?.add(e.mountPoint);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

async function loadContext(host: Host): Promise<ProbeContext> {
  const [mounts, swaps, cdroms, udevFiles] = await Promise.all([
    host.mounter.mountInfo(),
    readOptional(() => host.fs.readText(host.paths.proc("swaps")), ""),
    readOptional(() => host.fs.readText(host.paths.proc("sys/dev/cdrom/info")), ""),
    readOptional(() => host.fs.readDir(host.paths.udevData()), [] as string[]),
  ]);
  return {
    mounts: mountsByDevice(mounts),
    swaps: parseSwaps(swaps),
    cdroms: parseCdromInfo(cdroms),
    udevFiles: new Set(udevFiles),
    scratch: new ScratchBuffers(),
  };
}

function wanted(facts: SysfsEntry, only: ProbeOptions["only"]): boolean {
  if (!only) return true;
  return (only.names?.includes(facts.name) ?? false) ||
    (only.majorMinors?.includes(facts.majorMinor) ?? false);
}

/** Our own superblock parsers only (the `fsuuid` mode). */
async function scanContent(host: Host, path: string): Promise<DeviceContent> {
  try {
    const found = await probeContent((offset, length) => host.fs.readBytes(path, offset, length));
    return found.fs || found.partTable ? { kind: "signature", ...found } : { kind: "empty" };
  } catch (err) {
    return { kind: "unreadable", error: errorMessage(err) };
  }
}

/**
 * Reads what a device holds. A device denied whatever it holds (mounted, held, partitioned,
 * swap, CD-ROM, too small, hidden, read-only, a loop device not allowed) is never formatted,
 * so our own parsers name its content: libblkid and the zero check are for the devices init
 * may erase.
 */
async function readContent(
  host: Host,
  facts: SysfsFacts,
  options: ProbeOptions & { deniedAnyway: boolean },
  scratch: ScratchBuffers,
): Promise<DeviceContent> {
  if (facts.size === 0) return { kind: "empty" };
  const path = host.paths.dev(facts.name);
  const content = options.content === "fsuuid" || options.deniedAnyway
    ? await scanContent(host, path)
    : await identifyContent(host, path, facts.size, scratch);
  if (content.kind === "unreadable") {
    options.log?.warn("Cannot read device content", { device: path, error: content.error });
  }
  return content;
}

/** Sets the content facts of a device. */
function applyContent(base: Omit<Device, "id" | "deniedReasons">, content: DeviceContent): void {
  if (content.kind === "unknown") base.unknownData = content.description;
  if (content.kind === "unreadable") base.readError = content.error;
  if (content.kind !== "signature") return;
  const { fs, partTable } = content;
  if (fs) base.fsType = fs.type;
  if (fs?.uuid) base.fsUuid = fs.uuid;
  if (fs?.label) base.label = fs.label;
  if (fs?.usage) base.fsUsage = fs.usage;
  if (partTable) base.partTableType = partTable.type;
}

function makeOf(facts: SysfsFacts, udev: Record<string, string>): string | undefined {
  const part = udev.ID_PART_ENTRY_NUMBER ??
    (facts.partitionNumber === undefined ? undefined : String(facts.partitionNumber));
  const parts = [
    facts.dmName,
    udev.ID_VENDOR ?? facts.vendor,
    udev.ID_MODEL ?? facts.model,
    part === undefined ? undefined : `(Part ${part})`,
  ].filter((s): s is string => s !== undefined && s !== "");
  return parts.length > 0 ? parts.join(" ") : undefined;
}

async function usedByDirectpv(
  device: Omit<Device, "id" | "deniedReasons">,
  options: ProbeOptions,
): Promise<boolean | Error | undefined> {
  if (device.fsType !== "xfs" || !device.fsUuid || !options.driveExists) return undefined;
  try {
    return await options.driveExists(device.fsUuid);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

async function buildDevice(
  host: Host,
  facts: SysfsFacts,
  ctx: ProbeContext,
  options: ProbeOptions,
): Promise<Device> {
  const udevFile = `b${facts.majorMinor}`;
  const path = `/dev/${facts.name}`;
  const { isLoop: _l, entry: _e, backingFile: _b, ...sysfs } = facts;
  const base: Omit<Device, "id" | "deniedReasons"> = {
    ...sysfs,
    path,
    mountPoints: ctx.mounts.get(facts.majorMinor) ?? [],
    swapOn: ctx.swaps.has(path) ||
      (facts.dmName !== undefined && ctx.swaps.has(`/dev/mapper/${facts.dmName}`)),
    cdrom: ctx.cdroms.has(facts.name),
    udev: {},
  };
  const allowLoop = options.allowLoop ?? false;
  const deniedAnyway = denyReasons(base, { allowLoop, isLoop: facts.isLoop }).length > 0;
  const [content, udevText] = await Promise.all([
    readContent(host, facts, { ...options, deniedAnyway }, ctx.scratch),
    ctx.udevFiles.has(udevFile)
      ? readOptional(() => host.fs.readText(host.paths.udevData(udevFile)), "")
      : "",
  ]);
  const udev = parseUdevData(udevText);
  base.udev = udev;
  applyContent(base, content);
  const make = makeOf(facts, udev);
  if (make) base.make = make;
  const serial = udev.ID_SERIAL_SHORT ?? udev.ID_SERIAL;
  if (serial) base.serial = serial;
  const used = options.driveExists ? await usedByDirectpv(base, options) : undefined;
  const deniedReasons = denyReasons(base, {
    allowLoop,
    isLoop: facts.isLoop,
    ...(used === undefined ? {} : { usedByDirectpv: used }),
  });
  return { ...base, id: computeDeviceId(options.nodeId, base), deniedReasons };
}

/** Whether a loop device serves one of our block volumes (its backing file is on a drive). */
function isBlockVolumeLoop(host: Host, facts: SysfsFacts): boolean {
  const file = facts.backingFile;
  if (file === undefined) return false;
  const mountRoot = host.paths.app("mnt");
  return isBlockVolumeBackingFile(file, mountRoot) ||
    isBlockVolumeBackingFile(file, host.paths.unmap(mountRoot));
}

/**
 * Probes every block device of the host (disks and partitions), in name order. Unattached
 * loop devices (size 0) and the loop devices of our own block volumes are left out. sysfs is read first, in batches (it answers from
 * memory); then the devices' content is read with bounded concurrency.
 *
 * @example const devices = await probeDevices(host, { nodeId: "node1", allowLoop: true })
 */
export async function probeDevices(host: Host, options: ProbeOptions): Promise<Device[]> {
  const [entries, ctx] = await Promise.all([
    readOptional(() => host.fs.readDir(host.paths.sys("class/block")), [] as string[]),
    loadContext(host),
  ]);
  const all = await readSysfsEntries(host, entries.sort());
  const chosen = all.filter((e) => wanted(e, options.only));
  const facts = await readSysfsDevices(host, chosen, partitionedDisks(all));
  const attached = facts.filter((f) => !f.isLoop || (f.size > 0 && !isBlockVolumeLoop(host, f)));
  const limit = options.concurrency ?? 32;
  return await mapPool(attached, limit, (f) => buildDevice(host, f, ctx, options));
}
