/** Finding a drive's device by its XFS FSUUID through a superblock scan (reference §4.3). */
import type { Host } from "../sys/mod.ts";
import type { Device } from "./device.ts";
import { probeDevices } from "./probe.ts";

/** The outcome of a lookup by FSUUID. */
export type FsuuidMatch =
  | { kind: "none" }
  | { kind: "one"; device: Device }
  | { kind: "many"; devices: Device[] };

/** Whether a device can hold a drive: not hidden, partitioned, held, swap, CD-ROM or empty. */
export function canHoldDrive(d: Device): boolean {
  return !d.hidden && !d.partitioned && d.holders.length === 0 && !d.swapOn && !d.cdrom &&
    d.size > 0;
}

/** Maps each XFS FSUUID to the devices carrying it, over devices that can hold a drive. */
export function indexByFsuuid(devices: readonly Device[]): Map<string, Device[]> {
  const out = new Map<string, Device[]>();
  for (const d of devices) {
    if (d.fsType !== "xfs" || !d.fsUuid || !canHoldDrive(d)) continue;
    const list = out.get(d.fsUuid) ?? [];
    list.push(d);
    out.set(d.fsUuid, list);
  }
  return out;
}

/** Classifies the devices found for one FSUUID. */
export function matchOf(devices: readonly Device[] | undefined): FsuuidMatch {
  if (!devices || devices.length === 0) return { kind: "none" };
  if (devices.length === 1) return { kind: "one", device: devices[0] as Device };
  return { kind: "many", devices: [...devices] };
}

/** Options of `findByFsuuid`. */
export interface FindOptions {
  /** Consider loop devices too. */
  allowLoop?: boolean;
  /** Devices probed already (skips probing). */
  devices?: readonly Device[];
}

/**
 * Finds the devices whose XFS superblock carries `fsuuid`.
 *
 * @example const match = await findByFsuuid(host, drive.status.fsuuid, { allowLoop: true })
 */
export async function findByFsuuid(
  host: Host,
  fsuuid: string,
  options: FindOptions = {},
): Promise<FsuuidMatch> {
  const devices = options.devices ??
    await probeDevices(host, { nodeId: "", allowLoop: true, content: "fsuuid" });
  const eligible = devices.filter((d) => options.allowLoop || !/^loop\d+$/.test(d.name));
  return matchOf(indexByFsuuid(eligible).get(fsuuid.toLowerCase()));
}
