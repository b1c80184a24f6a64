/** The probed block device, its denied reasons and its change-detecting id (reference §4.1). */
import {
  describeContent,
  type DeviceId,
  deviceId,
  MIN_DRIVE_SIZE,
  type NodeDevice,
} from "../types/mod.ts";
import { createHash } from "node:crypto";

/** One block device (disk or partition) as probed from sysfs, procfs and its superblock. */
export interface Device {
  /** Kernel name without `/dev/` (`sdb`, `nvme0n1p1`, `dm-0`). */
  name: string;
  /** `/dev/<name>` on the host (not mapped under the root). */
  path: string;
  majorMinor: string;
  /** Bytes. */
  size: number;
  hidden: boolean;
  removable: boolean;
  readOnly: boolean;
  /** The device has partitions. */
  partitioned: boolean;
  /** The device is itself a partition; `partitionNumber` then holds its number. */
  isPartition: boolean;
  partitionNumber?: number;
  /** Names of the devices holding this one (dm, md). */
  holders: string[];
  dmName?: string;
  /** Where the device is mounted, sorted. */
  mountPoints: string[];
  swapOn: boolean;
  cdrom: boolean;
  /** blkid's TYPE of the signature found (`xfs`, `ntfs`, `linux_raid_member`...). */
  fsType?: string;
  fsUuid?: string;
  label?: string;
  /** blkid's USAGE of that signature (`filesystem`, `raid`, `crypto`, `other`). */
  fsUsage?: string;
  /** blkid's PTTYPE when the device carries a partition table (`gpt`, `dos`...). */
  partTableType?: string;
  /** Set when the device holds data of no single known signature; says what was seen. */
  unknownData?: string;
  /** Set when the device's content could not be read; the device is then denied. */
  readError?: string;
  vendor?: string;
  model?: string;
  serial?: string;
  /** Space-joined dm name, vendor, model and `(Part N)`, as DirectPV shows it. */
  make?: string;
  /** udev `E:` properties when `/run/udev/data` has the device; empty otherwise. */
  udev: Record<string, string>;
  /** `<maj:min>$<base64 sha256>` over the properties; changes when the device changes. */
  id: DeviceId;
  deniedReasons: string[];
}

/** DirectPV's denied-reason texts (reference §4.1) plus `Loop device` and `Unreadable`. */
export const DENIED = {
  tooSmall: "Too small",
  hidden: "Hidden",
  readOnly: "Read only",
  partitioned: "Partitioned",
  held: "Held by other device",
  mounted: "Mounted",
  swap: "Swap",
  cdrom: "CDROM",
  usedByDirectpv: "Used by DirectPV",
  loop: "Loop device",
  unreadable: "Unreadable",
} as const;

/** The denied reasons joined with `; ` (empty when the device is available). */
export function deniedReason(device: Pick<Device, "deniedReasons">): string {
  return device.deniedReasons.join("; ");
}

/** Whether the device may be initialized. */
export function isAvailable(device: Pick<Device, "deniedReasons">): boolean {
  return device.deniedReasons.length === 0;
}

/** Facts the deny rules read besides the device itself. */
export interface DenyContext {
  allowLoop: boolean;
  isLoop: boolean;
  /** Result of the "is there a DirectPVDrive named after this FSUUID" lookup, or its error. */
  usedByDirectpv?: boolean | Error;
}

/** The denied reasons of a device, in DirectPV's order. */
export function denyReasons(
  d: Omit<Device, "id" | "deniedReasons">,
  ctx: DenyContext,
): string[] {
  const out: string[] = [];
  if (d.size < MIN_DRIVE_SIZE) out.push(DENIED.tooSmall);
  if (d.hidden) out.push(DENIED.hidden);
  if (d.readOnly) out.push(DENIED.readOnly);
  if (d.partitioned) out.push(DENIED.partitioned);
  if (d.holders.length > 0) out.push(DENIED.held);
  if (d.mountPoints.length > 0) out.push(DENIED.mounted);
  if (d.swapOn) out.push(DENIED.swap);
  if (d.cdrom) out.push(DENIED.cdrom);
  if (d.readError !== undefined) out.push(DENIED.unreadable);
  if (ctx.usedByDirectpv instanceof Error) {
    out.push(`internal error; ${ctx.usedByDirectpv.message}`);
  } else if (ctx.usedByDirectpv) {
    out.push(DENIED.usedByDirectpv);
  }
  if (ctx.isLoop && !ctx.allowLoop) out.push(DENIED.loop);
  return out;
}

/** The keys of the device id lines, in the order their lines sort (no key prefixes another). */
const ID_KEYS = [
  "node",
  "name",
  "majorminor",
  "size",
  "hidden",
  "removable",
  "readonly",
  "partitioned",
  "holders",
  "mountpoints",
  "swapon",
  "cdrom",
  "dmname",
  "fstype",
  "fsuuid",
  "label",
  "parttabletype",
  "make",
  "serial",
].map((k) => `${k}:`).sort();

function sortedJoin(list: readonly string[]): string {
  return list.length < 2 ? list.join(",") : [...list].sort().join(",");
}

/** Lines added to the id only when set, so that other devices keep the ids they had. */
function contentLines(d: Omit<Device, "id" | "deniedReasons">): string[] {
  return [
    ...(d.unknownData === undefined ? [] : [`unknowndata:${d.unknownData}`]),
    ...(d.readError === undefined ? [] : ["unreadable:true"]),
  ];
}

/**
 * The `key:value` lines hashed into the device id, sorted. In place of DirectPV's udev data
 * they carry our own content facts (fstype, fsuuid, label, parttabletype, and unknowndata or
 * unreadable when set) and the make and serial, so the id needs no udev and still changes when
 * the device is reformatted, written over, resized, mounted, held, partitioned or swapped onto.
 */
export function deviceIdLines(nodeId: string, d: Omit<Device, "id" | "deniedReasons">): string[] {
  const values: Record<string, string> = {
    "node:": nodeId,
    "name:": d.name,
    "majorminor:": d.majorMinor,
    "size:": String(d.size),
    "hidden:": String(d.hidden),
    "removable:": String(d.removable),
    "readonly:": String(d.readOnly),
    "partitioned:": String(d.partitioned),
    "holders:": sortedJoin(d.holders),
    "mountpoints:": sortedJoin(d.mountPoints),
    "swapon:": String(d.swapOn),
    "cdrom:": String(d.cdrom),
    "dmname:": d.dmName ?? "",
    "fstype:": d.fsType ?? "",
    "fsuuid:": d.fsUuid ?? "",
    "label:": d.label ?? "",
    "parttabletype:": d.partTableType ?? "",
    "make:": d.make ?? "",
    "serial:": d.serial ?? "",
  };
  return [...ID_KEYS.map((k) => k + values[k]), ...contentLines(d)].sort();
}

/** `<maj:min>$` + base64(SHA-256 of the newline-joined `deviceIdLines`). */
export function computeDeviceId(
  nodeId: string,
  d: Omit<Device, "id" | "deniedReasons">,
): DeviceId {
  const hash = createHash("sha256").update(deviceIdLines(nodeId, d).join("\n"), "utf8");
  return deviceId(`${d.majorMinor}$${hash.digest("base64")}`);
}

/** Splits a device id into its `maj:min` and hash; undefined when malformed. */
export function parseDeviceId(id: string): { majorMinor: string; hash: string } | undefined {
  const m = /^(\d+:\d+)\$(.+)$/.exec(id);
  return m ? { majorMinor: m[1] ?? "", hash: m[2] ?? "" } : undefined;
}

/** The DirectPVNode view of a device. */
export function toNodeDevice(d: Device): NodeDevice {
  const out: NodeDevice = { name: d.name, id: d.id, majorMinor: d.majorMinor, size: d.size };
  if (d.make) out.make = d.make;
  if (d.fsType) out.fsType = d.fsType;
  if (d.fsUuid) out.fsuuid = d.fsUuid;
  const reason = deniedReason(d);
  if (reason) out.deniedReason = reason;
  if (d.partTableType) out.partTableType = d.partTableType;
  if (d.unknownData) out.unknownData = d.unknownData;
  return out;
}

/** What the device holds, in words for messages (label included); undefined when empty. */
export function describeDevice(d: Device): string | undefined {
  const facts = toNodeDevice(d);
  return describeContent(d.label ? { ...facts, label: d.label } : facts);
}
