/**
 * Our drive metrics, beside DirectPV's `directpv_stats_*` series: status, health conditions,
 * capacity and volume count of every drive of the node (Lost ones included, which DirectPV's
 * series leave out), and the kernel's I/O error count where the device keeps one. The alerts
 * and the Grafana dashboard of lib/install are written over these names.
 */
import client from "prom-client";
import {
  type DirectPVDrive,
  DRIVE_METRICS,
  isHealthyDrive,
  LABELS,
  volumeCount,
} from "../lib/types/mod.ts";

export { DRIVE_METRICS };

/** Where the series come from, read on every scrape. */
export interface DriveMetricsSource {
  /** This node's drives (from the informer). */
  drives(): readonly DirectPVDrive[];
  /** The kernel's I/O error count of each drive that has one, by drive name. */
  ioErrors(): Promise<ReadonlyMap<string, number>>;
}

type Labels = { drive: string; node: string };

function labelsOf(drive: DirectPVDrive): Labels {
  return { drive: drive.metadata.name ?? "", node: drive.metadata.labels?.[LABELS.node] ?? "" };
}

/** A gauge set from each drive on every scrape. */
function driveGauge<L extends string>(
  registry: client.Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  source: DriveMetricsSource,
  fill: (gauge: client.Gauge<L>, drive: DirectPVDrive, labels: Labels) => void,
): void {
  new client.Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const drive of source.drives()) fill(this, drive, labelsOf(drive));
    },
  });
}

/** Registers our drive series on `registry`. */
export function registerDriveMetrics(registry: client.Registry, source: DriveMetricsSource): void {
  const base = ["drive", "node"] as const;
  driveGauge(
    registry,
    DRIVE_METRICS.info,
    "Facts of the drive: its device name and make (always 1)",
    [...base, "device", "make"],
    source,
    (g, d, l) => {
      const device = d.metadata.labels?.[LABELS.driveName] ?? "";
      g.set({ ...l, device, make: d.status.make ?? "" }, 1);
    },
  );
  driveGauge(
    registry,
    DRIVE_METRICS.status,
    "The drive's status (Ready, Lost, Error, Removed, Moving, Repairing): 1 for the current one",
    [...base, "status"],
    source,
    (g, d, l) => g.set({ ...l, status: d.status.status }, 1),
  );
  driveGauge(
    registry,
    DRIVE_METRICS.condition,
    "Conditions of the drive that are true (IOError, ReadOnly, DeviceErrors, SmartFailing, ...)",
    [...base, "type"],
    source,
    (g, d, l) => {
      for (const c of d.status.conditions ?? []) {
        if (c.status === "True") g.set({ ...l, type: c.type }, 1);
      }
    },
  );
  driveGauge(
    registry,
    DRIVE_METRICS.healthy,
    "1 when the drive is Ready and its health check found no trouble, else 0",
    base,
    source,
    (g, d, l) => g.set(l, isHealthyDrive(d) ? 1 : 0),
  );
  registerCapacity(registry, source);
  new client.Counter({
    name: DRIVE_METRICS.ioErrors,
    help: "I/O errors the kernel counted on the drive's device since boot (SCSI devices)",
    labelNames: base,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await source.ioErrors();
      for (const drive of source.drives()) {
        const count = counts.get(drive.metadata.name ?? "");
        if (count !== undefined) this.inc(labelsOf(drive), count);
      }
    },
  });
}

function registerCapacity(registry: client.Registry, source: DriveMetricsSource): void {
  const series: [string, string, (d: DirectPVDrive) => number][] = [
    [DRIVE_METRICS.totalBytes, "Capacity of the drive in bytes", (d) => d.status.totalCapacity],
    [
      DRIVE_METRICS.allocatedBytes,
      "Bytes of the drive reserved by its volumes",
      (d) => d.status.allocatedCapacity,
    ],
    [DRIVE_METRICS.freeBytes, "Bytes of the drive not reserved", (d) => d.status.freeCapacity],
    [DRIVE_METRICS.volumes, "Number of volumes on the drive", volumeCount],
  ];
  for (const [name, help, value] of series) {
    driveGauge(registry, name, help, ["drive", "node"], source, (g, d, l) => g.set(l, value(d)));
  }
}
