import assert from "node:assert/strict";
import { API_VERSION, type DirectPVInitRequest, KINDS, LABELS } from "../../lib/types/mod.ts";
import type { NodeContext } from "../node_context.ts";
import { startNodeControllers, startNodeServerControllers } from "./mod.ts";
import { createFixture, type Fixture, NODE, volumeOn } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";

/** Polls `check` until it holds (the controllers run on real timers here). */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`Timed out waiting until ${what}`);
}

function options(f: Fixture): NodeContext {
  const { ops: _ops, ...ctx } = f.deps;
  return ctx;
}

Deno.test("startNodeServerControllers() syncs drives first, then health-checks them", async () => {
  const f = await createFixture();
  const running = (async () => {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1, { status: "Lost", volumes: ["pvc-1"] });
    f.kube.seed(volumeOn(U1, "pvc-1"));
    return startNodeServerControllers({ ...options(f), healthIntervalMs: 20 });
  })();
  const controllers = await running;
  try {
    await controllers.synced;
    assert.equal((await f.drive(U1)).status.status, "Ready", "synced before ready");
    await eventually("the volume gets the drive name", async () => {
      const v = await f.kube.volumes.get("pvc-1");
      return v.metadata.labels?.[LABELS.driveName] === "loop1";
    });
    await f.removeDisk("loop1");
    await eventually("the drive is Lost", async () => (await f.drive(U1)).status.status === "Lost");
    await f.addDisk({ name: "loop4", uuid: U1 });
    await eventually("the drive is Ready again", async () => {
      const d = await f.drive(U1);
      return d.status.status === "Ready" && d.metadata.labels?.[LABELS.driveName] === "loop4";
    });
  } finally {
    await controllers.stop();
    await f.dispose();
  }
});

Deno.test("startNodeControllers() creates the node, refreshes it and processes init requests", async () => {
  const f = await createFixture();
  await f.addDisk({ name: "loop1" });
  const controllers = startNodeControllers(options(f));
  try {
    await controllers.synced;
    await eventually("the node is refreshed", async () => {
      const node = await f.kube.nodes.get(NODE).catch(() => undefined);
      return node?.spec.refresh === false && node.status.devices.length === 1;
    });
    const [device] = (await f.kube.nodes.get(NODE)).status.devices;
    assert.ok(device);
    const request: DirectPVInitRequest = {
      apiVersion: API_VERSION,
      kind: KINDS.initRequest,
      metadata: { name: "req-1", labels: { [LABELS.node]: NODE } },
      spec: { devices: [{ id: device.id, name: device.name, force: false }] },
      status: { status: "Pending", results: [] },
    };
    await f.kube.initRequests.create(request);
    await eventually("the request is processed", async () => {
      const r = await f.kube.initRequests.get("req-1");
      return r.status.status === "Processed";
    });
    assert.deepEqual((await f.kube.initRequests.get("req-1")).status.results, [{ name: "loop1" }]);
    const drives = await f.kube.drives.listAll();
    assert.equal(drives.length, 1);
    assert.equal(drives[0]?.status.status, "Ready");
  } finally {
    await controllers.stop();
    await f.dispose();
  }
});

Deno.test("stop() before the caches sync leaves nothing running", async () => {
  const f = await createFixture();
  const controllers = startNodeServerControllers(options(f));
  await controllers.stop();
  await controllers.synced.catch(() => {});
  assert.equal(f.kube.watches.size, 0);
  await f.dispose();
});
