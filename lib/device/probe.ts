/**
 * Device probing (reference §4.1) without udev: devices come from `<root>/sys/class/block`,
 * filesystem facts from their superblocks, mounts from mountinfo, swap from `/proc/swaps`,
 * CD-ROMs from `/proc/sys/dev/cdrom/info`. udev data, when present, only adds make, model,
 * serial and the partition number.
 */
import { errorMessage, NotFoundError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Host, MountInfoEntry } from "../sys/mod.ts";
import { computeDeviceId, denyReasons, type Device } from "./device.ts";
import { type ContentProbe, probeContent } from "./fs_probe.ts";
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
  log?: Logger;
}

/** Host-wide facts read once per probe. */
interface ProbeContext {
  mounts: Map<string, string[]>;
  swaps: Set<string>;
  cdroms: Set<string>;
  udevFiles: Set<string>;
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
  };
}

function wanted(facts: SysfsEntry, only: ProbeOptions["only"]): boolean {
  if (!only) return true;
  return (only.names?.includes(facts.name) ?? false) ||
    (only.majorMinors?.includes(facts.majorMinor) ?? false);
}

async function readContent(host: Host, facts: SysfsFacts, log?: Logger): Promise<ContentProbe> {
  if (facts.size === 0) return {};
  const path = host.paths.dev(facts.name);
  try {
    return await probeContent((offset, length) => host.fs.readBytes(path, offset, length));
  } catch (err) {
    log?.debug("Cannot read device content", { device: path, error: errorMessage(err) });
    return {};
  }
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
  content: ContentProbe,
  options: ProbeOptions,
): Promise<boolean | Error | undefined> {
  if (content.fs?.type !== "xfs" || !content.fs.uuid || !options.driveExists) return undefined;
  try {
    return await options.driveExists(content.fs.uuid);
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
  const [content, udevText] = await Promise.all([
    readContent(host, facts, options.log),
    ctx.udevFiles.has(udevFile)
      ? readOptional(() => host.fs.readText(host.paths.udevData(udevFile)), "")
      : "",
  ]);
  const udev = parseUdevData(udevText);
  const path = `/dev/${facts.name}`;
  const { isLoop: _l, entry: _e, ...sysfs } = facts;
  const base: Omit<Device, "id" | "deniedReasons"> = {
    ...sysfs,
    path,
    mountPoints: ctx.mounts.get(facts.majorMinor) ?? [],
    swapOn: ctx.swaps.has(path) ||
      (facts.dmName !== undefined && ctx.swaps.has(`/dev/mapper/${facts.dmName}`)),
    cdrom: ctx.cdroms.has(facts.name),
    udev,
  };
  if (content.fs) base.fsType = content.fs.type;
  if (content.fs?.uuid) base.fsUuid = content.fs.uuid;
  if (content.fs?.label) base.label = content.fs.label;
  if (content.partTable) base.partTableType = content.partTable.type;
  const make = makeOf(facts, udev);
  if (make) base.make = make;
  const serial = udev.ID_SERIAL_SHORT ?? udev.ID_SERIAL;
  if (serial) base.serial = serial;
  const used = options.driveExists ? await usedByDirectpv(content, options) : undefined;
  const deniedReasons = denyReasons(base, {
    allowLoop: options.allowLoop ?? false,
    isLoop: facts.isLoop,
    ...(used === undefined ? {} : { usedByDirectpv: used }),
  });
  return { ...base, id: computeDeviceId(options.nodeId, base), deniedReasons };
}

/**
 * Probes every block device of the host (disks and partitions), in name order. Unattached
 * loop devices (size 0) are left out. sysfs is read first, in batches (it answers from
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
  const attached = facts.filter((f) => !f.isLoop || f.size > 0);
  const limit = options.concurrency ?? 32;
  return await mapPool(attached, limit, (f) => buildDevice(host, f, ctx, options));
}
