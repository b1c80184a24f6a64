/**
 * Node metrics (reference §4.6): DirectPV's eight `directpv_stats_*` series, collected on
 * every scrape from this node's cached DirectPVVolumes and DirectPVDrives plus the drives'
 * block-device statistics, our `directpv_drive_*` series (drive_metrics.ts) and the process
 * metrics of the runtime.
 */
import client from "prom-client";
import { errorMessage } from "../lib/errors/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import { type DirectPVDrive, type DirectPVVolume, LABELS } from "../lib/types/mod.ts";
import { registerDriveMetrics } from "./drive_metrics.ts";
import { EVENT_REASONS, type EventInput } from "./events.ts";

/** Cumulative I/O statistics of a drive's block device (`/sys/class/block/<dev>/stat`). */
export interface DriveIoStats {
  readBytes: number;
  writeBytes: number;
  readLatencySeconds: number;
  writeLatencySeconds: number;
  waitTimeSeconds: number;
  /** The kernel's count of failed I/O on the device, where it keeps one (SCSI). */
  ioErrors?: number;
}

/**
 * What is known of a drive's device at scrape time: not located at all (no series, a
 * `Metrics` warning event), located but its statistics unreadable (ready = 0), or readable.
 */
export type DriveStatsResult =
  | { found: false; reason: string }
  | { found: true; stats: DriveIoStats | undefined };

/** A cached, read-only list of objects (an informer). */
export interface CachedList<T> {
  list(): readonly T[];
}

/** Where the collector reads from. */
export interface MetricsSource {
  /** This node's name as a label value. */
  nodeId: string;
  volumes: CachedList<DirectPVVolume>;
  drives: CachedList<DirectPVDrive>;
  /** Bytes the volume uses now (its project quota usage). */
  volumeUsedBytes(volume: DirectPVVolume): Promise<number>;
  driveStats(drive: DirectPVDrive): Promise<DriveStatsResult>;
  logger: Logger;
  events?: { record(input: EventInput): Promise<void> };
}

/** Options of {@linkcode createNodeMetrics}. */
export interface NodeMetricsOptions {
  /** Also export the runtime's process metrics (CPU, RSS, start time, heap, fds). */
  processMetrics?: boolean;
}

interface VolumeSample {
  labels: { tenant: string; volumeID: string; node: string };
  used: number | undefined;
  total: number;
}

interface DriveSample {
  drive: string;
  stats: DriveIoStats | undefined;
}

interface Snapshot {
  volumes: VolumeSample[];
  drives: DriveSample[];
}

/** The registry a node serves, and a counter of the scrapes it answered. */
export interface NodeMetrics {
  readonly registry: client.Registry;
  /** Counts one answered scrape by HTTP status code. */
  countScrape(code: number): void;
}

const VOLUME_LABELS = ["tenant", "volumeID", "node"] as const;

async function sampleVolume(src: MetricsSource, v: DirectPVVolume): Promise<VolumeSample> {
  const labels = v.metadata.labels ?? {};
  let used: number | undefined;
  try {
    used = await src.volumeUsedBytes(v);
  } catch (err) {
    src.logger.debug("Cannot read volume usage", {
      volume: v.metadata.name,
      error: errorMessage(err),
    });
  }
  return {
    labels: {
      tenant: labels[LABELS.tenant] ?? "",
      volumeID: v.metadata.name ?? "",
      node: labels[LABELS.node] ?? src.nodeId,
    },
    used,
    total: v.status.totalCapacity,
  };
}

async function sampleDrive(src: MetricsSource, d: DirectPVDrive): Promise<DriveSample | undefined> {
  const drive = d.metadata.name ?? "";
  const result = await src.driveStats(d).catch((err): DriveStatsResult => ({
    found: false,
    reason: errorMessage(err),
  }));
  if (result.found) return { drive, stats: result.stats };
  void src.events?.record({
    object: d,
    type: "Warning",
    reason: EVENT_REASONS.metrics,
    message: `Cannot collect metrics of drive ${drive}: ${result.reason}`,
  });
  return undefined;
}

function onNode<T extends DirectPVVolume | DirectPVDrive>(node: string, list: readonly T[]): T[] {
  return list.filter((o) => (o.metadata.labels?.[LABELS.node] ?? node) === node);
}

async function snapshot(src: MetricsSource): Promise<Snapshot> {
  const published = onNode(src.nodeId, src.volumes.list()).filter((v) =>
    v.status.targetPath !== ""
  );
  const volumes = await Promise.all(published.map((v) => sampleVolume(src, v)));
  const drives = await Promise.all(
    onNode(src.nodeId, src.drives.list()).map((d) => sampleDrive(src, d)),
  );
  return { volumes, drives: drives.filter((d): d is DriveSample => d !== undefined) };
}

type DriveStatKey = Exclude<keyof DriveIoStats, "ioErrors">;

const DRIVE_SERIES: ReadonlyArray<[string, string, DriveStatKey, "counter" | "gauge"]> = [
  [
    "directpv_stats_drive_total_read_bytes",
    "Total bytes read from the drive",
    "readBytes",
    "counter",
  ],
  [
    "directpv_stats_drive_total_write_bytes",
    "Total bytes written to the drive",
    "writeBytes",
    "counter",
  ],
  [
    "directpv_stats_drive_read_latency_seconds",
    "Time the drive spent reading, in seconds",
    "readLatencySeconds",
    "gauge",
  ],
  [
    "directpv_stats_drive_write_latency_seconds",
    "Time the drive spent writing, in seconds",
    "writeLatencySeconds",
    "gauge",
  ],
  [
    "directpv_stats_drive_wait_time_seconds",
    "Time I/O requests waited in the drive's queue, in seconds",
    "waitTimeSeconds",
    "gauge",
  ],
];

/**
 * Builds the node's metrics registry. Every series is recomputed from `src` on each scrape;
 * the gathering is shared by all series of one scrape.
 */
export function createNodeMetrics(
  src: MetricsSource,
  options: NodeMetricsOptions = {},
): NodeMetrics {
  const registry = new client.Registry();
  let pending: Promise<Snapshot> | undefined;
  const current = (): Promise<Snapshot> => {
    if (pending) return pending;
    const p = snapshot(src).finally(() => {
      if (pending === p) pending = undefined;
    });
    pending = p;
    return p;
  };
  registerVolumeSeries(registry, current);
  registerDriveSeries(registry, current);
  registerDriveMetrics(registry, {
    drives: () => onNode(src.nodeId, src.drives.list()),
    ioErrors: async () => {
      const counts = new Map<string, number>();
      for (const d of (await current()).drives) {
        if (d.stats?.ioErrors !== undefined) counts.set(d.drive, d.stats.ioErrors);
      }
      return counts;
    },
  });
  const scrapes = new client.Counter({
    name: "promhttp_metric_handler_requests_total",
    help: "Total number of scrapes by HTTP status code",
    labelNames: ["code"],
    registers: [registry],
  });
  if (options.processMetrics) client.collectDefaultMetrics({ register: registry });
  return { registry, countScrape: (code) => scrapes.inc({ code: String(code) }) };
}

function registerVolumeSeries(registry: client.Registry, current: () => Promise<Snapshot>): void {
  new client.Gauge({
    name: "directpv_stats_bytes_used",
    help: "Bytes used by the volume (its project quota usage)",
    labelNames: VOLUME_LABELS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const v of (await current()).volumes) {
        if (v.used !== undefined) this.set(v.labels, v.used);
      }
    },
  });
  new client.Gauge({
    name: "directpv_stats_bytes_total",
    help: "Capacity of the volume in bytes",
    labelNames: VOLUME_LABELS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const v of (await current()).volumes) this.set(v.labels, v.total);
    },
  });
}

function registerDriveSeries(registry: client.Registry, current: () => Promise<Snapshot>): void {
  new client.Gauge({
    name: "directpv_stats_drive_ready",
    help: "1 when the drive's device statistics can be read, else 0",
    labelNames: ["drive"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of (await current()).drives) this.set({ drive: d.drive }, d.stats ? 1 : 0);
    },
  });
  for (const [name, help, key, type] of DRIVE_SERIES) {
    const fill = async (metric: client.Gauge<"drive"> | client.Counter<"drive">) => {
      metric.reset();
      for (const d of (await current()).drives) {
        if (!d.stats) continue;
        if (metric instanceof client.Gauge) metric.set({ drive: d.drive }, d.stats[key]);
        else metric.inc({ drive: d.drive }, d.stats[key]);
      }
    };
    const config = { name, help, labelNames: ["drive"] as const, registers: [registry] };
    if (type === "counter") {
      new client.Counter({
        ...config,
        collect: async function () {
          await fill(this);
        },
      });
    } else {
      new client.Gauge({
        ...config,
        collect: async function () {
          await fill(this);
        },
      });
    }
  }
}
