/** The drive and volume tables of `list` (reference §1.8) and their sort orders. */
import {
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  formatBytes,
  GROUP,
  isReservedLabelKey,
  isSuspended,
  LABELS,
  volumeCount,
} from "../../lib/types/mod.ts";
import type { Column } from "./table.ts";

/** User labels of an object, prefix dropped, sorted and comma-joined; `-` when none. */
export function userLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const prefix = `${GROUP}/`;
  const shown = Object.entries(labels ?? {})
    .filter(([k]) => !isReservedLabelKey(k))
    .map(([k, v]) => `${k.startsWith(prefix) ? k.slice(prefix.length) : k}=${v}`)
    .sort();
  return shown.length > 0 ? shown.join(",") : "-";
}

/** STATUS of a drive: its status plus `,SchedulingDisabled` and `,Suspended`. */
export function driveStatusText(drive: DirectPVDrive): string {
  let text = drive.status?.status ?? "";
  if (drive.spec?.unschedulable) text += ",SchedulingDisabled";
  if (isSuspended(drive)) text += ",Suspended";
  return text;
}

/** STATUS of a volume: Released, Lost, Bounded or its status, plus `,Suspended`/`,Deleting`. */
export function volumeStatusText(volume: DirectPVVolume): string {
  const finalizers = volume.metadata.finalizers ?? [];
  const lost = (volume.status?.conditions ?? []).some((c) =>
    c.type === "Lost" && c.status === "True"
  );
  let text: string;
  if (finalizers.length === 1 && finalizers[0] === FINALIZERS.purgeProtection) text = "Released";
  else if (lost) text = "Lost";
  else if (volume.status?.targetPath) text = "Bounded";
  else text = volume.status?.status ?? "";
  if (isSuspended(volume)) text += ",Suspended";
  if (volume.metadata.deletionTimestamp) text += ",Deleting";
  return text;
}

const label = (o: { metadata: { labels?: Record<string, string> } }, key: string) =>
  o.metadata.labels?.[key] ?? "";

function compare(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sorts by the keys in order; each key is computed once per item, not once per comparison. */
function sortBy<T>(items: readonly T[], keys: ReadonlyArray<(item: T) => string | number>): T[] {
  const keyed = items.map((item) => ({ item, values: keys.map((key) => key(item)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compare(a.values[i] ?? "", b.values[i] ?? "");
      if (c !== 0) return c;
    }
    return 0;
  });
  return keyed.map((k) => k.item);
}

/** Drives in table order: NODE, STATUS, SIZE, FREE, NAME (then id, for stability). */
export function sortDrives(drives: readonly DirectPVDrive[]): DirectPVDrive[] {
  return sortBy(drives, [
    (d) => label(d, LABELS.node),
    driveStatusText,
    (d) => d.status?.totalCapacity ?? 0,
    (d) => d.status?.freeCapacity ?? 0,
    (d) => label(d, LABELS.driveName),
    (d) => d.metadata.name ?? "",
  ]);
}

/** Volumes in table order: PODNAMESPACE, NODE, STATUS, CAPACITY, DRIVE, PODNAME, VOLUME. */
export function sortVolumes(volumes: readonly DirectPVVolume[]): DirectPVVolume[] {
  return sortBy(volumes, [
    (v) => label(v, LABELS.podNamespace),
    (v) => label(v, LABELS.node),
    volumeStatusText,
    (v) => v.status?.totalCapacity ?? 0,
    (v) => label(v, LABELS.driveName),
    (v) => label(v, LABELS.podName),
    (v) => v.metadata.name ?? "",
  ]);
}

/** Columns of `list drives`. */
export function driveColumns(options: { showLabels: boolean }): Column<DirectPVDrive>[] {
  const columns: Column<DirectPVDrive>[] = [
    { header: "DRIVE ID", cell: (d) => d.metadata.name },
    { header: "NODE", cell: (d) => label(d, LABELS.node) },
    { header: "NAME", cell: (d) => label(d, LABELS.driveName) },
    { header: "MAKE", cell: (d) => d.status?.make },
    { header: "SIZE", cell: (d) => formatBytes(d.status?.totalCapacity ?? 0) },
    { header: "FREE", cell: (d) => formatBytes(d.status?.freeCapacity ?? 0) },
    { header: "VOLUMES", cell: (d) => volumeCount(d) || undefined },
    { header: "STATUS", cell: driveStatusText },
  ];
  if (options.showLabels) {
    columns.push({
      header: "LABELS",
      cell: (d) => userLabels(d.metadata.labels),
    });
  }
  return columns;
}

/** Options of {@link volumeColumns}. */
export interface VolumeColumnOptions {
  wide: boolean;
  showLabels: boolean;
  /** PVC names by volume name, when `--pvc` is given. */
  claims?: ReadonlyMap<string, string>;
}

/** Columns of `list volumes`. */
export function volumeColumns(options: VolumeColumnOptions): Column<DirectPVVolume>[] {
  const columns: Column<DirectPVVolume>[] = [
    { header: "VOLUME", cell: (v) => v.metadata.name },
    { header: "CAPACITY", cell: (v) => formatBytes(v.status?.totalCapacity ?? 0) },
    { header: "NODE", cell: (v) => label(v, LABELS.node) },
    { header: "DRIVE", cell: (v) => label(v, LABELS.driveName) },
    { header: "PODNAME", cell: (v) => label(v, LABELS.podName) },
    { header: "PODNAMESPACE", cell: (v) => label(v, LABELS.podNamespace) },
    { header: "STATUS", cell: volumeStatusText },
  ];
  if (options.wide) columns.push({ header: "DRIVE ID", cell: (v) => label(v, LABELS.drive) });
  const claims = options.claims;
  if (claims) columns.push({ header: "PVC", cell: (v) => claims.get(v.metadata.name ?? "") });
  if (options.showLabels) {
    columns.push({
      header: "LABELS",
      cell: (v) => userLabels(v.metadata.labels),
    });
  }
  return columns;
}
