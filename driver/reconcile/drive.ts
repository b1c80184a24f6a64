/**
 * The drive reconciler (node-server), for this node's DirectPVDrives:
 *
 * - `Removed`: refused while the drive holds volumes (`drive X still contains N volumes`,
 *   logged and recorded as an event once per count); otherwise every mount of the drive is
 *   unmounted, the finalizers cleared, the object deleted and the mount directories removed.
 * - `Moving`: the drive is mounted, then every volume whose finalizer it carries but whose
 *   FSUUID differs is re-pointed here (fsuuid, `drive`/`drive-name` labels, dataPath cleared;
 *   re-staged when it was staged, else `Pending`; event VolumeMoved); then the drive is `Ready`.
 * - `Ready`, `Lost`, `Error`: the health check of `drive_health.ts`; then, for a `Ready` drive
 *   with the `move-data-to` annotation, the data move of `move_data.ts`.
 *
 * Cordon and labels are left to the API.
 */
import { errorMessage, FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import { UNCHANGED, updateIfExists } from "../../lib/k8s/mod.ts";
import {
  ANNOTATIONS,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  isOnNode,
  LABELS,
  volumeCount,
} from "../../lib/types/mod.ts";
import { EVENT_REASONS } from "../events.ts";
import type { NodeDeps } from "./deps.ts";
import { matchesOf, VERIFIED_STATUSES, verifyDrive } from "./drive_health.ts";
import { moveDriveData } from "./move_data.ts";
import type { ProbedDevice } from "./node_ops.ts";

/** Dependencies of the drive reconciler. */
export interface DriveReconcilerDeps extends NodeDeps {
  /** Devices by FSUUID (a superblock scan; concurrent callers may share one). */
  scan(): Promise<Map<string, ProbedDevice[]>>;
}

/** The message DirectPV gives when removing a drive that still holds volumes. */
export function stillContainsMessage(name: string, count: number): string {
  return `drive ${name} still contains ${count} volumes`;
}

/** Reconciles this node's drives; see the module doc. */
export class DriveReconciler {
  readonly #deps: DriveReconcilerDeps;
  /** Last refusal reported per drive, so it is recorded once, not at every resync. */
  readonly #refusals = new Map<string, string>();
  /** Drives whose data move is running. */
  readonly #moving = new Set<string>();

  constructor(deps: DriveReconcilerDeps) {
    this.#deps = deps;
  }

  /** Handles one drive key. */
  async reconcile(key: string, drive: DirectPVDrive | undefined): Promise<void> {
    if (!drive || !isOnNode(drive, this.#deps.nodeId)) {
      this.#refusals.delete(key);
      return;
    }
    const status = drive.status.status;
    if (status === "Removed") return await this.#remove(key, drive);
    this.#refusals.delete(key);
    if (status === "Moving") return await this.#move(key, drive);
    if (VERIFIED_STATUSES.includes(status)) {
      const verified = await verifyDrive(
        this.#deps,
        drive,
        matchesOf(await this.#deps.scan(), drive),
      );
      const current = verified ?? drive;
      if (
        current.status.status === "Ready" && current.metadata.annotations?.[ANNOTATIONS.moveDataTo]
      ) {
        await this.#moveData(key, current);
      }
    }
  }

  /** One data move per drive at a time; a resync during a long copy leaves it alone. */
  async #moveData(key: string, drive: DirectPVDrive): Promise<void> {
    if (this.#moving.has(key)) return;
    this.#moving.add(key);
    try {
      await moveDriveData(this.#deps, drive);
    } finally {
      this.#moving.delete(key);
    }
  }

  async #remove(name: string, drive: DirectPVDrive): Promise<void> {
    const { ops, logger, kube } = this.#deps;
    const count = volumeCount(drive);
    if (count > 0) {
      const message = stillContainsMessage(name, count);
      if (this.#refusals.get(name) === message) return;
      this.#refusals.set(name, message);
      logger.warn("Cannot remove drive", { drive: name, reason: message });
      await this.#deps.events.record({
        object: drive,
        type: "Warning",
        reason: EVENT_REASONS.driveRemoveRefused,
        message,
      });
      return;
    }
    const fsuuid = drive.status.fsuuid;
    const [device] = matchesOf(await this.#deps.scan(), drive);
    await ops.unmountDrive(fsuuid, device?.majorMinor);
    await updateIfExists(kube.drives, name, (fresh) => {
      if (fresh.status.status !== "Removed" || volumeCount(fresh) > 0) return UNCHANGED;
      if ((fresh.metadata.finalizers ?? []).length === 0) return UNCHANGED;
      fresh.metadata.finalizers = [];
      return fresh;
    });
    try {
      await kube.drives.delete(name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    await ops.removeDriveDirs(fsuuid);
    this.#refusals.delete(name);
    logger.info("Drive removed", { drive: name });
  }

  async #move(name: string, drive: DirectPVDrive): Promise<void> {
    const verified = await verifyDrive(
      this.#deps,
      drive,
      matchesOf(await this.#deps.scan(), drive),
    );
    if (!verified || verified.status.status !== "Moving") return;
    const volumes = (verified.metadata.finalizers ?? [])
      .filter((f) => f.startsWith(FINALIZERS.volumePrefix))
      .map((f) => f.slice(FINALIZERS.volumePrefix.length));
    const failures: string[] = [];
    for (const volume of volumes) {
      try {
        await this.#moveVolume(verified, volume);
      } catch (err) {
        failures.push(`${volume}: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) {
      throw new FailedPreconditionError(
        `Cannot finish moving volumes to drive "${name}": ${failures.join("; ")}`,
      );
    }
    await updateIfExists(this.#deps.kube.drives, name, (fresh) => {
      if (fresh.status.status !== "Moving") return UNCHANGED;
      fresh.status.status = "Ready";
      return fresh;
    });
    this.#deps.logger.info("Drive move finished", { drive: name, volumes: volumes.length });
  }

  async #moveVolume(drive: DirectPVDrive, volumeName: string): Promise<void> {
    const { kube, ops, nodeId } = this.#deps;
    let volume: DirectPVVolume;
    try {
      volume = await kube.volumes.get(volumeName);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    const fsuuid = drive.status.fsuuid;
    if (volume.status.fsuuid === fsuuid) return;
    if (volume.status.targetPath) {
      throw new FailedPreconditionError(`volume "${volumeName}" is still published`);
    }
    if (!isOnNode(volume, nodeId)) {
      throw new FailedPreconditionError(`volume "${volumeName}" is on another node`);
    }
    const staging = volume.status.stagingTargetPath;
    const dataPath = staging
      ? await ops.restageVolume({
        volumeName,
        fsuuid,
        stagingTargetPath: staging,
        totalCapacity: volume.status.totalCapacity,
      })
      : "";
    const driveName = drive.metadata.labels?.[LABELS.driveName] ?? "";
    const moved = await updateIfExists(kube.volumes, volumeName, (fresh) => {
      fresh.status = { ...fresh.status, fsuuid, dataPath, status: staging ? "Ready" : "Pending" };
      fresh.metadata.labels = {
        ...fresh.metadata.labels,
        [LABELS.drive]: fsuuid,
        [LABELS.driveName]: driveName,
      };
    });
    if (!moved) return;
    await this.#deps.events.record({
      object: moved,
      type: "Normal",
      reason: EVENT_REASONS.volumeMoved,
      message: `Volume moved to drive ${fsuuid}`,
    });
  }
}
