/**
 * The invariants every fault scenario ends with, read from the API server (and the devices):
 * capacity adds up on every drive, every volume is held by exactly one drive and no drive
 * holds a volume that does not exist, expected volumes are still there, nothing is stuck
 * deleting or pending, no drive was formatted twice, and published paths show their own data.
 */
import type { KubeClient } from "../../lib/k8s/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVSnapshot,
  type DirectPVVolume,
  driveIdOf,
  FINALIZERS,
} from "../../lib/types/mod.ts";
import { run } from "../lib/mod.ts";
import type { Check } from "./matrix.ts";

/** The objects the checks read, listed once. */
export interface WorldState {
  drives: DirectPVDrive[];
  volumes: DirectPVVolume[];
  snapshots: DirectPVSnapshot[];
}

export async function readWorld(kube: KubeClient): Promise<WorldState> {
  const [drives, volumes, snapshots] = await Promise.all([
    kube.drives.listAll(),
    kube.volumes.listAll(),
    kube.snapshots.listAll(),
  ]);
  return { drives, volumes, snapshots };
}

function heldNames(drive: DirectPVDrive, prefix: string): string[] {
  return (drive.metadata.finalizers ?? []).filter((f) => f.startsWith(prefix)).map((f) =>
    f.slice(prefix.length)
  );
}

/** allocated = the sizes of the volumes and snapshots it holds; 0 <= free <= total - allocated. */
export function capacityCheck(world: WorldState): Check {
  const sizes = new Map(world.volumes.map((v) => [v.metadata.name ?? "", v.status.totalCapacity]));
  const snapshotSizes = new Map(
    world.snapshots.map((s) => [s.metadata.name ?? "", s.spec.sizeBytes]),
  );
  const wrong: string[] = [];
  for (const drive of world.drives) {
    const held = heldNames(drive, FINALIZERS.volumePrefix).reduce(
      (n, name) => n + (sizes.get(name) ?? 0),
      0,
    ) + heldNames(drive, FINALIZERS.snapshotPrefix).reduce(
      (n, name) => n + (snapshotSizes.get(name) ?? 0),
      0,
    );
    const { allocatedCapacity, freeCapacity, totalCapacity } = drive.status;
    // A fresh XFS drive has fewer free bytes than its total (metadata), so free may be below.
    if (
      allocatedCapacity !== held || freeCapacity < 0 ||
      freeCapacity > totalCapacity - allocatedCapacity
    ) {
      wrong.push(
        `${drive.metadata.name}: allocated ${allocatedCapacity}, free ${freeCapacity} of ` +
          `${totalCapacity}, volumes and snapshots it holds ${held}`,
      );
    }
  }
  return {
    name: "allocated capacity equals the volumes held, on every drive",
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${world.drives.length} drives` : wrong.join("; "),
  };
}

/** Each volume is held by exactly one drive, its own; no drive holds a volume that is gone. */
export function holdingCheck(world: WorldState): Check {
  const holders = new Map<string, string[]>();
  for (const drive of world.drives) {
    for (const name of heldNames(drive, FINALIZERS.volumePrefix)) {
      holders.set(name, [...(holders.get(name) ?? []), drive.metadata.name ?? ""]);
    }
  }
  const wrong: string[] = [];
  for (const volume of world.volumes) {
    const name = volume.metadata.name ?? "";
    const by = holders.get(name) ?? [];
    if (by.length !== 1 || by[0] !== driveIdOf(volume)) {
      wrong.push(`${name} on drive ${driveIdOf(volume)} is held by [${by.join(", ")}]`);
    }
    holders.delete(name);
  }
  for (const [name, by] of holders) wrong.push(`[${by.join(", ")}] hold missing volume ${name}`);
  return {
    name: "every volume is held by its own drive once, no reservation leaked",
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${world.volumes.length} volumes` : wrong.join("; "),
  };
}

/** The volumes the scenario made (or kept) are all there, once each. */
export function volumesKeptCheck(world: WorldState, expected: readonly string[]): Check {
  const names = world.volumes.map((v) => v.metadata.name ?? "");
  const missing = expected.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !expected.includes(n));
  return {
    name: "no volume lost or duplicated",
    ok: missing.length === 0 && extra.length === 0,
    detail: missing.length + extra.length === 0
      ? `${expected.length} volumes`
      : `missing [${missing.join(", ")}], unexpected [${extra.join(", ")}]`,
  };
}

/** No object left deleting. */
export function nothingStuckCheck(world: WorldState): Check {
  const stuck = [...world.drives, ...world.volumes, ...world.snapshots].filter((o) =>
    o.metadata.deletionTimestamp !== undefined
  ).map((o) => `${o.kind} ${o.metadata.name}`);
  return {
    name: "nothing stuck deleting after recovery",
    ok: stuck.length === 0,
    detail: stuck.length === 0
      ? `${world.volumes.length} volumes, ${world.drives.length} drives`
      : stuck.join(", "),
  };
}

/** The filesystem UUID a device holds now (blkid probes the device itself), or "". */
export async function deviceFsuuid(device: string): Promise<string> {
  const res = await run("blkid", ["-p", "-o", "value", "-s", "UUID", device], {
    allowFailure: true,
  });
  return res.code === 0 ? res.stdout.trim() : "";
}

/**
 * No drive formatted twice or while it held data: every device that had a filesystem
 * before the fault still has the same one (`before`: device → FSUUID, "" when blank).
 */
export async function formattedOnceCheck(before: ReadonlyMap<string, string>): Promise<Check> {
  const changed: string[] = [];
  for (const [device, uuid] of before) {
    if (uuid === "") continue;
    const now = await deviceFsuuid(device);
    if (now !== uuid) changed.push(`${device}: ${uuid} → ${now || "none"}`);
  }
  return {
    name: "no drive formatted twice or while it held data",
    ok: changed.length === 0,
    detail: changed.length === 0 ? `${before.size} devices` : changed.join("; "),
  };
}

/** The file each scenario writes into a volume it publishes, holding the volume's name. */
export const MARKER_FILE = "fault-matrix-marker";

/** Every published path (volume name → target path) shows its own volume's marker. */
export async function publishedDataCheck(targets: ReadonlyMap<string, string>): Promise<Check> {
  const wrong: string[] = [];
  for (const [volume, path] of targets) {
    const found = await Deno.readTextFile(`${path}/${MARKER_FILE}`).catch((e) => `(${e})`);
    if (found !== volume) wrong.push(`${path} shows ${JSON.stringify(found)}, not ${volume}`);
  }
  return {
    name: "every published path maps to its own volume's data",
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${targets.size} paths` : wrong.join("; "),
  };
}

/** The checks that read only the API server, together. */
export async function clusterChecks(
  kube: KubeClient,
  expectedVolumes: readonly string[],
): Promise<Check[]> {
  const world = await readWorld(kube);
  return [
    capacityCheck(world),
    holdingCheck(world),
    volumesKeptCheck(world, expectedVolumes),
    nothingStuckCheck(world),
  ];
}
