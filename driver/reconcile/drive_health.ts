/**
 * Keeps a drive in step with its device, found by FSUUID through a superblock scan (reference
 * §4.3). Used at node-server start for every drive and afterwards as the periodic health check:
 *
 * - no device carries the FSUUID → `Lost` (event DeviceNotFoundError);
 * - several do → `Error` + MultipleMatches;
 * - one does → refresh `drive-name`, capacity and make; mount it at `<app>/mnt/<fsuuid>` (a stale
 *   mount of a vanished device is replaced, so a drive re-attached under another name comes
 *   back); stat `.FSUUID.<uuid>` (EIO → `Error` + IOError); create the symlink when
 *   `spec.relabel` is set. `Lost`, and `Error` from a mount, match or relabel failure, become
 *   `Ready` once everything succeeds.
 *
 * Only drives in `Ready`, `Lost`, `Error` or `Moving` are touched.
 */
import { errorMessage } from "../../lib/errors/mod.ts";
import { type DirectPVDrive, DRIVE_CONDITIONS, type DriveStatus } from "../../lib/types/mod.ts";
import { EVENT_REASONS, type EventInput } from "../events.ts";
import type { NodeDeps } from "./deps.ts";
import {
  clearDriveConditions,
  latestCondition,
  RECOVERABLE_CONDITIONS,
  refreshFromDevice,
  setDriveCondition,
} from "./drive_object.ts";
import { mutate } from "./kube_util.ts";
import type { DriveCapacity, ProbedDevice } from "./node_ops.ts";

const IO_ERROR = EVENT_REASONS.driveHasIOError;

/** Drive statuses the sync and the health check act on. */
export const VERIFIED_STATUSES: readonly DriveStatus[] = ["Ready", "Lost", "Error", "Moving"];

/** The message of a drive whose device is gone (no udev hint: we do not depend on udev). */
export function deviceNotFoundMessage(fsuuid: string): string {
  return `Cannot find device with FSUUID "${fsuuid}": the device is removed or not attached`;
}

/** The MultipleMatches condition message, in DirectPV's words. */
export function multipleMatchesMessage(devices: readonly ProbedDevice[]): string {
  return `multiple devices found by FSUUID; ${devices.map((d) => d.name).join(", ")}`;
}

/** What was observed about one drive's device. */
interface Observation {
  matches: ProbedDevice[];
  device?: ProbedDevice;
  capacity?: DriveCapacity;
  mountError?: string;
  ioError?: boolean;
  relabelError?: string;
  relabelled?: boolean;
}

async function observe(
  deps: NodeDeps,
  drive: DirectPVDrive,
  matches: ProbedDevice[],
): Promise<Observation> {
  const obs: Observation = { matches };
  const [device] = matches;
  if (matches.length !== 1 || !device) return obs;
  obs.device = device;
  const fsuuid = drive.status.fsuuid;
  try {
    obs.capacity = await deps.ops.readCapacity(device.name);
  } catch (err) {
    deps.logger.warn("Cannot read drive superblock", { drive: fsuuid, error: errorMessage(err) });
  }
  try {
    await deps.ops.mountDrive(device, fsuuid);
  } catch (err) {
    obs.mountError = errorMessage(err);
    return obs;
  }
  obs.ioError = (await deps.ops.checkDriveDir(fsuuid)) === "io-error";
  if (drive.spec.relabel && !obs.ioError) {
    try {
      await deps.ops.relabel(fsuuid);
      obs.relabelled = true;
    } catch (err) {
      obs.relabelError = errorMessage(err);
    }
  }
  return obs;
}

function markReady(drive: DirectPVDrive): void {
  const s = drive.status;
  if (s.status === "Lost") s.status = "Ready";
  if (s.status !== "Error") {
    clearDriveConditions(drive, RECOVERABLE_CONDITIONS);
    return;
  }
  const latest = latestCondition(drive);
  if (!latest || RECOVERABLE_CONDITIONS.includes(latest.type)) {
    clearDriveConditions(drive, RECOVERABLE_CONDITIONS);
    if (!(drive.status.conditions ?? []).some((c) => c.status === "True")) s.status = "Ready";
  }
}

/** Applies an observation to a drive; returns the events to record. */
function apply(drive: DirectPVDrive, obs: Observation, now: Date): Omit<EventInput, "object">[] {
  const fsuuid = drive.status.fsuuid;
  const s = drive.status;
  const wasReady = s.status === "Ready";
  if (!VERIFIED_STATUSES.includes(s.status)) return [];
  if (obs.matches.length === 0) {
    if (s.status === "Lost") return [];
    s.status = "Lost";
    const message = deviceNotFoundMessage(fsuuid);
    return [{ type: "Warning", reason: EVENT_REASONS.deviceNotFoundError, message }];
  }
  if (obs.matches.length > 1) {
    const message = multipleMatchesMessage(obs.matches);
    const was = latestCondition(drive)?.message;
    s.status = "Error";
    setDriveCondition(drive, "multipleMatches", message, now);
    if (was === message) return [];
    return [{ type: "Warning", reason: EVENT_REASONS.driveHasMultipleMatches, message }];
  }
  if (obs.device) {
    refreshFromDevice(drive, {
      name: obs.device.name,
      ...(obs.device.make ? { make: obs.device.make } : {}),
      totalCapacity: obs.capacity?.totalCapacity ?? 0,
    });
  }
  return applyMounted(drive, obs, now, wasReady);
}

function applyMounted(
  drive: DirectPVDrive,
  obs: Observation,
  now: Date,
  wasReady: boolean,
): Omit<EventInput, "object">[] {
  const s = drive.status;
  const wasError = s.status === "Error";
  const failures: [keyof typeof DRIVE_CONDITIONS, string | undefined, EventInput["reason"]][] = [
    ["mountError", obs.mountError, EVENT_REASONS.driveHasMountError],
    ["ioError", obs.ioError ? DRIVE_CONDITIONS.ioError.message : undefined, IO_ERROR],
    ["relabelError", obs.relabelError, EVENT_REASONS.driveHasRelabelError],
  ];
  for (const [kind, message, reason] of failures) {
    if (message === undefined) continue;
    const type = DRIVE_CONDITIONS[kind].type;
    const known = (s.conditions ?? []).some((c) => c.type === type && c.message === message);
    s.status = "Error";
    setDriveCondition(drive, kind, message, now);
    return known && wasError ? [] : [{ type: "Warning", reason, message }];
  }
  if (obs.relabelled) delete drive.spec.relabel;
  markReady(drive);
  if (s.status === "Ready" && !wasReady) {
    const message = `Drive mounted at the node; status is Ready`;
    return [{ type: "Normal", reason: EVENT_REASONS.driveMounted, message }];
  }
  return [];
}

/**
 * Verifies one drive against the devices carrying its FSUUID and writes the result (retrying
 * on conflict). Side effects (mount, relabel) happen before the write.
 */
export async function verifyDrive(
  deps: NodeDeps,
  drive: DirectPVDrive,
  matches: ProbedDevice[],
): Promise<DirectPVDrive | undefined> {
  if (!VERIFIED_STATUSES.includes(drive.status.status)) return drive;
  const obs = await observe(deps, drive, matches);
  const now = deps.now?.() ?? new Date();
  let events: Omit<EventInput, "object">[] = [];
  const name = drive.metadata.name ?? drive.status.fsuuid;
  const updated = await mutate(deps.kube.drives, name, (fresh) => {
    const before = JSON.stringify(fresh);
    events = apply(fresh, obs, now);
    return JSON.stringify(fresh) !== before;
  });
  if (!updated) return undefined;
  for (const e of events) {
    const log = e.type === "Warning" ? deps.logger.warn : deps.logger.info;
    log.call(deps.logger, e.message, { drive: name, reason: e.reason });
    await deps.events.record({ ...e, object: updated });
  }
  return updated;
}

/** Looks up the devices carrying a drive's FSUUID in a scan. */
export function matchesOf(
  scan: ReadonlyMap<string, ProbedDevice[]>,
  drive: DirectPVDrive,
): ProbedDevice[] {
  return scan.get(drive.status.fsuuid) ?? [];
}
