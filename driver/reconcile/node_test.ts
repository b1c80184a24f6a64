import assert from "node:assert/strict";
import { ConflictError } from "../../lib/errors/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { createNodeOps } from "./host_ops.ts";
import { loopBackingDirFilter } from "./loop_filter.ts";
import { type NodeReconcilerDeps, reconcileNode } from "../../lib/node_init/mod.ts";
import { newDirectPVNode as newNode } from "../../lib/types/mod.ts";
import { createFixture, type Fixture, NODE } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";

function deps(f: Fixture, driveExists = (_: string) => false): NodeReconcilerDeps {
  return { ...f.deps, driveExists };
}

async function reconcile(f: Fixture, d = deps(f)): Promise<void> {
  const node = await f.kube.nodes.get(NODE).catch(() => undefined);
  await reconcileNode(d, NODE, node);
}

Deno.test("reconcileNode() creates the DirectPVNode asking for a refresh", async () => {
  const f = await createFixture();
  try {
    await reconcile(f);
    const node = await f.kube.nodes.get(NODE);
    assert.deepEqual(node.spec, { refresh: true });
    assert.deepEqual(node.metadata.labels, {
      [LABELS.node]: NODE,
      [LABELS.version]: "v1beta1",
      [LABELS.createdBy]: "node-controller",
    });
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileNode() probes devices on refresh and clears the flag", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", majorMinor: "7:1" });
    await f.addDisk({ name: "loop2", majorMinor: "7:2", uuid: U1 });
    await f.addDisk({ name: "loop3", majorMinor: "7:3" });
    await f.host.addMount({ mountPoint: "/mnt/x", majorMinor: "7:3" });
    f.kube.seed(newNode(NODE));
    f.kube.inject({
      verb: "update",
      resource: "directpvnodes",
      times: 1,
      error: new ConflictError("stale"),
    });
    await reconcile(f, deps(f, (fsuuid) => fsuuid === U1));
    const node = await f.kube.nodes.get(NODE);
    assert.deepEqual(node.spec, { refresh: false });
    const byName = new Map(node.status.devices.map((d) => [d.name, d]));
    assert.deepEqual([...byName.keys()], ["loop1", "loop2", "loop3"]);
    assert.equal(byName.get("loop1")?.deniedReason, undefined);
    assert.equal(byName.get("loop1")?.majorMinor, "7:1");
    assert.equal(byName.get("loop1")?.size, 1024 ** 3);
    assert.match(byName.get("loop1")?.id ?? "", /^7:1\$/);
    assert.equal(byName.get("loop2")?.fsType, "xfs");
    assert.equal(byName.get("loop2")?.fsuuid, U1);
    assert.equal(byName.get("loop2")?.deniedReason, "Used by DirectPV");
    assert.equal(byName.get("loop3")?.deniedReason, "Mounted");
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileNode() does nothing without a refresh request or for other nodes", async () => {
  const f = await createFixture();
  try {
    const node = newNode(NODE);
    node.spec.refresh = false;
    f.kube.seed(node);
    await reconcile(f);
    await reconcileNode(deps(f), "other", undefined);
    assert.equal(f.kube.callsOf("update").length, 0);
    assert.equal(f.kube.callsOf("create").length, 0);
  } finally {
    await f.dispose();
  }
});

Deno.test("loopBackingDirFilter() shows only loop devices backed under the directory", async (t) => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", backingFile: "/srv/node1/disk1.img" });
    await f.addDisk({ name: "loop2", backingFile: "/srv/node2/disk1.img" });
    await f.addDisk({ name: "loop3", backingFile: "/srv/node1x/disk.img" });
    await f.addDisk({ name: "sdb" });
    const filter = loopBackingDirFilter(f.host, "/srv/node1/");
    const cases: [string, boolean][] = [
      ["loop1", true],
      ["loop2", false],
      ["loop3", false],
      ["sdb", false],
      ["loop9", false],
    ];
    for (const [name, visible] of cases) {
      await t.step(name, async () => assert.equal(await filter(name), visible));
    }
    await t.step("probing applies the filter", async () => {
      const ops = createNodeOps({ ...f.deps, deviceFilter: filter });
      assert.deepEqual((await ops.probeDevices(() => false)).map((d) => d.name), ["loop1"]);
    });
  } finally {
    await f.dispose();
  }
});
