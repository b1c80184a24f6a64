/** What the Controller service handlers need: the API client, a drive cache, events, a logger. */
import { UnavailableError } from "../../lib/errors/mod.ts";
import type { KubeClient } from "../../lib/k8s/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  LABELS,
} from "../../lib/types/mod.ts";
import type { EventSink } from "../events.ts";
import type { CachedDrive } from "./drive_record.ts";

/**
 * The cache of every DirectPVDrive that CreateVolume selects from (an informer): reads never
 * go to the API server; `apply` folds in an object the caller just read or wrote, so the next
 * selection sees it before the watch delivers it. It may keep only compact records.
 */
export interface DriveCache {
  /** Every cached drive. */
  list(): readonly CachedDrive[];
  /** The cached drive of that name. */
  get(name: string): CachedDrive | undefined;
  /** Stores a fresher copy of a drive (ignored when older than the cached one). */
  apply(drive: DirectPVDrive): void;
  /** Drives whose topology names `node` (an index; without it every drive is scanned). */
  onNode?(node: string): readonly CachedDrive[];
  /** Drives holding the finalizer of `volume` (an index, used with `onNode`). */
  holding?(volume: string): readonly CachedDrive[];
}

/**
 * The cache of every DirectPVVolume that ListVolumes and ControllerGetVolume read (an
 * informer). The controller's own writes are folded in at once, so a listing right after
 * CreateVolume or DeleteVolume already shows them.
 */
export interface VolumeCache {
  /** Every cached volume. */
  list(): readonly DirectPVVolume[];
  /** The cached volume of that name. */
  get(name: string): DirectPVVolume | undefined;
  /** Stores a fresher copy of a volume (ignored when older than the cached one). */
  apply(volume: DirectPVVolume): void;
  /** Drops a volume the controller has seen vanish. */
  forget(name: string): void;
  /** Whether the first full list has arrived. */
  synced(): boolean;
}

/** The informer calls {@linkcode indexedDriveCache} needs. */
export interface DriveInformer {
  list(): CachedDrive[];
  get(name: string): CachedDrive | undefined;
  apply(drive: DirectPVDrive): boolean;
  addIndex(name: string, fn: (drive: CachedDrive) => string[]): void;
  byIndex(name: string, value: string): CachedDrive[];
}

/**
 * A drive cache over an informer with two indexes, so CreateVolume with a node topology
 * only looks at that node's drives (and any drive already holding the volume).
 */
export function indexedDriveCache(informer: DriveInformer): DriveCache {
  informer.addIndex("node", (d) => {
    const node = d.status?.topology?.[LABELS.node];
    return node === undefined ? [] : [node];
  });
  informer.addIndex("volume", (d) =>
    (d.metadata.finalizers ?? [])
      .filter((f) => f.startsWith(FINALIZERS.volumePrefix))
      .map((f) => f.slice(FINALIZERS.volumePrefix.length)));
  return {
    list: () => informer.list(),
    get: (name) => informer.get(name),
    apply: (drive) => void informer.apply(drive),
    onNode: (node) => informer.byIndex("node", node),
    holding: (volume) => informer.byIndex("volume", volume),
  };
}

/** The informer calls {@linkcode informerVolumeCache} needs. */
export interface VolumeInformer {
  list(): DirectPVVolume[];
  get(name: string): DirectPVVolume | undefined;
  apply(volume: DirectPVVolume): boolean;
  applyDelete(volume: DirectPVVolume): boolean;
  hasSynced(): boolean;
}

/** The volume cache over an informer of every DirectPVVolume. */
export function informerVolumeCache(informer: VolumeInformer): VolumeCache {
  return {
    list: () => informer.list(),
    get: (name) => informer.get(name),
    apply: (volume) => void informer.apply(volume),
    forget: (name) => {
      const cached = informer.get(name);
      if (cached) informer.applyDelete(cached);
    },
    synced: () => informer.hasSynced(),
  };
}

/**
 * Drives with a reservation in flight in this process. A call does not pick a busy drive
 * (unless it already holds the call's volume); when every fitting drive is busy it waits for
 * one to finish. So calls in one controller never race each other for the same drive, and
 * the resourceVersion check only has to settle races with other writers.
 */
export class BusyDrives {
  readonly #busy = new Map<string, Promise<void>>();

  /** Whether a reservation on `name` is in flight. */
  has(name: string): boolean {
    return this.#busy.has(name);
  }

  /** How many drives are busy. */
  get size(): number {
    return this.#busy.size;
  }

  /** Runs `fn` with `name` marked busy. */
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let done = () => {};
    this.#busy.set(name, new Promise<void>((resolve) => (done = resolve)));
    try {
      return await fn();
    } finally {
      this.#busy.delete(name);
      done();
    }
  }

  /** Resolves when any busy drive is free again (at once when none is busy). */
  whenAnyFree(): Promise<void> {
    return this.#busy.size === 0 ? Promise.resolve() : Promise.race(this.#busy.values());
  }
}

/** Dependencies of the Controller handlers. */
export interface ControllerDeps {
  kube: KubeClient;
  drives: DriveCache;
  events: EventSink;
  /** Reservations in flight, shared by every call of this controller. */
  busy: BusyDrives;
  /** Whether the drive cache holds the first full list; calls needing it wait for UNAVAILABLE. */
  synced?: () => boolean;
  /** Picks an index in `[0, n)` to break ties between equally free drives (random by default). */
  randomIndex?: (n: number) => number;
  /** Selection-and-reservation rounds before CreateVolume gives up with ABORTED (default 20). */
  maxReserveAttempts?: number;
  /** The volume cache; without one, volume reads go to the API server. */
  volumes?: VolumeCache;
  /** How long CreateVolume waits for a volume of the same name being deleted (default 15 s). */
  deleteWait?: { timeoutMs?: number; intervalMs?: number };
  /** How long clones, restores and snapshots wait for the node server's copy (default 60 s). */
  copyWait?: { timeoutMs?: number; intervalMs?: number };
}

/** Default number of reservation rounds. */
export const DEFAULT_RESERVE_ATTEMPTS = 20;

/**
 * Requires the drive cache to be loaded.
 *
 * @throws {UnavailableError} while the first list of drives has not arrived
 */
export function requireSynced(deps: ControllerDeps): void {
  if (deps.synced && !deps.synced()) {
    throw new UnavailableError("Cannot select drives yet: the drive cache is still loading");
  }
}
