/**
 * The init-request reconciler (node-controller): formats the devices of `Pending`
 * DirectPVInitRequests for this node and creates their DirectPVDrives.
 *
 * Crash safety. The node may die at any step; afterwards no drive may be recorded as Ready
 * unless its filesystem exists and is mounted, and a retry must finish the job without
 * formatting twice or creating a second drive. Hence:
 *
 * 1. Before any mkfs, the FSUUID chosen for each device is written on the request as the
 *    annotation `directpv.min.io/init-<hash of the device id>` (one update for all devices).
 *    If that write fails nothing has been formatted yet.
 * 2. mkfs gives the filesystem exactly that FSUUID, then it is mounted and the layout
 *    (`.FSUUID.<uuid>` symlink, `.directpv/meta.info`) written. Only then is the DirectPVDrive
 *    (name = FSUUID, status Ready) created; AlreadyExists counts as success.
 * 3. On every (re)run, a device whose annotation names an FSUUID is resolved first: a drive
 *    of that name already exists → done; a device carrying that FSUUID (superblock scan) in
 *    a finished filesystem → resume at the mount step (no mkfs); in a superblock mkfs never
 *    finished (killed mid-mkfs: `sb_inprogress` set, unmountable, so empty) → formatted
 *    again, forced, with the same FSUUID, since that leftover is our own; neither → mkfs
 *    never started, so the device is checked and formatted like a fresh one, with the
 *    recorded FSUUID.
 * 4. The per-device results and `Processed` are written last. Kubernetes API failures while
 *    creating drives or writing the request throw, so the request stays Pending and the
 *    controller retries it (step 3 makes that safe); device failures become results.
 */
import { AlreadyExistsError, errorMessage, NotFoundError } from "../errors/mod.ts";
import { UNCHANGED, updateIfExists } from "../k8s/mod.ts";
import { faultPoint } from "../sys/mod.ts";
import {
  describeContent,
  type DirectPVInitRequest,
  GROUP,
  type InitDevice,
  type InitDeviceResult,
} from "../types/mod.ts";
import type { NodeStepDeps } from "./deps.ts";
import { EVENT_REASONS } from "./events.ts";
import { newDrive, type NodePlace } from "./new_drive.ts";
import type { ProbedDevice } from "./ops.ts";

/** Dependencies of the init-request reconciler. */
export interface InitRequestDeps extends NodeStepDeps, NodePlace {
  /** Whether a DirectPVDrive of that name (FSUUID) exists (a cache lookup). */
  driveExists(fsuuid: string): boolean;
}

/** What to do with one requested device. */
type Plan =
  | { kind: "result"; spec: InitDevice; error?: string }
  | { kind: "format"; spec: InitDevice; device: ProbedDevice; fsuuid: string; force: boolean }
  | { kind: "resume"; spec: InitDevice; device: ProbedDevice; fsuuid: string };

const MAJOR_MINOR = /^(\d+:\d+)\$./;

/** The annotation that records the FSUUID chosen for a device of an init request. */
export async function initAnnotationKey(deviceId: string): Promise<string> {
  const data = new TextEncoder().encode(deviceId);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const hex = Array.from(digest.slice(0, 10), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${GROUP}/init-${hex}`;
}

/** Reconciles one init request; see the module doc. */
export async function reconcileInitRequest(
  deps: InitRequestDeps,
  request: DirectPVInitRequest | undefined,
): Promise<void> {
  if (!request || request.status?.status !== "Pending") return;
  const name = request.metadata.name ?? "";
  const malformed = request.spec.devices.find((d) => !MAJOR_MINOR.test(d.id));
  if (malformed || request.spec.devices.length === 0) {
    const why = malformed ? `invalid device ID "${malformed.id}"` : "no devices requested";
    return await failRequest(deps, request, `Cannot process init request "${name}": ${why}`);
  }
  const devices = await deps.ops.probeDevices((fsuuid) => deps.driveExists(fsuuid));
  const scan = await deps.ops.devicesByFsuuid();
  const plans = await Promise.all(
    request.spec.devices.map((spec) => planDevice(deps, request, spec, devices, scan)),
  );
  await faultPoint("init.before-record");
  if (!(await recordFsuuids(deps, name, plans))) return;
  const settled = await Promise.allSettled(plans.map((p) => execute(deps, p)));
  const apiFailure = settled.find((s) => s.status === "rejected");
  if (apiFailure) throw (apiFailure as PromiseRejectedResult).reason;
  const results = settled.map((s) => (s as PromiseFulfilledResult<InitDeviceResult>).value);
  await finishRequest(deps, name, results);
}

async function planDevice(
  deps: InitRequestDeps,
  request: DirectPVInitRequest,
  spec: InitDevice,
  devices: ProbedDevice[],
  scan: ReadonlyMap<string, ProbedDevice[]>,
): Promise<Plan> {
  const recorded = request.metadata.annotations?.[await initAnnotationKey(spec.id)];
  const majorMinor = MAJOR_MINOR.exec(spec.id)?.[1];
  if (recorded) {
    if (await driveExists(deps, recorded)) return { kind: "result", spec };
    const carriers = scan.get(recorded) ?? [];
    const device = carriers.find((d) => d.majorMinor === majorMinor) ?? carriers[0];
    if (device && (await deps.ops.unfinishedFormat(device.name))) {
      return { kind: "format", spec, device, fsuuid: recorded, force: true };
    }
    if (device) return { kind: "resume", spec, device, fsuuid: recorded };
  }
  const device = devices.find((d) => d.majorMinor === majorMinor);
  if (!device) return refused(spec, "device not found");
  const holds = describeContent(device);
  if (device.id !== spec.id) {
    return refused(spec, `device state changed${holds ? `; it now holds ${holds}` : ""}`);
  }
  if (device.deniedReason) {
    const what = holds ? `; it holds ${holds}` : "";
    return refused(spec, `device init not permitted; ${device.deniedReason}${what}`);
  }
  const fsuuid = recorded ?? crypto.randomUUID();
  return { kind: "format", spec, device, fsuuid, force: spec.force };
}

/**
 * A device left alone, with DirectPV's reason text (`device state changed`, `device init not
 * permitted; ...`) after the device's path. The check of what the device holds against the
 * request's force runs right before mkfs (`formatDrive`), with the same prefix.
 */
function refused(spec: InitDevice, reason: string): Plan {
  return { kind: "result", spec, error: `Cannot format device "/dev/${spec.name}": ${reason}` };
}

async function driveExists(deps: InitRequestDeps, fsuuid: string): Promise<boolean> {
  try {
    await deps.kube.drives.get(fsuuid);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/** Writes the chosen FSUUIDs onto the request; false when it is no longer Pending. */
async function recordFsuuids(deps: InitRequestDeps, name: string, plans: Plan[]): Promise<boolean> {
  const wanted: Record<string, string> = {};
  for (const p of plans) {
    if (p.kind === "format") wanted[await initAnnotationKey(p.spec.id)] = p.fsuuid;
  }
  let pending = true;
  await updateIfExists(deps.kube.initRequests, name, (fresh) => {
    pending = fresh.status?.status === "Pending";
    const annotations = fresh.metadata.annotations ?? {};
    const missing = Object.entries(wanted).filter(([k, v]) => annotations[k] !== v);
    if (!pending || missing.length === 0) return UNCHANGED;
    fresh.metadata.annotations = { ...annotations, ...wanted };
    return fresh;
  });
  return pending;
}

async function execute(deps: InitRequestDeps, plan: Plan): Promise<InitDeviceResult> {
  const result: InitDeviceResult = { name: plan.spec.name };
  if (plan.kind === "result") {
    if (plan.error) result.error = plan.error;
    return result;
  }
  const { device, fsuuid } = plan;
  const log = deps.logger.with({ device: device.name, fsuuid });
  let capacity;
  try {
    if (plan.kind === "format") {
      log.info("Formatting device");
      await deps.ops.format(device, { fsuuid, force: plan.force });
      await faultPoint("init.after-mkfs");
    } else {
      log.info("Resuming initialisation of a formatted device");
    }
    capacity = await deps.ops.readCapacity(device.name);
    await mountWithLayout(deps, device, fsuuid);
  } catch (err) {
    log.warn("Cannot initialise device", { error: errorMessage(err) });
    result.error = errorMessage(err);
    return result;
  }
  await faultPoint("init.before-drive-create");
  await createDrive(deps, device, { ...capacity, fsuuid });
  await faultPoint("init.after-drive-create");
  log.info("Drive initialised");
  return result;
}

async function mountWithLayout(deps: InitRequestDeps, device: ProbedDevice, fsuuid: string) {
  await deps.ops.mountDrive(device, fsuuid);
  try {
    await deps.ops.writeLayout(fsuuid);
  } catch (err) {
    await deps.ops.unmountDrive(fsuuid).catch(() => {});
    throw err;
  }
}

async function createDrive(
  deps: InitRequestDeps,
  device: ProbedDevice,
  capacity: { fsuuid: string; totalCapacity: number; freeCapacity: number },
): Promise<void> {
  const drive = newDrive({
    fsuuid: capacity.fsuuid,
    deviceName: device.name,
    make: device.make ?? "",
    totalCapacity: capacity.totalCapacity,
    freeCapacity: capacity.freeCapacity,
    node: deps,
  });
  try {
    await deps.kube.drives.create(drive);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

async function finishRequest(deps: InitRequestDeps, name: string, results: InitDeviceResult[]) {
  await updateIfExists(deps.kube.initRequests, name, (fresh) => {
    if (fresh.status?.status !== "Pending") return UNCHANGED;
    fresh.status = { status: "Processed", results };
    return fresh;
  });
  const failed = results.filter((r) => r.error).length;
  deps.logger.info("Init request processed", { request: name, devices: results.length, failed });
}

async function failRequest(deps: InitRequestDeps, request: DirectPVInitRequest, message: string) {
  const name = request.metadata.name ?? "";
  deps.logger.warn(message, { request: name });
  const updated = await updateIfExists(deps.kube.initRequests, name, (fresh) => {
    if (fresh.status?.status !== "Pending") return UNCHANGED;
    const results = fresh.spec.devices.map((d) => ({ name: d.name, error: message }));
    fresh.status = { status: "Error", results };
    return fresh;
  });
  await deps.events.record({
    object: updated ?? request,
    type: "Warning",
    reason: EVENT_REASONS.initError,
    message,
  });
}
