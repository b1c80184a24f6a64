/**
 * Keeps a drive in step with its device, found by FSUUID through a superblock scan (reference
 * §4.3). Used at node-server start for every drive and afterwards as the periodic health check:
 *
 * - no device carries the FSUUID → `Lost` (event DeviceNotFoundError);
 * - several do → `Error` + MultipleMatches;
 * - one does → refresh `drive-name`, capacity and make; mount it at `<app>/mnt/<fsuuid>` (a stale
 *   mount of a vanished device is replaced, so a drive re-attached under another name comes
 *   back); run the health probe (`health_probe.ts`): I/O errors → IOError, a read-only
 *   filesystem or device → ReadOnly, a rising kernel error counter → DeviceErrors, a failing
 *   SMART verdict → SmartFailing, each making the drive `Error` with a Warning event; create
 *   the symlink when `spec.relabel` is set; a device that grew gets its XFS grown to fill it
 *   (event DriveGrown) and the drive its new capacity, one that shrank is `Error` with
 *   DeviceShrunk and is never touched. `Lost`, and `Error` from a mount, match, relabel
 *   or health failure, become `Ready` once everything succeeds (event DriveRecovered after
 *   health trouble).
 * - none does, but the device the drive is still mounted from exists and cannot be read (a
 *   failing disk whose superblock no longer reads) → `Error` + IOError, not `Lost`.
 *
 * Only drives in `Ready`, `Lost`, `Error` or `Moving` are touched.
 */
import { errorMessage } from "../../lib/errors/mod.ts";
import { updateIfExists } from "../../lib/k8s/mod.ts";
import {
  type DirectPVDrive,
  DRIVE_CONDITIONS,
  type DriveStatus,
  healthTrouble,
} from "../../lib/types/mod.ts";
import { EVENT_REASONS, type EventInput, type EventReason } from "../events.ts";
import type { NodeDeps } from "./deps.ts";
import {
  clearDriveConditions,
  type DriveConditionKind,
  latestCondition,
  RECOVERABLE_CONDITIONS,
  refreshFromDevice,
  setDriveCondition,
} from "./drive_object.ts";
import type { HealthFindings } from "./health_probe.ts";
import { deviceResized, type DriveCapacity, type ProbedDevice } from "./node_ops.ts";

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
  /** What the health probe found on the mounted drive. */
  health?: HealthFindings;
  /** No device carries the FSUUID, but the device the drive is mounted from cannot be read. */
  unreadable?: string;
  relabelError?: string;
  relabelled?: boolean;
  /** The filesystem was grown to fill its grown device: its size before, in bytes. */
  grownFrom?: number;
}

type Events = Omit<EventInput, "object">[];

/** The health findings, each with its condition kind and event reason. */
const HEALTH_KINDS: ReadonlyArray<[keyof HealthFindings, DriveConditionKind, EventReason]> = [
  ["ioError", "ioError", EVENT_REASONS.driveHasIOError],
  ["readOnly", "readOnly", EVENT_REASONS.driveIsReadOnly],
  ["deviceErrors", "deviceErrors", EVENT_REASONS.driveHasDeviceErrors],
  ["smartFailing", "smartFailing", EVENT_REASONS.driveFailsSmartCheck],
  ["deviceShrunk", "deviceShrunk", EVENT_REASONS.driveDeviceShrunk],
];

async function observe(
  deps: NodeDeps,
  drive: DirectPVDrive,
  matches: ProbedDevice[],
): Promise<Observation> {
  const obs: Observation = { matches };
  const [device] = matches;
  const fsuuid = drive.status.fsuuid;
  if (matches.length === 0) {
    const unreadable = await deps.ops.unreadableMount(fsuuid);
    if (unreadable) obs.unreadable = unreadable;
  }
  if (matches.length !== 1 || !device) return obs;
  obs.device = device;
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
  obs.health = await deps.ops.checkHealth(device, fsuuid);
  if (!obs.health.ioError && !obs.health.readOnly) await fitToDevice(deps, obs, fsuuid);
  if (drive.spec.relabel && !obs.health.ioError) {
    try {
      await deps.ops.relabel(fsuuid);
      obs.relabelled = true;
    } catch (err) {
      obs.relabelError = errorMessage(err);
    }
  }
  return obs;
}

/**
 * Follows a resized device: a grown one gets its filesystem grown and the drive its new
 * capacity; a shrunk one is reported as health trouble and left alone. The in-core size is
 * used because the superblock on the device lags behind a grow.
 */
async function fitToDevice(deps: NodeDeps, obs: Observation, fsuuid: string): Promise<void> {
  const { device, capacity, health } = obs;
  if (!device || !capacity || !health) return;
  if (!deviceResized(device.size, capacity.totalCapacity)) return;
  try {
    const fit = await deps.ops.fitDrive(fsuuid, device.size);
    if (fit.kind === "shrunk") {
      health.deviceShrunk = `Device ${device.name} shrank to ${fit.deviceBytes} bytes, smaller ` +
        `than its ${fit.bytes}-byte filesystem; restore the device's size`;
      return;
    }
    if (fit.kind === "grown") obs.grownFrom = fit.before;
    obs.capacity = { ...capacity, totalCapacity: fit.bytes };
  } catch (err) {
    deps.logger.warn("Cannot grow the drive's filesystem to its device", {
      drive: fsuuid,
      device: device.name,
      error: errorMessage(err),
    });
  }
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

/** Puts the drive in `Error` with one condition; an event unless it was already so. */
function fail(
  drive: DirectPVDrive,
  kind: DriveConditionKind,
  message: string,
  reason: EventReason,
  now: Date,
): Events {
  const s = drive.status;
  const type = DRIVE_CONDITIONS[kind].type;
  const known = s.status === "Error" &&
    (s.conditions ?? []).some((c) => c.type === type && c.message === message);
  s.status = "Error";
  setDriveCondition(drive, kind, message, now);
  return known ? [] : [{ type: "Warning", reason, message }];
}

/**
 * Sets the condition of every health finding and clears those no longer found (IOError keeps
 * DirectPV's message; the event says what was seen). Returns the events of new trouble.
 */
function applyHealth(drive: DirectPVDrive, findings: HealthFindings, now: Date): Events {
  const events: Events = [];
  for (const [finding, kind, reason] of HEALTH_KINDS) {
    const def = DRIVE_CONDITIONS[kind];
    const detail = findings[finding];
    if (detail === undefined) {
      clearDriveConditions(drive, [def.type]);
      continue;
    }
    const message = kind === "ioError" ? DRIVE_CONDITIONS.ioError.message : detail;
    const known = (drive.status.conditions ?? []).some((c) =>
      c.type === def.type && c.status === "True" && c.message === message
    );
    setDriveCondition(drive, kind, message, now);
    if (!known) events.push({ type: "Warning", reason, message: detail });
  }
  if (hasHealthTrouble(drive)) drive.status.status = "Error";
  return events;
}

function hasHealthTrouble(drive: DirectPVDrive): boolean {
  return healthTrouble(drive).length > 0;
}

/** Applies an observation to a drive; returns the events to record. */
function apply(drive: DirectPVDrive, obs: Observation, now: Date): Events {
  const fsuuid = drive.status.fsuuid;
  const s = drive.status;
  if (!VERIFIED_STATUSES.includes(s.status)) return [];
  if (obs.matches.length === 0) {
    if (obs.unreadable) return applyHealth(drive, { ioError: obs.unreadable }, now);
    if (s.status === "Lost") return [];
    s.status = "Lost";
    const message = deviceNotFoundMessage(fsuuid);
    return [{ type: "Warning", reason: EVENT_REASONS.deviceNotFoundError, message }];
  }
  if (obs.matches.length > 1) {
    const message = multipleMatchesMessage(obs.matches);
    return fail(drive, "multipleMatches", message, EVENT_REASONS.driveHasMultipleMatches, now);
  }
  if (obs.device) {
    refreshFromDevice(drive, {
      name: obs.device.name,
      ...(obs.device.make ? { make: obs.device.make } : {}),
      totalCapacity: obs.capacity?.totalCapacity ?? 0,
    });
  }
  return [...grownEvents(obs), ...applyMounted(drive, obs, now)];
}

function grownEvents(obs: Observation): Events {
  if (obs.grownFrom === undefined || !obs.capacity) return [];
  const message = `Filesystem grown from ${obs.grownFrom} to ${obs.capacity.totalCapacity} ` +
    `bytes to fill device ${obs.device?.name ?? ""}`;
  return [{ type: "Normal", reason: EVENT_REASONS.driveGrown, message }];
}

function applyMounted(drive: DirectPVDrive, obs: Observation, now: Date): Events {
  const s = drive.status;
  const wasReady = s.status === "Ready";
  if (obs.mountError !== undefined) {
    return fail(drive, "mountError", obs.mountError, EVENT_REASONS.driveHasMountError, now);
  }
  const troubled = hasHealthTrouble(drive);
  const events = applyHealth(drive, obs.health ?? {}, now);
  if (hasHealthTrouble(drive)) return events;
  if (obs.relabelError !== undefined) {
    return fail(drive, "relabelError", obs.relabelError, EVENT_REASONS.driveHasRelabelError, now);
  }
  if (obs.relabelled) delete drive.spec.relabel;
  markReady(drive);
  if (s.status !== "Ready" || wasReady) return [];
  const message = troubled
    ? "Drive is healthy again; status is Ready"
    : "Drive mounted at the node; status is Ready";
  const reason = troubled ? EVENT_REASONS.driveRecovered : EVENT_REASONS.driveMounted;
  return [{ type: "Normal", reason, message }];
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
  let events: Events = [];
  const name = drive.metadata.name ?? drive.status.fsuuid;
  const updated = await updateIfExists(deps.kube.drives, name, (fresh) => {
    events = apply(fresh, obs, now);
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
