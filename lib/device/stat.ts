/** Block-device I/O statistics from `/sys/class/block/<dev>/stat` (Documentation/block/stat). */
import type { Host } from "../sys/mod.ts";
import { readAttr } from "./sysfs.ts";

/** The counters of a block device's `stat` file; fields the kernel does not report are 0. */
export interface DeviceStats {
  readIos: number;
  readMerges: number;
  readSectors: number;
  readTicks: number;
  writeIos: number;
  writeMerges: number;
  writeSectors: number;
  writeTicks: number;
  inFlight: number;
  ioTicks: number;
  timeInQueue: number;
  discardIos: number;
  discardMerges: number;
  discardSectors: number;
  discardTicks: number;
  flushIos: number;
  flushTicks: number;
  /** How many fields the file had (11 on old kernels, 15 with discard, 17 with flush). */
  fieldCount: number;
}

const FIELDS = [
  "readIos",
  "readMerges",
  "readSectors",
  "readTicks",
  "writeIos",
  "writeMerges",
  "writeSectors",
  "writeTicks",
  "inFlight",
  "ioTicks",
  "timeInQueue",
  "discardIos",
  "discardMerges",
  "discardSectors",
  "discardTicks",
  "flushIos",
  "flushTicks",
] as const;

/**
 * Parses a `stat` file; any number of fields is accepted, missing ones are 0.
 *
 * @throws {SyntaxError} when a field is not a non-negative integer
 * @example parseDeviceStat("1 2 3 4 5 6 7 8 0 9 10").ioTicks === 9
 */
export function parseDeviceStat(text: string): DeviceStats {
  const raw = text.trim() === "" ? [] : text.trim().split(/\s+/);
  const values = raw.map((f) => {
    const n = Number(f);
    if (!/^\d+$/.test(f) || !Number.isFinite(n)) {
      throw new SyntaxError(`Cannot parse block device stat "${text.trim()}"`);
    }
    return n;
  });
  const out = { fieldCount: values.length } as DeviceStats;
  FIELDS.forEach((name, i) => (out[name] = values[i] ?? 0));
  return out;
}

/** Reads the I/O statistics of a device; undefined when the device has no `stat` file. */
export async function readDeviceStats(host: Host, name: string): Promise<DeviceStats | undefined> {
  const text = await readAttr(
    host,
    host.paths.sys("class/block", name.replaceAll("/", "!"), "stat"),
  );
  return text === undefined ? undefined : parseDeviceStat(text);
}
