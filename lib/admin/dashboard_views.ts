/**
 * What the web dashboard shows, computed from cached objects: one row per drive and volume,
 * the cluster overview, recent events, and filtered, sorted pages of rows. Pure functions;
 * `dashboard_model.ts` keeps the rows current from watches.
 */
import {
  type DirectPVDrive,
  type DirectPVVolume,
  DRIVE_STATUSES,
  type DriveStatus,
  FINALIZERS,
  healthTrouble,
  isReservedLabelKey,
  LABELS,
} from "../types/mod.ts";

/** How a drive is doing, for colour and filtering. */
export type DriveHealth = "healthy" | "failing" | "lost" | "busy";

/** One drive as the dashboard lists it. */
export interface DriveRow {
  id: string;
  node: string;
  /** Device name (`sdb`). */
  name: string;
  size: number;
  allocated: number;
  free: number;
  volumes: number;
  status: DriveStatus;
  health: DriveHealth;
  /** True conditions as `Type: message`. */
  problems: string[];
  /** User labels (reserved DirectPV keys left out) plus the access tier. */
  labels: Record<string, string>;
  cordoned: boolean;
}

/** One volume as the dashboard lists it. */
export interface VolumeRow {
  name: string;
  /** PVC name and namespace, from the PV's claimRef. */
  pvc: string;
  namespace: string;
  pod: string;
  podNamespace: string;
  node: string;
  drive: string;
  driveName: string;
  size: number;
  used: number;
  status: string;
}

/** One recent event about a DirectPV object. */
export interface EventRow {
  time: string;
  type: string;
  reason: string;
  kind: string;
  object: string;
  message: string;
  node: string;
}

/** A node's share of the cluster. */
export interface NodeSummary {
  name: string;
  drives: number;
  failing: number;
  size: number;
  allocated: number;
  free: number;
}

/** The overview page. */
export interface Overview {
  nodes: NodeSummary[];
  drives: number;
  volumes: number;
  size: number;
  allocated: number;
  free: number;
  byStatus: Record<string, number>;
  byHealth: Record<DriveHealth, number>;
}

/** A page of rows and how many matched in all. */
export interface Page<T> {
  total: number;
  offset: number;
  items: T[];
}

/** Filter, sort and page of a table; `text` matches any shown field. */
export interface TableQuery {
  text?: string;
  node?: string;
  status?: string;
  health?: string;
  sort?: string;
  desc?: boolean;
  offset?: number;
  limit?: number;
}

/** The largest page the dashboard serves. */
export const MAX_PAGE = 500;

function driveHealth(drive: DirectPVDrive): DriveHealth {
  const status = drive.status.status;
  if (status === "Lost") return "lost";
  if (status === "Error" || healthTrouble(drive).length > 0) return "failing";
  return status === "Ready" ? "healthy" : "busy";
}

/** The dashboard row of a drive. */
export function driveRow(drive: DirectPVDrive): DriveRow {
  const labels = drive.metadata.labels ?? {};
  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!isReservedLabelKey(k)) shown[k] = v;
  }
  const tier = labels[LABELS.accessTier];
  if (tier) shown["access-tier"] = tier;
  const s = drive.status;
  return {
    id: drive.metadata.name ?? "",
    node: labels[LABELS.node] ?? "",
    name: labels[LABELS.driveName] ?? "",
    size: s.totalCapacity,
    allocated: s.allocatedCapacity,
    free: s.freeCapacity,
    volumes: (drive.metadata.finalizers ?? []).filter((f) => f.startsWith(FINALIZERS.volumePrefix))
      .length,
    status: s.status,
    health: driveHealth(drive),
    problems: (s.conditions ?? []).filter((c) => c.status === "True")
      .map((c) => `${c.type}: ${c.message}`),
    labels: shown,
    cordoned: drive.spec.unschedulable === true,
  };
}

/** The dashboard row of a volume; `claim` is the PV's claimRef when known. */
export function volumeRow(
  volume: DirectPVVolume,
  claim?: { name?: string; namespace?: string },
): VolumeRow {
  const labels = volume.metadata.labels ?? {};
  return {
    name: volume.metadata.name ?? "",
    pvc: claim?.name ?? "",
    namespace: claim?.namespace ?? "",
    pod: labels[LABELS.podName] ?? "",
    podNamespace: labels[LABELS.podNamespace] ?? "",
    node: labels[LABELS.node] ?? "",
    drive: labels[LABELS.drive] ?? volume.status.fsuuid,
    driveName: labels[LABELS.driveName] ?? "",
    size: volume.status.totalCapacity,
    used: volume.status.usedCapacity,
    status: volume.status.status,
  };
}

/** The overview of a set of drive rows. */
export function overview(drives: Iterable<DriveRow>, volumeCount: number): Overview {
  const nodes = new Map<string, NodeSummary>();
  const byStatus: Record<string, number> = Object.fromEntries(DRIVE_STATUSES.map((s) => [s, 0]));
  const byHealth: Record<DriveHealth, number> = { healthy: 0, failing: 0, lost: 0, busy: 0 };
  const total = { drives: 0, size: 0, allocated: 0, free: 0 };
  for (const d of drives) {
    const node = nodes.get(d.node) ??
      { name: d.node, drives: 0, failing: 0, size: 0, allocated: 0, free: 0 };
    node.drives++;
    if (d.health === "failing" || d.health === "lost") node.failing++;
    node.size += d.size;
    node.allocated += d.allocated;
    node.free += d.free;
    nodes.set(d.node, node);
    byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
    byHealth[d.health]++;
    total.drives++;
    total.size += d.size;
    total.allocated += d.allocated;
    total.free += d.free;
  }
  const sorted = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { nodes: sorted, volumes: volumeCount, byStatus, byHealth, ...total };
}

function textOf(row: object): string {
  return Object.values(row).map((v) =>
    typeof v === "object" && v !== null
      ? Object.entries(v).map(([k, x]) => `${k}=${x}`).join(" ")
      : String(v)
  ).join(" ").toLowerCase();
}

/** One collator for every sort: creating one per comparison is what makes sorting slow. */
const COLLATOR = new Intl.Collator("en", { numeric: true });

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return COLLATOR.compare(String(a ?? ""), String(b ?? ""));
}

/**
 * Filters (all given filters must match), sorts (by any column, then by the key column) and
 * pages rows. Unknown sort columns sort by the key.
 */
export function queryRows<T extends object>(
  rows: Iterable<T>,
  query: TableQuery,
  key: keyof T,
): Page<T> {
  const text = query.text?.trim().toLowerCase();
  const fields = query as Record<string, unknown>;
  const matched: T[] = [];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const ok = (["node", "status", "health"] as const).every((f) =>
      !fields[f] || !(f in r) || r[f] === fields[f]
    );
    if (ok && (!text || textOf(row).includes(text))) matched.push(row);
  }
  const sort = (query.sort && matched[0] && query.sort in matched[0] ? query.sort : key) as keyof T;
  const sign = query.desc ? -1 : 1;
  matched.sort((a, b) => sign * compare(a[sort], b[sort]) || compare(a[key], b[key]));
  const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_PAGE);
  const offset = Math.max(query.offset ?? 0, 0);
  return { total: matched.length, offset, items: matched.slice(offset, offset + limit) };
}
