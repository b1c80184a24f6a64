/**
 * The volume reconciler (node-server), for this node's DirectPVVolumes:
 *
 * - a live volume gets its drive's current `drive-name` label, and one made from a content
 *   source gets the source's data copied in by reflink (`content.ts`);
 * - a deleted volume (deletionTimestamp set) is cleaned up once it is Released, i.e. only the
 *   purge-protection finalizer is left: its target and staging paths are unmounted, its data
 *   directory renamed to `<dataPath>.deleted` and removed, its quota limits set to 0, its
 *   capacity given back to the drive (free += total, allocated −= total, the volume finalizer
 *   and the `volume-claim-id-<claim>` label removed), and finally purge-protection dropped
 *   (event VolumeReleased). The drive update is guarded by the volume finalizer, so a retry
 *   after a conflict or a crash gives the capacity back exactly once.
 */
import { errorMessage } from "../../lib/errors/mod.ts";
import { UNCHANGED, updateIfExists } from "../../lib/k8s/mod.ts";
import {
  countedSize,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  isOnNode,
  LABELS,
  setPendingSize,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { EVENT_REASONS } from "../events.ts";
import type { NodeDeps } from "./deps.ts";
import { populateContent } from "./content.ts";

/** Dependencies of the volume reconciler. */
export interface VolumeReconcilerDeps extends NodeDeps {
  /** A cached drive by name. */
  getDrive(name: string): DirectPVDrive | undefined;
}

/** DirectPV's message for a deleted volume that still has its pv-protection finalizer. */
export function notReleasedMessage(name: string): string {
  return `volume ${name} must be released before cleaning up`;
}

/** Whether a deleted volume is Released: purge-protection is its only finalizer. */
export function isReleased(volume: DirectPVVolume): boolean {
  const f = volume.metadata.finalizers ?? [];
  return f.length === 1 && f[0] === FINALIZERS.purgeProtection;
}

function driveOf(volume: DirectPVVolume): string {
  return volume.metadata.labels?.[LABELS.drive] ?? volume.status.fsuuid;
}

/** Reconciles one volume key; see the module doc. */
export async function reconcileVolume(
  deps: VolumeReconcilerDeps,
  volume: DirectPVVolume | undefined,
): Promise<void> {
  if (!volume || !isOnNode(volume, deps.nodeId)) return;
  if (volume.metadata.deletionTimestamp) return await releaseVolume(deps, volume);
  await syncDriveName(deps, volume);
  await populateContent(deps, volume);
}

async function syncDriveName(deps: VolumeReconcilerDeps, volume: DirectPVVolume): Promise<void> {
  const drive = deps.getDrive(driveOf(volume));
  const driveName = drive?.metadata.labels?.[LABELS.driveName];
  if (!driveName || volume.metadata.labels?.[LABELS.driveName] === driveName) return;
  await updateIfExists(deps.kube.volumes, volume.metadata.name ?? "", (fresh) => {
    if (fresh.metadata.deletionTimestamp) return UNCHANGED;
    if (fresh.metadata.labels?.[LABELS.driveName] === driveName) return UNCHANGED;
    fresh.metadata.labels = { ...fresh.metadata.labels, [LABELS.driveName]: driveName };
    return fresh;
  });
}

async function releaseVolume(deps: VolumeReconcilerDeps, volume: DirectPVVolume): Promise<void> {
  const name = volume.metadata.name ?? "";
  const finalizers = volume.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZERS.purgeProtection)) return;
  if (!isReleased(volume)) {
    deps.logger.info(notReleasedMessage(name), { volume: name });
    return;
  }
  const { ops, logger } = deps;
  const s = volume.status;
  for (const path of [s.targetPath, s.stagingTargetPath]) {
    if (path) await ops.unmountPath(path);
  }
  if (s.dataPath) await ops.purgeVolumeData(s.dataPath);
  const driveName = driveOf(volume);
  try {
    await ops.releaseQuota(driveName, name);
  } catch (err) {
    logger.warn("Cannot release volume quota", { volume: name, error: errorMessage(err) });
  }
  await giveCapacityBack(deps, driveName, volume);
  const released = await updateIfExists(deps.kube.volumes, name, (fresh) => {
    const left = (fresh.metadata.finalizers ?? []).filter((f) => f !== FINALIZERS.purgeProtection);
    if (left.length === (fresh.metadata.finalizers ?? []).length) return UNCHANGED;
    fresh.metadata.finalizers = left;
    return fresh;
  });
  logger.info("Volume released", { volume: name, drive: driveName });
  await deps.events.record({
    object: released ?? volume,
    type: "Normal",
    reason: EVENT_REASONS.volumeReleased,
    message: `Volume ${name} released from drive ${driveName}`,
  });
}

async function giveCapacityBack(
  deps: VolumeReconcilerDeps,
  driveName: string,
  volume: DirectPVVolume,
): Promise<void> {
  const name = volume.metadata.name ?? "";
  const finalizer = volumeFinalizer(name);
  const claim = volume.metadata.labels?.[LABELS.claimId];
  await updateIfExists(deps.kube.drives, driveName, (drive) => {
    const finalizers = drive.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return UNCHANGED;
    // An expansion whose controller died before it settled counts more bytes than the size.
    const size = countedSize(drive, name, volume.status.totalCapacity);
    setPendingSize(drive, name, undefined);
    drive.metadata.finalizers = finalizers.filter((f) => f !== finalizer);
    drive.status.freeCapacity += size;
    drive.status.allocatedCapacity = Math.max(0, drive.status.allocatedCapacity - size);
    if (claim && drive.metadata.labels) delete drive.metadata.labels[volumeClaimIdLabel(claim)];
    return drive;
  });
}
