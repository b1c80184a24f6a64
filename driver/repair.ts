/**
 * `directpv repair <DRIVE-ID>` (reference §3.1): runs xfs_repair on one drive of this node.
 *
 * The drive goes `Repairing`; its device is found by FSUUID through the superblock scan; the
 * drive mount points are unmounted, `xfs_repair <dev> -v [-L] [-P] [-n]` runs with each output
 * line logged, and the drive is mounted again. It ends `Ready`, or `Error` with a `RepairError`
 * condition (xfs_repair failed) and/or a `MountError` condition plus a `DriveHasMountError`
 * event (the remount failed). A refusal before anything is touched (no device, several devices,
 * the device mounted elsewhere) puts the drive back to the status it had (`Error` if that was
 * `Repairing`, left over from an interrupted run).
 */
import {
  errorMessage,
  FailedPreconditionError,
  NotFoundError,
  UnsafeOperationError,
} from "../lib/errors/mod.ts";
import { updateIfExists } from "../lib/k8s/mod.ts";
import {
  type DirectPVDrive,
  DRIVE_CONDITIONS,
  type DriveStatus,
  LABELS,
  toLabelValue,
} from "../lib/types/mod.ts";
import { drivePaths, xfsRepair } from "../lib/xfs/mod.ts";
import { EVENT_REASONS } from "./events.ts";
import type { NodeContext } from "./node_context.ts";
import {
  createNodeOps,
  type NodeOps,
  type NodeOpsContext,
  type ProbedDevice,
} from "./reconcile/mod.ts";
import { clearDriveConditions, setDriveCondition } from "./reconcile/drive_object.ts";

/** What to repair and how (the subcommand's argument and flags). */
export interface RepairRequest {
  driveId: string;
  /** `-L`: zero the log. */
  force: boolean;
  /** `-P`: disable prefetching. */
  disablePrefetch: boolean;
  /** `-n`: check only; the drive is still unmounted and mounted again. */
  dryRun: boolean;
}

/** What a repair reads of the node context: its own part and what the node operations read. */
export type RepairContext = Pick<NodeContext, "kube" | "events"> & NodeOpsContext;

/** A repair's dependencies: the node context and its device operations. */
interface RepairDeps extends RepairContext {
  ops: Pick<NodeOps, "devicesByFsuuid" | "unmountDrive" | "mountDrive">;
}

async function ownDrive(deps: RepairDeps, driveId: string): Promise<DirectPVDrive> {
  const drive = await deps.kube.drives.get(driveId).catch((err) => {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`Drive "${driveId}" not found`, { cause: err });
    }
    throw err;
  });
  const node = drive.metadata.labels?.[LABELS.node] ?? "";
  if (node === toLabelValue(deps.nodeId)) return drive;
  const message = `Cannot repair drive "${driveId}" on node "${deps.nodeId}"`;
  throw new FailedPreconditionError(`${message}: it belongs to node "${node}"`);
}

/** Updates the stored drive (retrying on conflicts). */
async function update(
  deps: RepairDeps,
  name: string,
  change: (drive: DirectPVDrive) => void,
): Promise<DirectPVDrive> {
  const stored = await updateIfExists(deps.kube.drives, name, change);
  if (!stored) throw new NotFoundError(`Drive "${name}" not found`);
  return stored;
}

async function findDevice(deps: RepairDeps, driveId: string, fsuuid: string) {
  const devices = (await deps.ops.devicesByFsuuid()).get(fsuuid) ?? [];
  const [device, ...others] = devices;
  if (!device) {
    throw new NotFoundError(
      `Cannot repair drive "${driveId}": no device has filesystem UUID "${fsuuid}"`,
    );
  }
  if (others.length > 0) {
    const names = devices.map((d) => `"/dev/${d.name}"`).join(", ");
    throw new FailedPreconditionError(
      `Cannot repair drive "${driveId}": devices ${names} all have filesystem UUID "${fsuuid}"`,
    );
  }
  return device;
}

/** Refuses when the device is mounted anywhere but the drive's mount points (DirectPV wording). */
async function checkMounts(deps: RepairDeps, device: ProbedDevice, fsuuid: string) {
  const { host } = deps;
  const own = [drivePaths(host, fsuuid).mountPoint, host.paths.legacyApp("mnt", fsuuid)];
  const elsewhere = (await host.mounter.mountInfo())
    .filter((e) => e.majorMinor === device.majorMinor && !own.includes(e.mountPoint))
    .map((e) => host.paths.unmap(e.mountPoint));
  if (elsewhere.length > 0) {
    throw new UnsafeOperationError(
      `unable to run xfs repair; device /dev/${device.name} still mounted in [${
        elsewhere.join(" ")
      }]`,
    );
  }
}

interface Outcome {
  repairError?: unknown;
  mountError?: unknown;
}

async function unmountRepairRemount(
  deps: RepairDeps,
  device: ProbedDevice,
  fsuuid: string,
  request: RepairRequest,
): Promise<Outcome> {
  const out: Outcome = {};
  const log = deps.logger.with({ device: `/dev/${device.name}` });
  try {
    await deps.ops.unmountDrive(fsuuid);
    await xfsRepair(deps.host, deps.host.paths.dev(device.name), {
      force: request.force,
      disablePrefetch: request.disablePrefetch,
      dryRun: request.dryRun,
      onLine: (line) => log.info(line),
    });
  } catch (err) {
    out.repairError = err;
  }
  try {
    await deps.ops.mountDrive(device, fsuuid);
  } catch (err) {
    out.mountError = err;
  }
  return out;
}

async function recordOutcome(deps: RepairDeps, name: string, out: Outcome): Promise<void> {
  const now = new Date();
  const { repairError, mountError } = out;
  const stored = await update(deps, name, (drive) => {
    drive.status.status = repairError || mountError ? "Error" : "Ready";
    const failed = `xfs_repair failed: ${errorMessage(repairError)}`;
    if (repairError) setDriveCondition(drive, "repairError", failed, now);
    if (mountError) setDriveCondition(drive, "mountError", errorMessage(mountError), now);
    const clear = [DRIVE_CONDITIONS.repairError.type, DRIVE_CONDITIONS.mountError.type];
    if (!repairError && !mountError) clearDriveConditions(drive, clear);
  });
  if (mountError) {
    await deps.events.record({
      object: stored,
      type: "Warning",
      reason: EVENT_REASONS.driveHasMountError,
      message: errorMessage(mountError),
    });
  }
}

/**
 * Repairs one drive of this node; resolves once it is `Ready` again.
 *
 * @throws {NotFoundError} when the drive or its device is missing
 * @throws {FailedPreconditionError} when the drive is another node's or several devices match
 * @throws {UnsafeOperationError} when the device is mounted outside the drive mount points
 * @throws the xfs_repair or mount failure, after the drive was marked `Error`
 */
export async function repairDrive(ctx: RepairContext, request: RepairRequest): Promise<void> {
  const deps: RepairDeps = { ...ctx, ops: createNodeOps(ctx) };
  const drive = await ownDrive(deps, request.driveId);
  const name = drive.metadata.name ?? request.driveId;
  const fsuuid = drive.status.fsuuid || name;
  const previous: DriveStatus = drive.status.status === "Repairing" ? "Error" : drive.status.status;
  await update(deps, name, (d) => void (d.status.status = "Repairing"));
  let device: ProbedDevice;
  try {
    device = await findDevice(deps, name, fsuuid);
    await checkMounts(deps, device, fsuuid);
  } catch (err) {
    await update(deps, name, (d) => void (d.status.status = previous));
    throw err;
  }
  deps.logger.info("Repairing drive", { drive: name, device: `/dev/${device.name}`, ...request });
  const out = await unmountRepairRemount(deps, device, fsuuid, request);
  await recordOutcome(deps, name, out);
  if (out.repairError) throw out.repairError;
  if (out.mountError) throw out.mountError;
  deps.logger.info("Drive repaired", { drive: name, dryRun: request.dryRun });
}
