import assert from "node:assert/strict";
import { makeDrive, makeVolume, seedLease } from "../lib/admin/testing.ts";
import type { AnyObject } from "../lib/k8s/mod.ts";
import { FakeKube } from "../lib/k8s/testing.ts";
import { nullLogger } from "../lib/log/mod.ts";
import { retireDeletedNode, startNodeRetirer } from "./node_retirer.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

function node(name: string): AnyObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name } };
}

Deno.test("the node retirer retires a node once its Node object is deleted", async () => {
  const kube = new FakeKube();
  kube.seed(
    node("node1"),
    makeDrive({ id: A, node: "node1", name: "sdb", volumes: ["pvc-1"] }),
    makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" }),
  );
  const retirer = startNodeRetirer(kube, nullLogger());
  try {
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await kube.drives.listAll()).length, 1, "nothing happens while the Node exists");
    await kube.coreNodes.delete("node1");
    for (let i = 0; i < 100 && (await kube.drives.listAll()).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(await kube.drives.listAll(), []);
    assert.deepEqual(await kube.volumes.listAll(), []);
  } finally {
    await retirer.stop();
  }
});

Deno.test("retireDeletedNode() leaves a node whose node server still runs, and ignores strangers", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  seedLease(kube, "node1", new Date());
  await retireDeletedNode(kube, "node1", nullLogger());
  assert.equal((await kube.drives.listAll()).length, 1);
  await retireDeletedNode(kube, "stranger", nullLogger());
  assert.equal((await kube.drives.listAll()).length, 1);
});
