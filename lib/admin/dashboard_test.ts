import assert from "node:assert/strict";
import { FakeKube } from "../k8s/testing.ts";
import { API_VERSION } from "../types/mod.ts";
import { DashboardModel } from "./dashboard_model.ts";
import { driveRow, overview, queryRows } from "./dashboard_views.ts";
import { type DriveFixture, makeDrive, makeVolume } from "./testing.ts";

function drive(id: string, f: Partial<DriveFixture> = {}) {
  return makeDrive({ id, node: "n1", name: "sdb", ...f });
}

Deno.test("driveRow() tells health from status and conditions", () => {
  const failing = drive("d1", { node: "n1", status: "Error" });
  failing.status.conditions = [{
    type: "IOError",
    status: "True",
    reason: "DriveHasIOError",
    message: "Drive has I/O error",
    lastTransitionTime: "2026-01-01T00:00:00Z",
  }];
  const row = driveRow(failing);
  assert.equal(row.health, "failing");
  assert.deepEqual(row.problems, ["IOError: Drive has I/O error"]);
  assert.equal(driveRow(drive("d2", { status: "Lost" })).health, "lost");
  assert.equal(driveRow(drive("d3")).health, "healthy");
  assert.equal(driveRow(drive("d4", { status: "Repairing" })).health, "busy");
});

Deno.test("queryRows() filters, sorts and pages", () => {
  const rows = Array.from(
    { length: 250 },
    (_, i) =>
      driveRow(drive(`d${String(i).padStart(3, "0")}`, { node: `n${i % 5}`, size: 1000 + i })),
  );
  const page = queryRows(
    rows,
    { node: "n1", sort: "size", desc: true, offset: 10, limit: 5 },
    "id",
  );
  assert.equal(page.total, 50);
  assert.deepEqual(page.items.map((r) => r.size), [1196, 1191, 1186, 1181, 1176]);
  assert.equal(queryRows(rows, { text: "D249" }, "id").total, 1, "text is case-insensitive");
  assert.equal(queryRows(rows, { limit: 100_000 }, "id").items.length, 250, "up to 500 a page");
  assert.equal(queryRows(rows, { sort: "nope" }, "id").items[0]?.id, "d000");
});

Deno.test("overview() counts drives by status and health and sums nodes", () => {
  const rows = [
    drive("a", { node: "n1", size: 100, free: 40 }),
    drive("b", { node: "n1", status: "Lost", size: 50, free: 50 }),
    drive("c", { node: "n2", size: 10, free: 10 }),
  ].map(driveRow);
  const o = overview(rows, 3);
  assert.deepEqual(o.nodes.map((n) => [n.name, n.drives, n.failing, n.size, n.free]), [
    ["n1", 2, 1, 150, 90],
    ["n2", 1, 0, 10, 10],
  ]);
  assert.equal(o.byStatus.Ready, 2);
  assert.equal(o.byStatus.Lost, 1);
  assert.equal(o.byHealth.lost, 1);
  assert.equal(o.volumes, 3);
});

Deno.test("DashboardModel follows watches and reports an unreachable API server", async () => {
  const kube = new FakeKube();
  kube.seed(drive("d1", { node: "n1" }));
  const model = new DashboardModel(kube, { probeMs: 60_000 });
  const changes: string[] = [];
  model.onChange((kind) => changes.push(kind));
  model.start();
  try {
    await model.waitForSync();
    assert.ok(model.synced());
    assert.equal(model.drives({}).total, 1);
    const v = makeVolume({ name: "pvc-1", driveId: "d1", node: "n1", driveName: "sdb" });
    await kube.volumes.create(v);
    await kube.persistentVolumes.create({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pvc-1" },
      spec: { claimRef: { name: "data", namespace: "apps" } },
    });
    await kube.events.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "e1", namespace: "default" },
      involvedObject: { apiVersion: API_VERSION, kind: "DirectPVDrive", name: "d1" },
      reason: "DriveHasIOError",
      message: "boom",
      type: "Warning",
      lastTimestamp: "2026-01-01T00:00:00Z",
    }, { namespace: "default" });
    const d = await kube.drives.get("d1");
    d.status.status = "Error";
    await kube.drives.update(d);
    await waitUntil(() =>
      model.volumes({}).items[0]?.pvc === "data" && model.events().length > 0 &&
      model.drives({ status: "Error" }).total === 1
    );
    assert.deepEqual(model.volumes({}).items.map((r) => [r.pvc, r.namespace]), [["data", "apps"]]);
    assert.equal(model.events()[0]?.reason, "DriveHasIOError");
    assert.ok(["drives", "volumes", "events"].every((k) => changes.includes(k)));
    kube.serverVersion = () => Promise.reject(new Error("connection refused"));
    const down = await model.probeApi();
    assert.ok(!down.reachable, "unreachable");
    assert.equal(down.error, "connection refused");
    assert.ok(changes.includes("api"));
  } finally {
    await model.stop();
  }
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), "the model caught up");
}
