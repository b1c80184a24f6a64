/** The DirectPVVolume objects CreateVolume writes (reference §2.2). */
import {
  ANNOTATIONS,
  API_VERSION,
  type ContentSource,
  CREATED_BY,
  type DirectPVVolume,
  FINALIZERS,
  formatContentSource,
  KINDS,
  LABELS,
  VERSION,
} from "../../lib/types/mod.ts";
import type { CachedDrive } from "./drive_record.ts";

/** What a new volume is made of. */
export interface NewVolumeOptions {
  name: string;
  size: number;
  /** The StorageClass's volume claim id, copied to the `claim-id` label. */
  claimId?: string | undefined;
  /** What the node server copies into the volume (annotated on it). */
  contentSource?: ContentSource | undefined;
}

/** The labels CreateVolume sets on a volume placed on `drive`. */
export function volumeLabels(drive: CachedDrive, claimId?: string): Record<string, string> {
  const driveLabels = drive.metadata.labels ?? {};
  return {
    [LABELS.drive]: drive.metadata.name ?? "",
    [LABELS.node]: driveLabels[LABELS.node] ?? drive.status.topology?.[LABELS.node] ?? "",
    [LABELS.driveName]: driveLabels[LABELS.driveName] ?? "",
    [LABELS.version]: VERSION,
    [LABELS.createdBy]: CREATED_BY.controller,
    ...(claimId !== undefined ? { [LABELS.claimId]: claimId } : {}),
  };
}

/** A Pending volume of `size` bytes on `drive`, with both protection finalizers. */
export function newVolume(drive: CachedDrive, options: NewVolumeOptions): DirectPVVolume {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name: options.name,
      labels: volumeLabels(drive, options.claimId),
      ...(options.contentSource
        ? {
          annotations: { [ANNOTATIONS.contentSource]: formatContentSource(options.contentSource) },
        }
        : {}),
      finalizers: [FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: "",
      stagingTargetPath: "",
      targetPath: "",
      fsuuid: drive.status.fsuuid,
      totalCapacity: options.size,
      availableCapacity: options.size,
      usedCapacity: 0,
      status: "Pending",
    },
  };
}

/** The annotations of a reset volume: the existing ones, its content source replaced by fresh's. */
function annotationsOf(existing: DirectPVVolume, fresh: DirectPVVolume) {
  const annotations = { ...existing.metadata.annotations };
  delete annotations[ANNOTATIONS.contentSource];
  Object.assign(annotations, fresh.metadata.annotations);
  return Object.keys(annotations).length > 0 ? { annotations } : {};
}

/**
 * An existing volume overwritten with the labels, finalizers and status of `fresh`, as
 * DirectPV does when CreateVolume finds a volume of the same name. Other labels are kept.
 */
export function resetVolume(existing: DirectPVVolume, fresh: DirectPVVolume): DirectPVVolume {
  const finalizers = new Set([
    ...(existing.metadata.finalizers ?? []),
    ...(fresh.metadata.finalizers ?? []),
  ]);
  return {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata.labels, ...fresh.metadata.labels },
      ...annotationsOf(existing, fresh),
      finalizers: [...finalizers],
    },
    status: { ...fresh.status },
  };
}

/** A name Kubernetes accepts for the volume object and its drive finalizer. */
const PLAIN_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 63;

/**
 * The volume id (and DirectPVVolume name) for a CreateVolume name. A PV name such as
 * `pvc-<uid>` is used as it is, like DirectPV. Other names (csi-sanity's mixed-case ones,
 * names over 63 characters) cannot name a Kubernetes object or a drive finalizer, so they
 * get a stable id: the name lowercased with other characters turned into `-`, cut, and an
 * 8-hex-digit hash of the full name appended. The same name always gives the same id.
 *
 * @example await volumeIdFor("pvc-5d2c") === "pvc-5d2c"
 */
export async function volumeIdFor(name: string): Promise<string> {
  if (name.length <= MAX_NAME && PLAIN_NAME.test(name)) return name;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name));
  const hash = Array.from(
    new Uint8Array(digest).slice(0, 4),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, MAX_NAME - 9)
    .replace(/^-+|-+$/g, "");
  return `${base || "volume"}-${hash}`;
}
