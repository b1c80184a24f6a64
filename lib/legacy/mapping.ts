/** Pure mapping of DirectCSI drives and volumes to DirectPV objects (reference §6). */
import { InvalidArgumentError } from "../errors/mod.ts";
import {
  ACCESS_TIERS,
  API_VERSION,
  CREATED_BY,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  GROUP,
  IDENTITY,
  KINDS,
  LABELS,
  LEGACY_GROUP,
  LEGACY_IDENTITY,
  LOWER_UUID,
  toLabelValue,
  VERSION,
} from "../types/mod.ts";
import {
  type DirectCSIDrive,
  type DirectCSIVolume,
  LEGACY_FINALIZERS,
  LEGACY_LABELS,
} from "./types.ts";

/** Rewrites a `direct.csi.min.io` key or finalizer to its `directpv.min.io` form. */
export function rewriteGroup(key: string): string {
  return key.startsWith(LEGACY_GROUP) ? GROUP + key.slice(LEGACY_GROUP.length) : key;
}

const DRIVE_LABELS_DROPPED = new Set<string>([
  LEGACY_LABELS.accessTier,
  LEGACY_LABELS.createdBy,
  LEGACY_LABELS.node,
  LEGACY_LABELS.path,
  LEGACY_LABELS.version,
]);

const VOLUME_LABELS_DROPPED = new Set<string>([
  LEGACY_LABELS.createdBy,
  LEGACY_LABELS.drive,
  LEGACY_LABELS.drivePath,
  LEGACY_LABELS.node,
  LEGACY_LABELS.version,
]);

function copiedLabels(
  labels: Record<string, string> | undefined,
  dropped: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!dropped.has(k)) out[rewriteGroup(k)] = v;
  }
  return out;
}

/** Whether a legacy drive is migrated at all (status Ready or InUse). */
export function isMigratableDrive(drive: DirectCSIDrive): boolean {
  const status = drive.status?.driveStatus;
  return status === "Ready" || status === "InUse";
}

function topologyOf(legacy: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(legacy ?? {})) {
    out[rewriteGroup(k)] = v === LEGACY_IDENTITY ? IDENTITY : v;
  }
  return out;
}

/**
 * The DirectPVDrive for a (v1beta5-shaped) legacy drive: named after its filesystem UUID,
 * labelled migrated, asked to relabel, with finalizers and topology rewritten.
 *
 * @throws {InvalidArgumentError} when the filesystem UUID is not a lowercase UUID
 */
export function toDirectPVDrive(legacy: DirectCSIDrive): DirectPVDrive {
  const status = legacy.status ?? {};
  const fsuuid = status.filesystemUUID ?? "";
  const name = legacy.metadata.name ?? "";
  if (!LOWER_UUID.test(fsuuid)) {
    throw new InvalidArgumentError(`Invalid filesystem UUID "${fsuuid}" in legacy drive "${name}"`);
  }
  const tier = ACCESS_TIERS.find((t) => t !== "Default" && t === status.accessTier) ?? "Default";
  const node = status.nodeName ?? "";
  const make = [status.vendor, status.modelNumber].filter((s) => s).join(" ");
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name: fsuuid,
      labels: {
        ...copiedLabels(legacy.metadata.labels, DRIVE_LABELS_DROPPED),
        [LABELS.node]: toLabelValue(node),
        [LABELS.driveName]: toLabelValue((status.path ?? "").replace(/^\/dev\//, "")),
        [LABELS.accessTier]: tier,
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.driver,
        [LABELS.migrated]: "true",
      },
      finalizers: (legacy.metadata.finalizers ?? []).map(rewriteGroup),
    },
    spec: { relabel: true },
    status: {
      totalCapacity: status.totalCapacity ?? 0,
      allocatedCapacity: status.allocatedCapacity ?? 0,
      freeCapacity: status.freeCapacity ?? 0,
      fsuuid,
      status: "Ready",
      topology: topologyOf(status.topology),
      ...(make ? { make } : {}),
    },
  };
}

/** The DirectPVVolume for a legacy volume on an already-mapped drive. */
export function toDirectPVVolume(legacy: DirectCSIVolume, drive: DirectPVDrive): DirectPVVolume {
  const status = legacy.status ?? {};
  const labels = legacy.metadata.labels ?? {};
  const driveName = (labels[LEGACY_LABELS.drivePath] ?? "").replace(/^\/dev\//, "") ||
    (drive.metadata.labels?.[LABELS.driveName] ?? "");
  const legacyFinalizers = new Set<string>([
    LEGACY_FINALIZERS.pvProtection,
    LEGACY_FINALIZERS.purgeProtection,
  ]);
  const finalizers = (legacy.metadata.finalizers ?? [])
    .filter((f) => !legacyFinalizers.has(f)).map(rewriteGroup);
  return {
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name: legacy.metadata.name ?? "",
      labels: {
        ...copiedLabels(labels, VOLUME_LABELS_DROPPED),
        [LABELS.drive]: drive.metadata.name ?? "",
        [LABELS.node]: drive.metadata.labels?.[LABELS.node] ?? toLabelValue(status.nodeName ?? ""),
        [LABELS.driveName]: toLabelValue(driveName),
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.controller,
        [LABELS.migrated]: "true",
      },
      finalizers: [...finalizers, FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: status.hostPath ?? "",
      stagingTargetPath: status.stagingPath ?? "",
      targetPath: status.containerPath ?? "",
      fsuuid: drive.status.fsuuid,
      totalCapacity: status.totalCapacity ?? 0,
      availableCapacity: status.availableCapacity ?? 0,
      usedCapacity: status.usedCapacity ?? 0,
      status: status.stagingPath ? "Ready" : "Pending",
    },
  };
}
