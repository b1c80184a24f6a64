import assert from "node:assert/strict";
import client from "prom-client";
import type { DirectPVDrive } from "../lib/types/mod.ts";
import { drive, GiB } from "./csi/fixtures_test.ts";
import { DRIVE_METRICS, registerDriveMetrics } from "./drive_metrics.ts";

function failing(d: DirectPVDrive, type: string): DirectPVDrive {
  d.status.conditions = [{
    type,
    status: "True",
    reason: "Because",
    message: "It is so",
    lastTransitionTime: "2026-01-01T00:00:00Z",
  }];
  return d;
}

async function scrape(drives: DirectPVDrive[], ioErrors = new Map<string, number>()) {
  const registry = new client.Registry();
  registerDriveMetrics(registry, {
    drives: () => drives,
    ioErrors: () => Promise.resolve(ioErrors),
  });
  const text = await registry.metrics();
  return { text, lines: text.split("\n").filter((l) => l !== "" && !l.startsWith("#")) };
}

Deno.test("registerDriveMetrics() exports status, health and capacity of every drive", async () => {
  const ready = drive("d1", { total: 10 * GiB, free: 4 * GiB, volumes: ["pvc-1", "pvc-2"] });
  ready.status.make = "Disk";
  const lost = drive("d2", { status: "Lost" });
  const erroring = failing(drive("d3", { status: "Error" }), "IOError");
  const { lines } = await scrape([ready, lost, erroring], new Map([["d1", 7]]));
  const expected = [
    'directpv_drive_info{drive="d1",node="node-1",device="sdb",make="Disk"} 1',
    'directpv_drive_status{drive="d1",node="node-1",status="Ready"} 1',
    'directpv_drive_status{drive="d2",node="node-1",status="Lost"} 1',
    'directpv_drive_status{drive="d3",node="node-1",status="Error"} 1',
    'directpv_drive_condition{drive="d3",node="node-1",type="IOError"} 1',
    'directpv_drive_healthy{drive="d1",node="node-1"} 1',
    'directpv_drive_healthy{drive="d2",node="node-1"} 0',
    'directpv_drive_healthy{drive="d3",node="node-1"} 0',
    `directpv_drive_total_bytes{drive="d1",node="node-1"} ${10 * GiB}`,
    `directpv_drive_allocated_bytes{drive="d1",node="node-1"} ${6 * GiB}`,
    `directpv_drive_free_bytes{drive="d1",node="node-1"} ${4 * GiB}`,
    'directpv_drive_volumes{drive="d1",node="node-1"} 2',
    'directpv_drive_io_errors_total{drive="d1",node="node-1"} 7',
  ];
  for (const line of expected) assert.ok(lines.includes(line), `missing ${line}`);
  assert.equal(lines.filter((l) => l.startsWith("directpv_drive_status{")).length, 3);
  assert.equal(lines.filter((l) => l.startsWith("directpv_drive_io_errors_total")).length, 1);
});

Deno.test("registerDriveMetrics() follows the drives on every scrape", async () => {
  const d = drive("d1");
  const drives = [d];
  const registry = new client.Registry();
  registerDriveMetrics(registry, {
    drives: () => drives,
    ioErrors: () => Promise.resolve(new Map()),
  });
  assert.match(await registry.metrics(), /directpv_drive_healthy\{drive="d1",node="node-1"\} 1/);
  drives[0] = failing(drive("d1", { status: "Error" }), "ReadOnly");
  const text = await registry.metrics();
  assert.match(text, /directpv_drive_healthy\{drive="d1",node="node-1"\} 0/);
  assert.match(text, /directpv_drive_condition\{drive="d1",node="node-1",type="ReadOnly"\} 1/);
  assert.doesNotMatch(text, /status="Ready"/);
  drives.length = 0;
  assert.doesNotMatch(await registry.metrics(), /drive="d1"/);
});

Deno.test("DRIVE_METRICS names follow Prometheus conventions", () => {
  for (const name of Object.values(DRIVE_METRICS)) {
    assert.match(name, /^directpv_drive_[a-z_]+$/);
  }
  assert.ok(DRIVE_METRICS.ioErrors.endsWith("_total"), "a counter ends in _total");
});
