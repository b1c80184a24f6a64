/**
 * Monitoring objects shipped beside the install manifests (`manifests/monitoring/`, applied on
 * clusters that run the Prometheus Operator): a PodMonitor scraping the node servers, a
 * PrometheusRule with the alerts, and the Grafana dashboard as a ConfigMap for Grafana's
 * dashboard sidecar (and as plain JSON for import).
 */
import { DRIVE_METRICS } from "../types/mod.ts";
import { defaultLabels, IDENTITY, NAMESPACE, NODE_SERVER, SELECTOR_KEY } from "./common.ts";
import { grafanaDashboard } from "./grafana.ts";
import type { TypedObject } from "./k8s_objects.ts";
import { MANIFEST_HEADER, type ManifestFile, objectToYAML } from "./render.ts";

/** The `job` label Prometheus gives node-server targets scraped through the PodMonitor. */
export const NODE_SERVER_JOB = `${NAMESPACE}/${NODE_SERVER}`;

/** Allocated fractions above which the capacity alerts fire. */
export const CAPACITY_THRESHOLDS = { drive: 0.9, node: 0.85 } as const;

/** The health conditions the erroring alert fires on. */
const TROUBLE_CONDITIONS = ["IOError", "ReadOnly", "DeviceErrors", "SmartFailing", "MountError"];

/** One alerting rule in Prometheus's rule-file format. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: "critical" | "warning" };
  annotations: { summary: string; description: string };
}

/** A group of rules. */
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** A monitoring.coreos.com/v1 object (PodMonitor, PrometheusRule). */
export interface MonitoringObject extends TypedObject {
  spec: Record<string, unknown>;
}

/** A v1 ConfigMap. */
export interface ConfigMap extends TypedObject {
  kind: "ConfigMap";
  data: Record<string, string>;
}

const BY_DRIVE = "max by (drive, node)";

function percent(threshold: number): string {
  return `${Math.round(threshold * 100)}%`;
}

function driveRules(): AlertRule[] {
  const m = DRIVE_METRICS;
  return [{
    alert: "DirectPVDriveLost",
    expr: `${BY_DRIVE} (${m.status}{status="Lost"}) == 1`,
    for: "5m",
    labels: { severity: "critical" },
    annotations: {
      summary: "A DirectPV drive is lost",
      description: "Drive {{ $labels.drive }} on node {{ $labels.node }} is Lost: no device " +
        "carries its filesystem. The disk was removed, or failed so badly it is not seen.",
    },
  }, {
    alert: "DirectPVDriveErroring",
    expr: `max by (drive, node, type) (${m.condition}{type=~"${
      TROUBLE_CONDITIONS.join("|")
    }"}) == 1`,
    for: "1m",
    labels: { severity: "critical" },
    annotations: {
      summary: "A DirectPV drive is failing",
      description: "Drive {{ $labels.drive }} on node {{ $labels.node }} has the condition " +
        "{{ $labels.type }}; see `kubectl directpv list drives --all` and the drive's events.",
    },
  }, {
    alert: "DirectPVDriveIOErrors",
    expr: `sum by (drive, node) (increase(${m.ioErrors}[15m])) > 0`,
    labels: { severity: "warning" },
    annotations: {
      summary: "The kernel counts I/O errors on a DirectPV drive",
      description: "The device of drive {{ $labels.drive }} on node {{ $labels.node }} had " +
        'about {{ printf "%.0f" $value }} I/O errors in the last 15 minutes.',
    },
  }];
}

function capacityRules(): AlertRule[] {
  const m = DRIVE_METRICS;
  const { drive, node } = CAPACITY_THRESHOLDS;
  return [{
    alert: "DirectPVDriveAlmostFull",
    expr: `${BY_DRIVE} (${m.allocatedBytes}) / (${BY_DRIVE} (${m.totalBytes}) > 0) > ${drive}`,
    for: "15m",
    labels: { severity: "warning" },
    annotations: {
      summary: `A DirectPV drive is more than ${percent(drive)} allocated`,
      description: "Volumes reserve {{ $value | humanizePercentage }} of drive " +
        "{{ $labels.drive }} on node {{ $labels.node }}.",
    },
  }, {
    alert: "DirectPVNodeAlmostFull",
    expr: `sum by (node) (${m.allocatedBytes}) / (sum by (node) (${m.totalBytes}) > 0) > ${node}`,
    for: "15m",
    labels: { severity: "warning" },
    annotations: {
      summary: `The DirectPV drives of a node are more than ${percent(node)} allocated`,
      description: "Volumes reserve {{ $value | humanizePercentage }} of the drives of node " +
        "{{ $labels.node }}; new volumes may not fit there.",
    },
  }];
}

function nodeServerRules(): AlertRule[] {
  return [{
    alert: "DirectPVNodeServerDown",
    expr: `up{job="${NODE_SERVER_JOB}"} == 0`,
    for: "5m",
    labels: { severity: "critical" },
    annotations: {
      summary: "A DirectPV node server does not answer",
      description: "Prometheus cannot scrape the node server {{ $labels.pod }} " +
        "({{ $labels.instance }}): its drives are not watched and its volumes cannot be mounted.",
    },
  }, {
    alert: "DirectPVNodeServersAbsent",
    expr: `absent(up{job="${NODE_SERVER_JOB}"})`,
    for: "15m",
    labels: { severity: "warning" },
    annotations: {
      summary: "No DirectPV node server is scraped",
      description: `Prometheus has no target of job "${NODE_SERVER_JOB}": the node-server ` +
        "DaemonSet is gone or the PodMonitor is not picked up.",
    },
  }];
}

/** The alert groups, in Prometheus's rule-file format. */
export function alertGroups(): RuleGroup[] {
  return [
    { name: "directpv.drives", rules: [...driveRules(), ...capacityRules()] },
    { name: "directpv.node-server", rules: nodeServerRules() },
  ];
}

function meta(name: string, labels: Record<string, string> = {}) {
  return { name, namespace: NAMESPACE, labels: { ...defaultLabels(), ...labels } };
}

/** The PodMonitor, PrometheusRule and dashboard ConfigMap. */
export function monitoringObjects(): (MonitoringObject | ConfigMap)[] {
  return [{
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: meta(NODE_SERVER),
    spec: {
      selector: { matchLabels: { [SELECTOR_KEY]: `${IDENTITY}-${NODE_SERVER}` } },
      podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
    },
  }, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: meta(IDENTITY),
    spec: { groups: alertGroups() },
  }, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(`${IDENTITY}-grafana-dashboard`, { grafana_dashboard: "1" }),
    data: { "directpv.json": dashboardJson() },
  }];
}

/** The Grafana dashboard as JSON text. */
export function dashboardJson(): string {
  return `${JSON.stringify(grafanaDashboard(NODE_SERVER_JOB), null, 2)}\n`;
}

/**
 * The files of `manifests/monitoring/`: the three objects with their kustomization, the
 * alerts as a plain rule file (for Prometheus without the operator) and the dashboard JSON.
 */
export function monitoringManifests(): ManifestFile[] {
  const [podMonitor, rule, dashboard] = monitoringObjects();
  const yamlFile = (path: string, object: object): ManifestFile => ({
    path: `monitoring/${path}`,
    text: `${MANIFEST_HEADER}\n${objectToYAML(object)}`,
  });
  const objects: ManifestFile[] = [
    yamlFile("podmonitor.yaml", podMonitor as object),
    yamlFile("prometheusrule.yaml", rule as object),
    yamlFile("grafana-dashboard.yaml", dashboard as object),
  ];
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: objects.map((f) => f.path.slice("monitoring/".length)),
  };
  return [
    ...objects,
    yamlFile("kustomization.yaml", kustomization),
    yamlFile("prometheus-rules.yaml", { groups: alertGroups() }),
    { path: "monitoring/grafana-dashboard.json", text: dashboardJson() },
  ];
}
