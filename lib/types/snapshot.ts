/**
 * DirectPVSnapshot (ours, not a DirectPV kind): a read-only reflink copy of one volume's data
 * directory, kept on the volume's drive at `<mount>/.directpv/snapshots/<name>`. The
 * controller writes the object; the node server of the drive cuts the copy and marks it
 * ready, and removes the copy when the object is deleted.
 */
import { API_VERSION, KINDS, VERSION } from "./consts.ts";
import type { DirectPVDrive } from "./drive.ts";
import { CREATED_BY, FINALIZERS, LABELS, snapshotFinalizer } from "./labels.ts";
import type { Condition, KubeObject } from "./meta.ts";
import type { DirectPVVolume } from "./volume.ts";

export interface SnapshotSpec {
  /** The volume the snapshot was cut from (it may be deleted since: the copy stays). */
  sourceVolume: string;
  /** FSUUID of the drive that holds the copy (the source volume's drive). */
  fsuuid: string;
  /** Bytes held on the drive for the snapshot: the source volume's size when it was cut. */
  sizeBytes: number;
}

export interface SnapshotStatus {
  /** True once the node server has cut the copy. */
  readyToUse: boolean;
  /** When the copy was cut (RFC 3339). */
  creationTime?: string;
  /** `CopyFailed` when the node server cannot cut the copy, with its message. */
  conditions?: Condition[];
}

export interface DirectPVSnapshot extends KubeObject {
  spec: SnapshotSpec;
  status: SnapshotStatus;
}

/** Condition types of copies the node server makes (snapshots, clones, restores). */
export const COPY_CONDITIONS = {
  /** On a volume made from a content source: True once its data is in place. */
  contentCopied: "ContentCopied",
  /** On a snapshot or volume whose copy failed for good (with the reason in the message). */
  copyFailed: "CopyFailed",
} as const;

/** The relative directory, on a drive's mount, of the snapshot `name`. */
export function snapshotDirName(name: string): string {
  return `.directpv/snapshots/${name}`;
}

/** What a volume is made from: another volume (clone) or a snapshot (restore). */
export interface ContentSource {
  kind: "volume" | "snapshot";
  name: string;
}

/** The annotation value of a content source (`volume/<id>`, `snapshot/<id>`). */
export function formatContentSource(source: ContentSource): string {
  return `${source.kind}/${source.name}`;
}

/** Parses a content-source annotation; undefined when absent or malformed. */
export function parseContentSource(value: string | undefined): ContentSource | undefined {
  const match = /^(volume|snapshot)\/(.+)$/.exec(value ?? "");
  if (!match) return undefined;
  return { kind: match[1] as ContentSource["kind"], name: match[2] ?? "" };
}

/** Where a node-side copy stands, as its object's conditions say. */
export type CopyState =
  | { state: "pending" }
  | { state: "done" }
  | { state: "failed"; message: string };

/** The copy state of conditions: done with `doneType` True, failed with CopyFailed True. */
export function copyStateOf(
  conditions: readonly Condition[] | undefined,
  doneType: string = COPY_CONDITIONS.contentCopied,
): CopyState {
  const list = conditions ?? [];
  if (list.some((c) => c.type === doneType && c.status === "True")) return { state: "done" };
  const failed = list.find((c) => c.type === COPY_CONDITIONS.copyFailed && c.status === "True");
  return failed ? { state: "failed", message: failed.message } : { state: "pending" };
}

/** The copy state of a snapshot: done once ready to use. */
export function snapshotCopyState(snapshot: DirectPVSnapshot): CopyState {
  if (snapshot.status.readyToUse) return { state: "done" };
  return copyStateOf(snapshot.status.conditions);
}

/** `conditions` with the condition of that type replaced by (or extended with) `condition`. */
export function withCondition(
  conditions: readonly Condition[] | undefined,
  condition: Condition,
): Condition[] {
  return [...(conditions ?? []).filter((c) => c.type !== condition.type), condition];
}

/**
 * Gives the bytes a snapshot holds back to its drive, in place: the snapshot's finalizer goes
 * and `size` moves from allocated to free. False (nothing changed) when the drive holds none
 * for it, so a retry gives them back once.
 */
export function releaseSnapshotBytes(drive: DirectPVDrive, name: string, size: number): boolean {
  const finalizer = snapshotFinalizer(name);
  const finalizers = drive.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return false;
  drive.metadata.finalizers = finalizers.filter((f) => f !== finalizer);
  drive.status.freeCapacity += size;
  drive.status.allocatedCapacity = Math.max(0, drive.status.allocatedCapacity - size);
  return true;
}

/** A new snapshot of `volume`, not cut yet, as the controller writes it. */
export function newSnapshot(id: string, volume: DirectPVVolume): DirectPVSnapshot {
  const labels = volume.metadata.labels ?? {};
  return {
    apiVersion: API_VERSION,
    kind: KINDS.snapshot,
    metadata: {
      name: id,
      labels: {
        [LABELS.node]: labels[LABELS.node] ?? "",
        [LABELS.drive]: labels[LABELS.drive] ?? volume.status.fsuuid,
        [LABELS.sourceVolume]: volume.metadata.name ?? "",
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.controller,
      },
      finalizers: [FINALIZERS.snapshotProtection],
    },
    spec: {
      sourceVolume: volume.metadata.name ?? "",
      fsuuid: volume.status.fsuuid,
      sizeBytes: volume.status.totalCapacity,
    },
    status: { readyToUse: false },
  };
}
