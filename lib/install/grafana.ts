/**
 * The Grafana dashboard over the node servers' metrics: drive counts and health, capacity by
 * node, the drives in trouble, I/O throughput and errors, volume usage. Plain data, rendered
 * to JSON by `monitoring.ts`; every query takes the `node` variable.
 */
import { DRIVE_METRICS, STATS_METRICS } from "../types/mod.ts";

/** One panel's query. */
export interface PanelTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  format?: "table" | "time_series";
}

/** A dashboard panel (the members this dashboard uses). */
export interface Panel {
  id: number;
  type: "stat" | "bargauge" | "table" | "timeseries";
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: "prometheus"; uid: "${datasource}" };
  targets: PanelTarget[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
const NODE = `node=~"$node"`;
const D = DRIVE_METRICS;
const S = STATS_METRICS;

type PanelSpec = Omit<Panel, "id" | "datasource" | "fieldConfig" | "targets"> & {
  exprs: (string | [string, string])[];
  unit?: string;
  thresholds?: [number, string][];
  instant?: boolean;
};

function panel(id: number, spec: PanelSpec): Panel {
  const { exprs, unit, thresholds, instant, ...rest } = spec;
  const steps = (thresholds ?? [[0, "green"]]).map(([value, color], i) => ({
    color,
    value: i === 0 ? null : value,
  }));
  return {
    id,
    ...rest,
    datasource: DATASOURCE,
    targets: exprs.map((e, i) => {
      const [expr, legendFormat] = typeof e === "string" ? [e, undefined] : e;
      return {
        refId: String.fromCharCode(65 + i),
        expr,
        ...(legendFormat ? { legendFormat } : {}),
        ...(instant ? { instant: true, format: "table" as const } : {}),
      };
    }),
    fieldConfig: {
      defaults: {
        ...(unit ? { unit } : {}),
        thresholds: { mode: "absolute", steps },
      },
      overrides: [],
    },
  };
}

function summaryPanels(job: string): PanelSpec[] {
  const box = (x: number) => ({ x, y: 0, w: 4, h: 4 });
  return [
    { type: "stat", title: "Drives", gridPos: box(0), exprs: [`count(${D.status}{${NODE}})`] },
    {
      type: "stat",
      title: "Unhealthy drives",
      description: "Drives not Ready, or with a health condition (I/O errors, read-only, SMART)",
      gridPos: box(4),
      exprs: [`count(${D.healthy}{${NODE}} == 0) or vector(0)`],
      thresholds: [[0, "green"], [1, "red"]],
    },
    {
      type: "stat",
      title: "Lost drives",
      gridPos: box(8),
      exprs: [`count(${D.status}{${NODE},status="Lost"}) or vector(0)`],
      thresholds: [[0, "green"], [1, "red"]],
    },
    {
      type: "stat",
      title: "Volumes",
      gridPos: box(12),
      exprs: [`sum(${D.volumes}{${NODE}})`],
    },
    {
      type: "stat",
      title: "Allocated",
      gridPos: box(16),
      exprs: [`sum(${D.allocatedBytes}{${NODE}}) / sum(${D.totalBytes}{${NODE}})`],
      unit: "percentunit",
      thresholds: [[0, "green"], [0.85, "orange"], [0.95, "red"]],
    },
    {
      type: "stat",
      title: "Node servers up",
      gridPos: box(20),
      exprs: [`sum(up{job="${job}"}) or vector(0)`],
    },
  ];
}

function capacityPanels(): PanelSpec[] {
  return [{
    type: "bargauge",
    title: "Allocated by node",
    gridPos: { x: 0, y: 4, w: 12, h: 8 },
    exprs: [[
      `sum by (node) (${D.allocatedBytes}{${NODE}}) / sum by (node) (${D.totalBytes}{${NODE}})`,
      "{{node}}",
    ]],
    unit: "percentunit",
    thresholds: [[0, "green"], [0.85, "orange"], [0.95, "red"]],
    options: { orientation: "horizontal", displayMode: "gradient" },
  }, {
    type: "table",
    title: "Drives in trouble",
    description:
      "True conditions of the drives (IOError, ReadOnly, DeviceErrors, SmartFailing, ...)",
    gridPos: { x: 12, y: 4, w: 12, h: 8 },
    exprs: [`max by (node, drive, type) (${D.condition}{${NODE}}) == 1`],
    instant: true,
  }];
}

function ioPanels(): PanelSpec[] {
  const rate = (metric: string) =>
    `sum by (node, drive) (rate(${metric}[$__rate_interval]) * on (drive) group_left (node) ` +
    `max by (drive, node) (${D.info}{${NODE}}))`;
  const series = (x: number, y: number, title: string, expr: string, unit: string): PanelSpec => ({
    type: "timeseries",
    title,
    gridPos: { x, y, w: 12, h: 8 },
    exprs: [[expr, "{{node}} {{drive}}"]],
    unit,
  });
  return [
    series(0, 12, "Read throughput", rate(S.readBytes), "Bps"),
    series(12, 12, "Write throughput", rate(S.writeBytes), "Bps"),
    series(
      0,
      20,
      "Kernel I/O errors",
      `sum by (node, drive) (increase(${D.ioErrors}{${NODE}}[$__rate_interval]))`,
      "short",
    ),
    {
      ...series(12, 20, "Volume usage", "", "percentunit"),
      exprs: [[
        `max by (node, volumeID) (${S.bytesUsed}{${NODE}}) / ` +
        `max by (node, volumeID) (${S.bytesTotal}{${NODE}})`,
        "{{node}} {{volumeID}}",
      ]],
    },
  ];
}

/** The dashboard; `job` is the Prometheus job of the node servers. */
export function grafanaDashboard(job: string): Record<string, unknown> {
  const specs = [...summaryPanels(job), ...capacityPanels(), ...ioPanels()];
  return {
    uid: "directpv-drives",
    title: "DirectPV drives",
    description: "Drives, health, capacity and I/O of the DirectPV node servers",
    tags: ["directpv", "storage"],
    editable: true,
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: {
      list: [{
        name: "datasource",
        label: "Data source",
        type: "datasource",
        query: "prometheus",
      }, {
        name: "node",
        label: "Node",
        type: "query",
        datasource: DATASOURCE,
        query: { query: `label_values(${D.status}, node)`, refId: "node" },
        refresh: 2,
        multi: true,
        includeAll: true,
        allValue: ".*",
        current: { text: "All", value: "$__all" },
      }],
    },
    panels: specs.map((spec, i) => panel(i + 1, spec)),
  };
}
