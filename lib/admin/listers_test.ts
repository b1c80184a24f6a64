import assert from "node:assert/strict";
import { FakeKube } from "../k8s/testing.ts";
import { LABELS } from "../types/mod.ts";
import { labelSelectorOf, LIST_PAGE_SIZE, listDrives, listVolumes } from "./listers.ts";
import { volumeCount } from "../types/mod.ts";
import { makeDrive, makeVolume } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const C = "cccccccc-0000-4000-8000-000000000003";

function seeded(): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb" }),
    makeDrive({ id: B, node: "node2", name: "sdb", status: "Lost" }),
    makeDrive({ id: C, node: "node2", name: "sdc", labels: { "directpv.min.io/tier": "hot" } }),
    makeVolume({
      name: "pvc-1",
      driveId: A,
      node: "node1",
      driveName: "sdb",
      pod: { name: "p1", namespace: "ns1" },
    }),
    makeVolume({ name: "pvc-2", driveId: C, node: "node2", driveName: "sdc", status: "Pending" }),
  );
  return kube;
}

const names = (objects: Array<{ metadata: { name?: string } }>) =>
  objects.map((o) => o.metadata.name).sort();

Deno.test("labelSelectorOf() sanitises values into a sorted set selector", () => {
  assert.equal(
    labelSelectorOf([[LABELS.node, ["n2", "n1", "n1"]], [LABELS.driveName, ["/dev/sda"]]], {
      k: "v",
    }),
    "directpv.min.io/node in (n1,n2),directpv.min.io/drive-name in (xdev-sda),k=v",
  );
  assert.equal(labelSelectorOf([[LABELS.node, []]]), "");
});

Deno.test("listDrives() filters by node, name, status and label", async (t) => {
  const kube = seeded();
  await t.step("everything", async () => {
    assert.deepEqual(names(await listDrives(kube, {})), [A, B, C]);
  });
  await t.step("by node", async () => {
    assert.deepEqual(names(await listDrives(kube, { nodes: ["node2"] })), [B, C]);
  });
  await t.step("by drive name", async () => {
    assert.deepEqual(names(await listDrives(kube, { driveNames: ["sdb"] })), [A, B]);
  });
  await t.step("by status, client-side", async () => {
    assert.deepEqual(names(await listDrives(kube, { statuses: ["Lost"] })), [B]);
  });
  await t.step("by user label", async () => {
    assert.deepEqual(names(await listDrives(kube, { labels: { "directpv.min.io/tier": "hot" } })), [
      C,
    ]);
  });
});

Deno.test("listDrives() ORs explicit drive ids and keeps them whatever their status", async () => {
  const kube = seeded();
  const got = await listDrives(kube, { nodes: ["node1"], driveIds: [B], statuses: ["Ready"] });
  assert.deepEqual(names(got), [A, B]);
});

Deno.test("listDrives() with only ids GETs them and ignores unknown ones", async () => {
  const kube = seeded();
  const got = await listDrives(kube, { driveIds: [A, "dddddddd-0000-4000-8000-000000000004"] });
  assert.deepEqual(names(got), [A]);
  assert.equal(kube.callsOf("list", "directpvdrives").length, 0);
});

Deno.test("listDrives() follows pages", async () => {
  const kube = new FakeKube();
  const count = 2 * LIST_PAGE_SIZE + 50;
  for (let i = 0; i < count; i++) {
    const id = `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, "0")}`;
    kube.seed(makeDrive({ id, node: "node1", name: `sd${i}` }));
  }
  assert.equal((await listDrives(kube, {})).length, count);
  assert.equal(kube.callsOf("list", "directpvdrives").length, 3);
});

Deno.test("listVolumes() filters by pod, drive id and status and ORs volume names", async (t) => {
  const kube = seeded();
  await t.step("by pod namespace", async () => {
    assert.deepEqual(names(await listVolumes(kube, { podNamespaces: ["ns1"] })), ["pvc-1"]);
  });
  await t.step("by drive id (a filter, not ORed)", async () => {
    assert.deepEqual(names(await listVolumes(kube, { driveIds: [C] })), ["pvc-2"]);
  });
  await t.step("by status", async () => {
    assert.deepEqual(names(await listVolumes(kube, { statuses: ["Pending"] })), ["pvc-2"]);
  });
  await t.step("names ORed with a node filter", async () => {
    assert.deepEqual(names(await listVolumes(kube, { nodes: ["node1"], volumeNames: ["pvc-2"] })), [
      "pvc-1",
      "pvc-2",
    ]);
  });
});

Deno.test("volumeCount() counts the per-volume finalizers", () => {
  assert.equal(volumeCount(makeDrive({ id: A, node: "n", name: "sdb", volumes: ["a", "b"] })), 2);
  assert.equal(volumeCount(makeDrive({ id: A, node: "n", name: "sdb" })), 0);
});
