import assert from "node:assert/strict";
import { DRIVE_METRICS, STATS_METRICS } from "../types/mod.ts";
import { defaultInstallArgs } from "./args.ts";
import { grafanaDashboard, type Panel } from "./grafana.ts";
import {
  alertGroups,
  dashboardJson,
  monitoringManifests,
  type MonitoringObject,
  monitoringObjects,
  NODE_SERVER_JOB,
} from "./monitoring.ts";
import { nodeServerDaemonSet } from "./node_server.ts";

const KNOWN = new Set<string>([...Object.values(STATS_METRICS), ...Object.values(DRIVE_METRICS)]);

function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bdirectpv_[a-z_]+/g)].map((m) => m[0]);
}

Deno.test("the alerts and the dashboard use only metrics the node server exports", () => {
  const exprs = [
    ...alertGroups().flatMap((g) => g.rules.map((r) => r.expr)),
    ...(grafanaDashboard(NODE_SERVER_JOB).panels as Panel[]).flatMap((p) =>
      p.targets.map((t) => t.expr)
    ),
  ];
  const used = new Set(exprs.flatMap(metricsIn));
  assert.ok(used.size >= 8);
  for (const name of used) assert.ok(KNOWN.has(name), `unknown metric "${name}"`);
});

Deno.test("the alerts cover drive lost, erroring, capacity and node server down", () => {
  const names = alertGroups().flatMap((g) => g.rules.map((r) => r.alert));
  for (
    const alert of [
      "DirectPVDriveLost",
      "DirectPVDriveErroring",
      "DirectPVDriveIOErrors",
      "DirectPVDriveAlmostFull",
      "DirectPVNodeAlmostFull",
      "DirectPVNodeServerDown",
    ]
  ) assert.ok(names.includes(alert), alert);
  for (const rule of alertGroups().flatMap((g) => g.rules)) {
    assert.ok(rule.annotations.summary && rule.annotations.description, rule.alert);
  }
});

Deno.test("the PodMonitor scrapes the metrics port of the node-server pods", () => {
  const [podMonitor] = monitoringObjects();
  const daemonSet = nodeServerDaemonSet(defaultInstallArgs("dev"));
  const spec = (podMonitor as MonitoringObject).spec as {
    selector: { matchLabels: Record<string, string> };
  };
  const selector = spec.selector.matchLabels;
  const podLabels = daemonSet.spec.template.metadata.labels ?? {};
  for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, k);
  const ports = daemonSet.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
  assert.ok(ports.some((p) => p.name === "metrics"), "a container port named metrics");
  assert.equal(NODE_SERVER_JOB, `${podMonitor?.metadata.namespace}/${podMonitor?.metadata.name}`);
});

Deno.test("the dashboard has unique panels that do not overlap", () => {
  const panels = JSON.parse(dashboardJson()).panels as Panel[];
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
  const cells = new Set<string>();
  for (const p of panels) {
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the width`);
    assert.equal(p.datasource.uid, "${datasource}");
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        const cell = `${x},${y}`;
        assert.ok(!cells.has(cell), `${p.title} overlaps at ${cell}`);
        cells.add(cell);
      }
    }
  }
});

Deno.test("monitoringManifests() lays out manifests/monitoring with its kustomization", () => {
  const files = monitoringManifests();
  assert.deepEqual(files.map((f) => f.path).sort(), [
    "monitoring/grafana-dashboard.json",
    "monitoring/grafana-dashboard.yaml",
    "monitoring/kustomization.yaml",
    "monitoring/podmonitor.yaml",
    "monitoring/prometheus-rules.yaml",
    "monitoring/prometheusrule.yaml",
  ]);
  const kustomization = files.find((f) => f.path === "monitoring/kustomization.yaml")?.text ?? "";
  for (const f of ["podmonitor.yaml", "prometheusrule.yaml", "grafana-dashboard.yaml"]) {
    assert.match(kustomization, new RegExp(`- ${f}`));
  }
});
