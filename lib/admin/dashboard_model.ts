/**
 * The live state behind the web dashboard: list+watch caches of drives, volumes, PVs (for the
 * PVC of each volume) and DirectPV's events, the dashboard rows kept current from them, and
 * the API server's reachability (a cheap `/version` probe). Listeners hear which kind changed;
 * nothing is listed again after the first sync.
 */
import { errorMessage } from "../errors/mod.ts";
import { type AnyObject, Informer, type KubeClient } from "../k8s/mod.ts";
import { type Logger, nullLogger } from "../log/mod.ts";
import { API_VERSION, type DirectPVDrive, type DirectPVVolume } from "../types/mod.ts";
import {
  type DriveRow,
  driveRow,
  type EventRow,
  type Overview,
  overview,
  type Page,
  queryRows,
  type TableQuery,
  type VolumeRow,
  volumeRow,
} from "./dashboard_views.ts";

/** What changed. */
export type ChangeKind = "drives" | "volumes" | "events" | "api";

/** Whether the API server answers. */
export interface ApiStatus {
  reachable: boolean;
  /** Why not, when it does not. */
  error?: string;
  /** Since when (ISO time). */
  since: string;
}

/** Options of {@link DashboardModel}. */
export interface DashboardModelOptions {
  logger?: Logger;
  /** Namespace DirectPV records its events in (default `default`). */
  eventsNamespace?: string;
  /** Period of the reachability probe (default 3 s). */
  probeMs?: number;
  now?: () => Date;
}

function eventTime(e: AnyObject): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? "";
}

function eventRow(e: AnyObject): EventRow {
  return {
    time: eventTime(e),
    type: e.type ?? "",
    reason: e.reason ?? "",
    kind: e.involvedObject?.kind ?? "",
    object: e.involvedObject?.name ?? "",
    message: e.message ?? "",
    node: e.source?.host ?? "",
  };
}

/** The dashboard's live state; see the module doc. */
export class DashboardModel {
  readonly #kube: KubeClient;
  readonly #log: Logger;
  readonly #probeMs: number;
  readonly #now: () => Date;
  readonly #drives: Informer<DirectPVDrive>;
  readonly #volumes: Informer<DirectPVVolume>;
  readonly #pvs: Informer<AnyObject>;
  readonly #events: Informer<AnyObject>;
  readonly #driveRows = new Map<string, DriveRow>();
  readonly #volumeRows = new Map<string, VolumeRow>();
  readonly #listeners = new Set<(kind: ChangeKind) => void>();
  #api: ApiStatus;
  #probe: ReturnType<typeof setInterval> | undefined;

  constructor(kube: KubeClient, options: DashboardModelOptions = {}) {
    this.#kube = kube;
    this.#log = options.logger ?? nullLogger();
    this.#probeMs = options.probeMs ?? 3000;
    this.#now = options.now ?? (() => new Date());
    this.#api = { reachable: true, since: this.#now().toISOString() };
    const logger = this.#log;
    this.#drives = new Informer(kube.drives, { logger });
    this.#volumes = new Informer(kube.volumes, { logger });
    this.#pvs = new Informer(kube.persistentVolumes, { logger });
    this.#events = new Informer(kube.events, {
      logger,
      namespace: options.eventsNamespace ?? "default",
      fieldSelector: `involvedObject.apiVersion=${API_VERSION}`,
    });
    this.#watchRows();
  }

  #watchRows(): void {
    const drive = (d: DirectPVDrive) => this.#driveRows.set(d.metadata.name ?? "", driveRow(d));
    this.#drives.addHandlers({
      onAdd: (d) => this.#changed("drives", () => drive(d)),
      onUpdate: (_, d) => this.#changed("drives", () => drive(d)),
      onDelete: (d) => this.#changed("drives", () => this.#driveRows.delete(d.metadata.name ?? "")),
    });
    const volume = (name: string) => {
      const v = this.#volumes.get(name);
      if (v) this.#volumeRows.set(name, volumeRow(v, this.#pvs.get(name)?.spec?.claimRef));
      else this.#volumeRows.delete(name);
    };
    for (const informer of [this.#volumes, this.#pvs] as Informer<AnyObject>[]) {
      const touch = (o: AnyObject) => this.#changed("volumes", () => volume(o.metadata.name ?? ""));
      informer.addHandlers({ onAdd: touch, onUpdate: (_, o) => touch(o), onDelete: touch });
    }
    const event = () => this.#changed("events", () => {});
    this.#events.addHandlers({ onAdd: event, onUpdate: event, onDelete: event });
  }

  #changed(kind: ChangeKind, apply: () => void): void {
    apply();
    for (const listener of this.#listeners) listener(kind);
  }

  /** Calls `listener` after every change; returns a function that removes it. */
  onChange(listener: (kind: ChangeKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the watches and the reachability probe. */
  start(): void {
    for (const i of this.#informers()) i.start();
    this.#probe ??= setInterval(() => void this.probeApi(), this.#probeMs);
  }

  /** Resolves once every cache has its first list. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.#informers().map((i) => i.waitForSync(signal)));
  }

  /** Stops the watches and the probe. */
  async stop(): Promise<void> {
    if (this.#probe !== undefined) clearInterval(this.#probe);
    this.#probe = undefined;
    await Promise.all(this.#informers().map((i) => i.stop()));
  }

  #informers(): Informer<AnyObject>[] {
    return [this.#drives, this.#volumes, this.#pvs, this.#events] as Informer<AnyObject>[];
  }

  /** Asks the API server for its version once and records whether it answered. */
  async probeApi(): Promise<ApiStatus> {
    let error: string | undefined;
    try {
      await this.#kube.serverVersion();
    } catch (err) {
      error = errorMessage(err);
    }
    const reachable = error === undefined;
    if (reachable !== this.#api.reachable) {
      this.#api = {
        reachable,
        ...(error ? { error } : {}),
        since: this.#now().toISOString(),
      };
      this.#log.info(reachable ? "API server reachable again" : "API server unreachable", {
        ...(error ? { error } : {}),
      });
      this.#changed("api", () => {});
    }
    return this.#api;
  }

  /** Whether every cache has its first list. */
  synced(): boolean {
    return this.#informers().every((i) => i.hasSynced());
  }

  /** The latest reachability. */
  api(): ApiStatus {
    return this.#api;
  }

  overview(): Overview {
    return overview(this.#driveRows.values(), this.#volumeRows.size);
  }

  drives(query: TableQuery): Page<DriveRow> {
    return queryRows(this.#driveRows.values(), query, "id");
  }

  volumes(query: TableQuery): Page<VolumeRow> {
    return queryRows(this.#volumeRows.values(), query, "name");
  }

  /** The newest events first. */
  events(limit = 100): EventRow[] {
    return this.#events.list().map(eventRow)
      .sort((a, b) => b.time.localeCompare(a.time))
      .slice(0, Math.max(1, limit));
  }

  /** The node names that have drives. */
  nodes(): string[] {
    return [...new Set([...this.#driveRows.values()].map((d) => d.node))].sort();
  }
}
