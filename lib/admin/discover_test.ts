import assert from "node:assert/strict";
import { DeadlineExceededError, NotFoundError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import type { NodeDevice } from "../types/mod.ts";
import { discover, syncNodes } from "./discover.ts";
import { makeCsiNode, makeNode, recordingReporter } from "./testing.ts";
import { nodeControllers } from "../node_init/testing.ts";

const SDB: NodeDevice = {
  name: "sdb",
  id: "8:16$abc",
  majorMinor: "8:16",
  size: 2 ** 30,
  make: "QEMU",
};
const SDC: NodeDevice = {
  name: "sdc",
  id: "8:32$def",
  majorMinor: "8:32",
  size: 2 ** 30,
  deniedReason: "Mounted",
};

Deno.test("syncNodes() creates DirectPVNodes for CSINodes running the driver and deletes orphans", async () => {
  const kube = new FakeKube();
  kube.seed(
    makeCsiNode("node1"),
    makeCsiNode("node2"),
    makeCsiNode("other", ["ebs.csi.aws.com"]),
    makeNode("gone", []),
  );
  const nodes = await syncNodes(kube);
  assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ["node1", "node2"]);
  assert.deepEqual((await kube.nodes.listAll()).map((n) => n.metadata.name).sort(), [
    "node1",
    "node2",
  ]);
  assert.ok((await kube.nodes.get("node1")).spec.refresh);
});

Deno.test("syncNodes() accepts a DirectPVNode the node controller created first", async () => {
  const kube = new FakeKube();
  kube.seed(makeCsiNode("node1"));
  // The node controller creates its DirectPVNode between our list and our create.
  kube.inject({
    verb: "create",
    resource: "directpvnodes",
    times: 1,
    hook: async () => {
      kube.seed(makeNode("node1", [SDB]));
      await Promise.resolve();
    },
  });
  const nodes = await syncNodes(kube);
  assert.deepEqual(nodes.map((n) => n.metadata.name), ["node1"]);
  assert.deepEqual(nodes[0]?.status.devices, [SDB]);
});

Deno.test("discover() refreshes every node and returns what they report", async () => {
  const kube = new FakeKube();
  kube.seed(makeCsiNode("node1"), makeCsiNode("node2"), makeNode("node1", []));
  const stop = nodeControllers(kube, { devices: { node1: [SDB], node2: [SDC] } });
  const reporter = recordingReporter();
  try {
    const nodes = await discover(kube, { timeoutMs: 5000, reporter });
    assert.deepEqual(nodes.map((n) => n.metadata.name), ["node1", "node2"]);
    assert.deepEqual(nodes[0]?.status.devices, [SDB]);
    assert.deepEqual(nodes[1]?.status.devices, [SDC]);
  } finally {
    await stop();
  }
  assert.deepEqual(reporter.totals, [2]);
  assert.deepEqual(
    reporter.updates.filter((u) => u.state === "done").map((u) => u.message).sort(),
    ["Discovered node 'node1'", "Discovered node 'node2'"],
  );
  assert.equal(reporter.ended, 1);
});

Deno.test("discover() refreshes only the named nodes and warns about unknown ones", async () => {
  const kube = new FakeKube();
  kube.seed(
    makeCsiNode("node1"),
    makeCsiNode("node2"),
    makeNode("node1", []),
    makeNode("node2", []),
  );
  const stop = nodeControllers(kube, { devices: { node1: [SDB] } });
  const reporter = recordingReporter();
  try {
    const nodes = await discover(kube, { nodes: ["node1", "node9"], timeoutMs: 5000, reporter });
    assert.deepEqual(nodes.map((n) => n.metadata.name), ["node1"]);
  } finally {
    await stop();
  }
  assert.deepEqual(reporter.warnings, ["Node(s) node9 not found; skipped"]);
});

Deno.test("discover() fails when none of the named nodes exists", async () => {
  const kube = new FakeKube();
  kube.seed(makeCsiNode("node1"));
  await assert.rejects(
    discover(kube, { nodes: ["x", "y"], timeoutMs: 1000 }),
    (e) => e instanceof NotFoundError && e.message === "Node(s) x,y not found",
  );
});

Deno.test("discover() times out when a node does not answer", async () => {
  const kube = new FakeKube();
  kube.seed(makeCsiNode("node1"), makeCsiNode("node2"));
  const stop = nodeControllers(kube, { ignoreNodes: ["node2"] });
  const reporter = recordingReporter();
  try {
    await assert.rejects(
      discover(kube, { timeoutMs: 300, reporter }),
      (e) => e instanceof DeadlineExceededError && /node2: timed out after 300ms/.test(e.message),
    );
  } finally {
    await stop();
  }
  assert.ok(reporter.updates.some((u) => u.key === "node2" && u.state === "failed"));
});
