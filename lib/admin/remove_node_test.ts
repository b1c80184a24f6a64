import assert from "node:assert/strict";
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import type { AnyObject } from "../k8s/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { newDirectPVNode } from "../types/mod.ts";
import { removeNode } from "./remove_node.ts";
import { makeDrive, makeVolume, recordingReporter, seedLease, seedNode } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const NOW = new Date("2026-01-02T03:04:05Z");
const LONG_AGO = new Date(NOW.getTime() - 3600_000);

function pv(name: string, claim: string): AnyObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, finalizers: ["kubernetes.io/pv-protection"] },
    spec: { claimRef: { namespace: "db", name: claim } },
  };
}

function pvc(name: string, volume: string): AnyObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: "db", finalizers: ["kubernetes.io/pvc-protection"] },
    spec: { volumeName: volume },
  };
}

function pod(name: string, node: string, claim: string): AnyObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "db" },
    spec: {
      nodeName: node,
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }],
    },
  };
}

/** node1 (dead unless told) with a drive and a volume used by a StatefulSet pod; node2 alike. */
function cluster(): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb", volumes: ["pvc-1"] }),
    makeDrive({ id: B, node: "node2", name: "sdb", volumes: ["pvc-2"] }),
    makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" }),
    makeVolume({ name: "pvc-2", driveId: B, node: "node2", driveName: "sdb" }),
    newDirectPVNode("node1"),
    newDirectPVNode("node2"),
    pv("pvc-1", "data-web-0"),
    pv("pvc-2", "data-web-1"),
    pvc("data-web-0", "pvc-1"),
    pvc("data-web-1", "pvc-2"),
    pod("web-0", "node1", "data-web-0"),
    pod("web-1", "node2", "data-web-1"),
  );
  seedLease(kube, "node1", LONG_AGO);
  seedLease(kube, "node2", NOW);
  seedNode(kube, "node1", { ready: false });
  seedNode(kube, "node2", { ready: true });
  return kube;
}

async function dump(kube: FakeKube): Promise<string> {
  const leases = kube.resource("coordination.k8s.io/v1", "Lease", {
    plural: "leases",
    namespaced: true,
  });
  const all = [
    await kube.drives.listAll(),
    await kube.volumes.listAll(),
    await kube.nodes.listAll(),
    await kube.persistentVolumes.listAll(),
    await kube.persistentVolumeClaims.listAll({ namespace: "db" }),
    await kube.pods.listAll({ namespace: "db" }),
    await kube.coreNodes.listAll(),
    await leases.listAll({ namespace: "directpv" }),
  ];
  return JSON.stringify(all);
}

const names = (objects: AnyObject[]) => objects.map((o) => o.metadata.name).sort();

Deno.test("removeNode() releases a dead node's volumes and removes its objects", async () => {
  const kube = cluster();
  const reporter = recordingReporter();
  const result = await removeNode(kube, {
    node: "node1",
    deleteClaims: true,
    now: () => NOW,
    reporter,
  });
  assert.deepEqual(result, {
    node: "node1",
    drives: [A],
    volumes: ["pvc-1"],
    persistentVolumes: ["pvc-1"],
    claims: ["db/data-web-0"],
    pods: ["db/web-0"],
  });
  assert.deepEqual(names(await kube.drives.listAll()), [B]);
  assert.deepEqual(names(await kube.volumes.listAll()), ["pvc-2"]);
  assert.deepEqual(names(await kube.nodes.listAll()), ["node2"]);
  assert.deepEqual(names(await kube.persistentVolumes.listAll()), ["pvc-2"]);
  assert.deepEqual(names(await kube.persistentVolumeClaims.listAll({ namespace: "db" })), [
    "data-web-1",
  ]);
  assert.deepEqual(names(await kube.pods.listAll({ namespace: "db" })), ["web-1"]);
  assert.deepEqual(reporter.infos, ["Drive node1/sdb marked Lost", "Volume pvc-1 released"]);
});

Deno.test("removeNode() without deleteClaims keeps the PVC and the pod, and can run again", async () => {
  const kube = cluster();
  await removeNode(kube, { node: "node1", now: () => NOW });
  assert.deepEqual(names(await kube.persistentVolumes.listAll()), ["pvc-2"]);
  assert.equal(
    (await kube.persistentVolumeClaims.listAll({ namespace: "db" })).length,
    2,
    "claims kept",
  );
  // Re-run after everything is gone: the node is unknown now, nothing else changes.
  const before = await dump(kube);
  await assert.rejects(
    removeNode(kube, { node: "node1", now: () => NOW }),
    (e) => e instanceof NotFoundError && /Node "node1" is unknown to DirectPV/.test(e.message),
  );
  assert.equal(await dump(kube), before);
});

Deno.test("removeNode() refuses a live node, an unknown node; a dry run changes nothing", async (t) => {
  await t.step("live node server: refused, nothing changed", async () => {
    const kube = cluster();
    const before = await dump(kube);
    await assert.rejects(
      removeNode(kube, { node: "node2", now: () => NOW }),
      (e) =>
        e instanceof FailedPreconditionError &&
        /Refusing to remove node "node2": its node server is running/.test(e.message),
    );
    assert.equal(await dump(kube), before);
  });
  await t.step("Ready node with no lease: refused", async () => {
    const kube = cluster();
    seedNode(kube, "node3", { ready: true });
    kube.seed(
      makeDrive({ id: "cccccccc-0000-4000-8000-000000000003", node: "node3", name: "sdb" }),
    );
    await assert.rejects(
      removeNode(kube, { node: "node3", now: () => NOW }),
      /node "node3": its Node is Ready/,
    );
  });
  await t.step("--force overrides and warns", async () => {
    const kube = cluster();
    const reporter = recordingReporter();
    await removeNode(kube, { node: "node2", force: true, now: () => NOW, reporter });
    assert.deepEqual(names(await kube.drives.listAll()), [A]);
    assert.match(reporter.warnings[0] ?? "", /Node "node2" looks alive .*; forced/);
  });
  await t.step("unknown node", async () => {
    const kube = cluster();
    const before = await dump(kube);
    await assert.rejects(removeNode(kube, { node: "nodeX", now: () => NOW }), /"nodeX"/);
    assert.equal(await dump(kube), before);
  });
  await t.step("dry run", async () => {
    const kube = cluster();
    const before = await dump(kube);
    const result = await removeNode(kube, {
      node: "node1",
      deleteClaims: true,
      dryRun: true,
      now: () => NOW,
    });
    assert.deepEqual(result.drives, [A], "reports what it would delete");
    assert.equal(await dump(kube), before, "byte-for-byte the same");
  });
});
