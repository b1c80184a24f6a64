/**
 * Drive selection for CreateVolume (reference §3.2), as pure functions over drive objects.
 * The caller supplies the drives (from a watch cache) and a source of randomness.
 */
import {
  ACCESS_TIERS,
  ANY_UUID,
  type DriveSpec,
  type DriveStatusFields,
  GROUP,
  LABELS,
  type ObjectMeta,
  parseAccessTier,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "../types/mod.ts";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
  ResourceExhaustedError,
} from "../errors/mod.ts";

/**
 * The fields of a drive that selection reads. A DirectPVDrive is one; so is a cache's compact
 * record of it, which need not keep the rest.
 */
export interface SchedulableDrive {
  metadata: Pick<ObjectMeta, "name" | "deletionTimestamp" | "labels" | "finalizers">;
  spec?: Pick<DriveSpec, "unschedulable">;
  status: Pick<
    DriveStatusFields,
    "totalCapacity" | "allocatedCapacity" | "freeCapacity" | "status" | "topology"
  >;
}

/** Topology segments, e.g. `{"directpv.min.io/node": "node-1"}`. */
export type Topology = Record<string, string>;

/** What CreateVolume asks for, reduced to the facts selection needs. */
export interface VolumeRequest {
  name: string;
  /** `capacity_range.required_bytes`; undefined when the request has no capacity range. */
  requiredBytes?: number;
  parameters: Record<string, string>;
  preferred: Topology[];
  requisite: Topology[];
}

/**
 * Checks the `directpv.min.io/*` StorageClass parameters that have a fixed form.
 *
 * @throws {InvalidArgumentError} for an unknown access tier or a volume claim id that is not a UUID
 */
export function validateVolumeParameters(
  volumeName: string,
  parameters: Record<string, string>,
): void {
  const tier = parameters[LABELS.accessTier];
  if (tier !== undefined && parseAccessTier(tier) === undefined) {
    throw new InvalidArgumentError(
      `unknown access-tier ${tier} for volume ${volumeName}; must be one of ${
        ACCESS_TIERS.join(", ")
      }`,
    );
  }
  const claimId = parameters[LABELS.volumeClaimId];
  if (claimId !== undefined && !ANY_UUID.test(claimId)) {
    throw new InvalidArgumentError(`invalid volume claim ID ${claimId}; must be a UUID`);
  }
}

function matchesTopologies(drive: SchedulableDrive, topologies: Topology[]): boolean {
  const driveTopology = drive.status.topology ?? {};
  return topologies.every((segments) =>
    Object.entries(segments).every(([key, value]) => driveTopology[key] === value)
  );
}

function matchesParameters(drive: SchedulableDrive, parameters: Record<string, string>): boolean {
  const labels = drive.metadata.labels ?? {};
  for (const [key, value] of Object.entries(parameters)) {
    if (!key.startsWith(GROUP)) continue;
    if (key === LABELS.accessTier) {
      const tier = parseAccessTier(value);
      if (tier !== undefined && (labels[LABELS.accessTier] ?? "") !== tier) return false;
    } else if (key === LABELS.volumeClaimId) {
      if (labels[volumeClaimIdLabel(value)] === "true") return false;
    } else if (labels[key] !== value) {
      return false;
    }
  }
  return true;
}

/**
 * What is wrong with a drive's capacity figures, or undefined when they are sound: each a
 * whole number of bytes from 0 to 2^53 - 1, and neither the free nor the allocated bytes
 * beyond the total. Our servers never write anything else; a drive that says otherwise was
 * written by someone else, and no volume is placed on it.
 */
export function capacityProblem(drive: SchedulableDrive): string | undefined {
  const { totalCapacity, freeCapacity, allocatedCapacity } = drive.status ?? {};
  const figures = { totalCapacity, freeCapacity, allocatedCapacity };
  for (const [field, value] of Object.entries(figures)) {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      const shown = value === undefined ? "missing" : JSON.stringify(value);
      return `status.${field} is ${shown}, not a byte count`;
    }
  }
  const total = totalCapacity as number;
  if ((freeCapacity as number) > total || (allocatedCapacity as number) > total) {
    return `free (${freeCapacity}) or allocated (${allocatedCapacity}) bytes exceed the total ` +
      `(${total})`;
  }
  return undefined;
}

/** Whether a drive can take a new volume for this request (reference §3.2 step 2). */
export function matchDrive(drive: SchedulableDrive, request: VolumeRequest): boolean {
  if (drive.metadata.deletionTimestamp) return false;
  if (capacityProblem(drive) !== undefined) return false;
  if (drive.status.status !== "Ready") return false;
  if (drive.spec?.unschedulable) return false;
  if (request.requiredBytes !== undefined && drive.status.freeCapacity < request.requiredBytes) {
    return false;
  }
  if (!matchesParameters(drive, request.parameters)) return false;
  if (request.preferred.length > 0 && matchesTopologies(drive, request.preferred)) return true;
  if (request.requisite.length > 0 && matchesTopologies(drive, request.requisite)) return true;
  return request.preferred.length === 0 && request.requisite.length === 0;
}

/** Whether the drive already holds the named volume (its finalizer is present). */
export function holdsVolume(drive: SchedulableDrive, volumeName: string): boolean {
  return (drive.metadata.finalizers ?? []).includes(volumeFinalizer(volumeName));
}

function requestedNodes(request: VolumeRequest): string[] {
  const from = request.preferred.length > 0 ? request.preferred : request.requisite;
  return from.map((t) => t[LABELS.node]).filter((n): n is string => n !== undefined);
}

function noDriveError(request: VolumeRequest): Error {
  if (request.preferred.length > 0 || request.requisite.length > 0) {
    return new ResourceExhaustedError(
      `no drive found for requested topology; requested node(s): ${
        requestedNodes(request).join(",")
      }; requested size: ${request.requiredBytes ?? 0} bytes`,
    );
  }
  if (request.requiredBytes !== undefined) {
    return new OutOfRangeError(`no drive found for requested size ${request.requiredBytes}`);
  }
  return new FailedPreconditionError("no drive found");
}

/** Options of {@linkcode selectDrive}. */
export interface SelectOptions {
  /** Returns an integer in `[0, n)`; defaults to a cryptographically random one. */
  randomIndex?: (n: number) => number;
}

function cryptoIndex(n: number): number {
  const buf = new Uint32Array(1);
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  do crypto.getRandomValues(buf); while ((buf[0] as number) >= limit);
  return (buf[0] as number) % n;
}

/**
 * Picks the drive for a volume: the drive that already holds it (idempotent retry), else the
 * matching drive with the most free capacity, ties broken at random.
 *
 * @throws {ResourceExhaustedError} no drive matched a request with topology
 * @throws {OutOfRangeError} no drive matched a request with a size
 * @throws {FailedPreconditionError} no drive matched at all
 */
export function selectDrive<D extends SchedulableDrive>(
  drives: Iterable<D>,
  request: VolumeRequest,
  options: SelectOptions = {},
): D {
  let best: D[] = [];
  let bestFree = -1;
  for (const drive of drives) {
    if (holdsVolume(drive, request.name)) return drive;
    if (!matchDrive(drive, request)) continue;
    const free = drive.status.freeCapacity;
    if (free > bestFree) {
      bestFree = free;
      best = [drive];
    } else if (free === bestFree) {
      best.push(drive);
    }
  }
  if (best.length === 0) throw noDriveError(request);
  if (best.length === 1) return best[0] as D;
  const index = (options.randomIndex ?? cryptoIndex)(best.length);
  return best[index] as D;
}
