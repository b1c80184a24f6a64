/**
 * CreateVolume from a content source: a clone of a volume or a restore of a snapshot. Reflink
 * shares extents only within one filesystem, so the new volume goes on the drive that holds
 * the source's data, and is at least as big as the source. The controller only writes the
 * volume (annotated with its source); the node server of the drive copies the data by reflink
 * and marks the volume ContentCopied, and CreateVolume answers once it has.
 */
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import type { VolumeRequest } from "../../lib/scheduling/mod.ts";
import { type ContentSource, LABELS } from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import type { CachedDrive } from "./drive_record.ts";
import type { SizeRange } from "./controller_validate.ts";

/** A content source found, with the drive its data is on and its size. */
export interface ResolvedSource {
  source: ContentSource;
  /** What failures start with: `Cannot create volume "pvc-2" from volume "pvc-1"`. */
  label: string;
  drive: CachedDrive;
  sizeBytes: number;
}

/** The source a request names; undefined without one. */
export function contentSourceOf(req: csi.CreateVolumeRequest): ContentSource | undefined {
  const source = req.volumeContentSource;
  if (source === undefined) return undefined;
  const found: ContentSource | undefined = source.volume
    ? { kind: "volume", name: source.volume.volumeId }
    : source.snapshot
    ? { kind: "snapshot", name: source.snapshot.snapshotId }
    : undefined;
  if (found === undefined || found.name === "") {
    throw new InvalidArgumentError(
      `Cannot create volume "${req.name}" from an empty content source: name a volume or a ` +
        `snapshot`,
    );
  }
  return found;
}

async function sourceFacts(
  deps: ControllerDeps,
  source: ContentSource,
  label: string,
  signal: AbortSignal,
): Promise<{ drive: string; sizeBytes: number }> {
  try {
    if (source.kind === "volume") {
      const volume = await deps.kube.volumes.get(source.name, { signal });
      if (volume.metadata.deletionTimestamp) {
        throw new NotFoundError(`${label}: it is being deleted`);
      }
      const drive = volume.metadata.labels?.[LABELS.drive] ?? volume.status.fsuuid;
      return { drive, sizeBytes: volume.status.totalCapacity };
    }
    const snapshot = await deps.kube.snapshots.get(source.name, { signal });
    if (snapshot.metadata.deletionTimestamp) {
      throw new NotFoundError(`${label}: it is being deleted`);
    }
    if (!snapshot.status.readyToUse) {
      throw new FailedPreconditionError(`${label}: the snapshot is not ready to use yet`);
    }
    return { drive: snapshot.spec.fsuuid, sizeBytes: snapshot.spec.sizeBytes };
  } catch (err) {
    if (!(err instanceof NotFoundError) || err.message.startsWith(label)) throw err;
    throw new NotFoundError(`${label}: ${source.kind} not found`, { cause: err });
  }
}

/**
 * Finds the source of a request and the drive holding its data.
 *
 * @throws {InvalidArgumentError} for an empty source
 * @throws {NotFoundError} when the volume or snapshot does not exist (naming it)
 * @throws {FailedPreconditionError} when a snapshot is not ready or the source's drive is gone
 */
export async function resolveContentSource(
  deps: ControllerDeps,
  req: csi.CreateVolumeRequest,
  signal: AbortSignal,
): Promise<ResolvedSource | undefined> {
  const source = contentSourceOf(req);
  if (source === undefined) return undefined;
  const label = `Cannot create volume "${req.name}" from ${source.kind} "${source.name}"`;
  const facts = await sourceFacts(deps, source, label, signal);
  const drive = deps.drives.get(facts.drive);
  if (!drive || drive.metadata.deletionTimestamp) {
    throw new FailedPreconditionError(`${label}: its drive "${facts.drive}" is not found`);
  }
  return { source, label, drive, sizeBytes: facts.sizeBytes };
}

function segmentsMatch(drive: CachedDrive, segments: Record<string, string>): boolean {
  const topology = drive.status.topology ?? {};
  return Object.entries(segments).every(([k, v]) => topology[k] === v);
}

/**
 * The size range of a volume made from `resolved`: a request without a size gets the source's
 * size; the volume is never smaller than the source.
 *
 * @throws {OutOfRangeError} when the range does not admit the source's size
 */
export function contentSizeRange(range: SizeRange, resolved: ResolvedSource): SizeRange {
  const need = resolved.sizeBytes;
  const required = Math.max(range.requiredBytes ?? need, need);
  if (range.limitBytes !== undefined && range.limitBytes < need) {
    throw new OutOfRangeError(
      `${resolved.label}: limit bytes ${range.limitBytes} are below ` +
        `the source's ${need} bytes`,
    );
  }
  if (range.requiredBytes !== undefined && range.requiredBytes < need) {
    throw new OutOfRangeError(
      `${resolved.label}: required bytes ${range.requiredBytes} ` +
        `are below the source's ${need} bytes`,
    );
  }
  return { ...range, requiredBytes: required };
}

/**
 * Checks that the request's topology admits the source's drive (a clone cannot leave it).
 *
 * @throws {InvalidArgumentError} when every requested topology excludes the drive
 */
export function requireSourceTopology(request: VolumeRequest, resolved: ResolvedSource): void {
  const all = [...request.requisite, ...request.preferred];
  if (all.length === 0 || all.some((t) => segmentsMatch(resolved.drive, t))) return;
  const node = resolved.drive.status.topology?.[LABELS.node] ?? "";
  const asked = [...new Set(all.map((t) => t[LABELS.node]).filter((n) => n !== undefined))];
  throw new InvalidArgumentError(
    `${resolved.label}: its data is on drive ` +
      `"${resolved.drive.metadata.name}" on node "${node}", outside the requested topology` +
      (asked.length > 0 ? ` (node ${asked.map((n) => `"${n}"`).join(", ")})` : "") +
      `; a copy by reflink stays on its source's drive`,
  );
}
