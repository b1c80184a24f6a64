/** Pure helpers that build and change DirectPVDrive objects (labels, conditions, capacity). */
import {
  type Condition,
  type DirectPVDrive,
  DRIVE_CONDITIONS,
  LABELS,
  toLabelValue,
} from "../../lib/types/mod.ts";

export { newDrive } from "../../lib/node_init/mod.ts";

/** Condition kinds the node sets on drives. */
export type DriveConditionKind = keyof typeof DRIVE_CONDITIONS;

/** Conditions whose clearing turns an `Error` drive `Ready` again once it mounts. */
export const RECOVERABLE_CONDITIONS: readonly string[] = [
  DRIVE_CONDITIONS.mountError.type,
  DRIVE_CONDITIONS.multipleMatches.type,
  DRIVE_CONDITIONS.relabelError.type,
];

/** Sets (adds or replaces) a condition of the given kind on the drive. */
export function setDriveCondition(
  drive: DirectPVDrive,
  kind: DriveConditionKind,
  message: string,
  now: Date = new Date(),
): void {
  const def = DRIVE_CONDITIONS[kind];
  const existing = (drive.status.conditions ?? []).find((c) => c.type === def.type);
  const condition: Condition = {
    type: def.type,
    status: "True",
    reason: def.reason,
    message,
    lastTransitionTime: existing?.status === "True" && existing.message === message
      ? existing.lastTransitionTime
      : now.toISOString().replace(/\.[0-9]{3}Z$/, "Z"),
  };
  drive.status.conditions = [
    ...(drive.status.conditions ?? []).filter((c) => c.type !== def.type),
    condition,
  ];
}

/** Removes conditions of the given types; true when one was removed. */
export function clearDriveConditions(drive: DirectPVDrive, types: readonly string[]): boolean {
  const before = drive.status.conditions ?? [];
  const after = before.filter((c) => !types.includes(c.type));
  if (after.length === before.length) return false;
  if (after.length === 0) delete drive.status.conditions;
  else drive.status.conditions = after;
  return true;
}

/** The most recent condition with status True, if any. */
export function latestCondition(drive: DirectPVDrive): Condition | undefined {
  const active = (drive.status.conditions ?? []).filter((c) => c.status === "True");
  return active.sort((a, b) => a.lastTransitionTime.localeCompare(b.lastTransitionTime)).at(-1);
}

/** What a probe found about the drive's device. */
export interface DeviceFacts {
  name: string;
  make?: string;
  totalCapacity: number;
}

/**
 * Refreshes the `drive-name` label, total and free capacity (free moves with total, at most
 * total − allocated, floored at 0) and make from the device; returns whether anything changed.
 */
export function refreshFromDevice(drive: DirectPVDrive, device: DeviceFacts): boolean {
  let changed = false;
  const labels = drive.metadata.labels ?? {};
  const nameLabel = toLabelValue(device.name);
  if (labels[LABELS.driveName] !== nameLabel) {
    drive.metadata.labels = { ...labels, [LABELS.driveName]: nameLabel };
    changed = true;
  }
  const s = drive.status;
  if (device.totalCapacity > 0 && s.totalCapacity !== device.totalCapacity) {
    // The space gained or lost moves free capacity by as much, so what the filesystem keeps
    // for itself (log, metadata) stays out of it, as at init.
    const delta = device.totalCapacity - s.totalCapacity;
    s.totalCapacity = device.totalCapacity;
    s.freeCapacity = Math.max(
      0,
      Math.min(s.freeCapacity + delta, device.totalCapacity - s.allocatedCapacity),
    );
    changed = true;
  }
  if (device.make && s.make !== device.make) {
    s.make = device.make;
    changed = true;
  }
  return changed;
}
