/**
 * Capacity reservation on drives with optimistic concurrency. A reservation adds the drive's
 * `directpv.min.io.volume/<name>` finalizer (plus the claim label) and moves the size from
 * free to allocated in one update carrying the cached resourceVersion, so two controllers or
 * two concurrent calls can never both spend the same bytes: the loser gets a ConflictError,
 * re-reads the drive into the cache and selects again.
 */
import {
  AbortedError,
  ConflictError,
  NotFoundError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import { UNCHANGED, updateByPatch, updateIfExists, updateWithRetry } from "../../lib/k8s/mod.ts";
import {
  holdsVolume,
  matchDrive,
  selectDrive,
  type VolumeRequest,
} from "../../lib/scheduling/mod.ts";
import {
  ANNOTATIONS,
  countedSize,
  type DirectPVDrive,
  LABELS,
  pendingSizesOf,
  setPendingSize,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { type ControllerDeps, DEFAULT_RESERVE_ATTEMPTS } from "./controller_deps.ts";
import type { CachedDrive } from "./drive_record.ts";

/** Where a volume goes and how big it is. */
export interface Placement {
  /** The drive as last stored (after the reservation when `reserved`). */
  drive: CachedDrive;
  /** Bytes of the volume. */
  size: number;
  /** True when this call made the reservation (and must undo it if the volume is not written). */
  reserved: boolean;
}

/** Extra facts a reservation needs beside the selection request. */
export interface ReserveOptions {
  /** The StorageClass's volume claim id; the drive gets `volume-claim-id-<id>=true`. */
  claimId?: string;
  /** Upper bound of the volume size when the request has no required size. */
  limitBytes?: number;
  /** The only drive the volume may go on (a clone goes on its source's drive). */
  onlyDrive?: string;
  signal?: AbortSignal;
}

/** A copy of `drive` with `size` bytes reserved for `volume`. */
export function withReservation(
  drive: CachedDrive,
  volume: string,
  size: number,
  claimId?: string,
  pending?: Record<string, number>,
): CachedDrive {
  const labels = { ...drive.metadata.labels };
  if (claimId !== undefined) labels[volumeClaimIdLabel(claimId)] = "true";
  return {
    ...drive,
    metadata: {
      ...drive.metadata,
      labels,
      // A size the drive chose is recorded beside the `pending` entries it has, so a retry
      // after a crash finds it (a patch merges this one key into the stored annotations).
      ...(pending
        ? {
          annotations: {
            [ANNOTATIONS.pendingSizes]: JSON.stringify({ ...pending, [volume]: size }),
          },
        }
        : {}),
      finalizers: [...(drive.metadata.finalizers ?? []), volumeFinalizer(volume)],
    },
    status: {
      ...drive.status,
      freeCapacity: drive.status.freeCapacity - size,
      allocatedCapacity: drive.status.allocatedCapacity + size,
    },
  };
}

/** The size of a new volume on `drive`: the required bytes, else all the free space (capped). */
function volumeSize(drive: CachedDrive, request: VolumeRequest, limit?: number): number {
  if (request.requiredBytes !== undefined) return request.requiredBytes;
  const free = Math.max(0, drive.status.freeCapacity);
  return limit === undefined ? free : Math.min(free, limit);
}

function* selectable(
  drives: readonly CachedDrive[],
  skip: ReadonlySet<string>,
  deps: ControllerDeps,
  volume: string,
): Generator<CachedDrive> {
  for (const d of drives) {
    const name = d.metadata.name ?? "";
    if (skip.has(name)) continue;
    if (deps.busy.has(name) && !holdsVolume(d, volume)) continue;
    yield d;
  }
}

/**
 * The node names a request's topology pins drives to, or undefined when some topology entry
 * names no node (or there is none): a drive matching the topology is on one of these nodes.
 */
export function topologyNodes(request: VolumeRequest): string[] | undefined {
  const all = [...request.preferred, ...request.requisite];
  if (all.length === 0) return undefined;
  const nodes = new Set<string>();
  for (const t of all) {
    const node = t[LABELS.node];
    if (node === undefined) return undefined;
    nodes.add(node);
  }
  return [...nodes];
}

/**
 * The drives worth looking at: the one drive allowed, else holders of the volume plus the
 * drives of the pinned nodes.
 */
function candidates(
  deps: ControllerDeps,
  request: VolumeRequest,
  onlyDrive: string | undefined,
): readonly CachedDrive[] {
  const cache = deps.drives;
  if (onlyDrive !== undefined) {
    const drive = cache.get(onlyDrive);
    return drive ? [drive] : [];
  }
  const nodes = cache.onNode && cache.holding ? topologyNodes(request) : undefined;
  if (!nodes || !cache.onNode || !cache.holding) return cache.list();
  const out = [...cache.holding(request.name)];
  for (const node of nodes) out.push(...cache.onNode(node));
  return out;
}

/**
 * Whether a drive with a reservation in flight could still take the request once that
 * reservation settles (it fits now; a reservation that fails gives its bytes back, one that
 * succeeds only shrinks the drive).
 */
function busyCouldFit(
  drives: readonly CachedDrive[],
  skip: ReadonlySet<string>,
  deps: ControllerDeps,
  request: VolumeRequest,
): boolean {
  return drives.some((d) => {
    const name = d.metadata.name ?? "";
    return !skip.has(name) && deps.busy.has(name) && matchDrive(d, request);
  });
}

/**
 * Selects over the cache; undefined when only drives with a reservation in flight would
 * fit (the caller waits for one to finish). A request that no drive, busy or not, fits fails
 * at once rather than waiting for every reservation in flight to settle. Synchronous, so the
 * caller can mark the chosen drive busy before any other call selects.
 */
function selectFree(
  deps: ControllerDeps,
  request: VolumeRequest,
  skip: ReadonlySet<string>,
  onlyDrive?: string,
): CachedDrive | undefined {
  const select = deps.randomIndex ? { randomIndex: deps.randomIndex } : {};
  const all = candidates(deps, request, onlyDrive);
  const everything = skip.size === 0 && deps.busy.size === 0;
  const drives = everything ? all : selectable(all, skip, deps, request.name);
  try {
    return selectDrive(drives, request, select);
  } catch (err) {
    if (deps.busy.size === 0 || !busyCouldFit(all, skip, deps, request)) throw err;
    return undefined;
  }
}

/** Re-reads a drive into the cache after a lost race; a vanished drive is skipped. */
async function refresh(
  deps: ControllerDeps,
  name: string,
  skip: Set<string>,
  signal?: AbortSignal,
): Promise<void> {
  try {
    deps.drives.apply(await deps.kube.drives.get(name, signal ? { signal } : {}));
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    skip.add(name);
  }
}

/**
 * The pending sizes a cached drive has (the cache keeps no annotations, so it is read).
 *
 * @throws {ConflictError} when the stored drive is newer than the cached one
 */
async function pendingOfCached(
  deps: ControllerDeps,
  drive: CachedDrive,
): Promise<Record<string, number>> {
  const stored = await deps.kube.drives.get(drive.metadata.name ?? "");
  if (stored.metadata.resourceVersion !== drive.metadata.resourceVersion) {
    throw new ConflictError(`Drive "${drive.metadata.name}" changed since it was cached`);
  }
  return pendingSizesOf(stored);
}

/**
 * The size of a volume a drive already holds: the required bytes, else what the drive
 * recorded when it chose the size (the cache keeps no annotations, so it is read).
 */
async function heldSize(
  deps: ControllerDeps,
  driveName: string,
  request: VolumeRequest,
  size: number,
): Promise<number> {
  if (request.requiredBytes !== undefined) return size;
  const stored = await deps.kube.drives.get(driveName);
  return pendingSizesOf(stored)[request.name] ?? size;
}

/**
 * Selects a drive for the volume and reserves its capacity. A drive that already holds the
 * volume's finalizer (a retried call) is returned without a new reservation.
 *
 * @throws {ResourceExhaustedError | OutOfRangeError | FailedPreconditionError} no drive fits
 * @throws {AbortedError} when every round lost a race
 */
export async function reserveDrive(
  deps: ControllerDeps,
  request: VolumeRequest,
  options: ReserveOptions = {},
): Promise<Placement> {
  const skip = new Set<string>();
  const rounds = deps.maxReserveAttempts ?? DEFAULT_RESERVE_ATTEMPTS;
  const write = options.signal ? { signal: options.signal } : {};
  for (let round = 0; round < rounds;) {
    const drive = selectFree(deps, request, skip, options.onlyDrive);
    if (drive === undefined) {
      await deps.busy.whenAnyFree();
      continue;
    }
    round++;
    const size = volumeSize(drive, request, options.limitBytes);
    const name = drive.metadata.name ?? "";
    if (holdsVolume(drive, request.name)) {
      return { drive, size: await heldSize(deps, name, request, size), reserved: false };
    }
    try {
      const stored = await deps.busy.run(name, async () => {
        const pending = request.requiredBytes === undefined
          ? await pendingOfCached(deps, drive)
          : undefined;
        const next = withReservation(drive, request.name, size, options.claimId, pending);
        const written = await updateByPatch(deps.kube.drives, drive, next, write);
        deps.drives.apply(written);
        return written;
      });
      return { drive: stored, size, reserved: true };
    } catch (err) {
      if (err instanceof ConflictError) await refresh(deps, name, skip, options.signal);
      else if (err instanceof NotFoundError) skip.add(name);
      else throw err;
    }
  }
  throw new AbortedError(
    `Cannot reserve capacity for volume "${request.name}": drives changed during ${rounds} ` +
      `attempts; retry`,
  );
}

/**
 * Gives a reservation back: removes the volume's finalizer and claim label and returns the
 * bytes to free. A drive that no longer holds the volume is left alone.
 *
 * @throws {ConflictError} when every attempt lost a race
 */
export async function releaseReservation(
  deps: ControllerDeps,
  placement: Placement,
  volume: string,
  claimId?: string,
): Promise<void> {
  const finalizer = volumeFinalizer(volume);
  const stored = await updateWithRetry(
    deps.kube.drives,
    placement.drive.metadata.name ?? "",
    (d) => {
      const finalizers = d.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return UNCHANGED;
      d.metadata.finalizers = finalizers.filter((f) => f !== finalizer);
      if (claimId !== undefined) delete d.metadata.labels?.[volumeClaimIdLabel(claimId)];
      d.status.freeCapacity += placement.size;
      d.status.allocatedCapacity -= placement.size;
      return d;
    },
  );
  deps.drives.apply(stored);
}

/**
 * Has a drive's allocation count `required` bytes for a volume of `size` bytes that grows,
 * recording the expansion on the drive in the same write (see lib/types `pendingSizesOf`): a
 * retry after a crash finds the bytes already counted and moves only what is still missing.
 *
 * @throws {OutOfRangeError} when the drive has fewer free bytes than are missing
 * @throws {NotFoundError} when the drive is gone
 */
export async function reserveExpansion(
  deps: ControllerDeps,
  driveName: string,
  volume: string,
  size: number,
  required: number,
): Promise<DirectPVDrive> {
  const stored = await updateWithRetry(deps.kube.drives, driveName, (d) => {
    const delta = required - countedSize(d, volume, size);
    if (delta === 0 && pendingSizesOf(d)[volume] === required) return UNCHANGED;
    if (delta > d.status.freeCapacity) {
      throw new OutOfRangeError(
        `Cannot expand volume "${volume}": drive "${driveName}" has ${d.status.freeCapacity} ` +
          `bytes free, ${delta} more are needed`,
      );
    }
    d.status.freeCapacity -= delta;
    d.status.allocatedCapacity += delta;
    setPendingSize(d, volume, required);
    return d;
  }, { attempts: DEFAULT_RESERVE_ATTEMPTS });
  deps.drives.apply(stored);
  return stored;
}

/**
 * Ends a volume's expansion on its drive once the volume's stored size is known: gives back
 * what the drive counts beyond `size` and removes the entry. A drive without one, or gone,
 * is left alone.
 */
export async function settlePendingSize(
  deps: ControllerDeps,
  driveName: string,
  volume: string,
  size: number,
): Promise<void> {
  const stored = await updateIfExists(deps.kube.drives, driveName, (d) => {
    if (pendingSizesOf(d)[volume] === undefined) return UNCHANGED;
    const excess = countedSize(d, volume, size) - size;
    d.status.freeCapacity += excess;
    d.status.allocatedCapacity -= excess;
    setPendingSize(d, volume, undefined);
    return d;
  });
  if (stored) deps.drives.apply(stored);
}
