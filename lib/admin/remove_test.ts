import assert from "node:assert/strict";
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { removeDrives } from "./remove.ts";
import { makeDrive, recordingReporter, seedLease, seedNode } from "./testing.ts";
import { NoMatchingResourcesError } from "./types.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";

Deno.test("removeDrives() marks drives without volumes Removed", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  const reporter = recordingReporter();
  await removeDrives(kube, { query: { driveIds: [A] }, reporter });
  assert.equal((await kube.drives.get(A)).status.status, "Removed");
  assert.deepEqual(reporter.infos, ["Removing node1/sdb"]);
});

Deno.test("removeDrives() leaves drives with volumes and fails after the others", async () => {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb" }),
    makeDrive({ id: B, node: "node1", name: "sdc", volumes: ["pvc-1", "pvc-2"] }),
  );
  await assert.rejects(
    removeDrives(kube, { query: { nodes: ["node1"] } }),
    (e) => e instanceof FailedPreconditionError && e.message.includes('"node1/sdc" has 2 volumes'),
  );
  assert.equal((await kube.drives.get(A)).status.status, "Removed");
  assert.equal((await kube.drives.get(B)).status.status, "Ready");
});

Deno.test("removeDrives() skips drives already removed; none left means no match", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb", status: "Removed" }));
  await assert.rejects(removeDrives(kube, { query: {} }), NoMatchingResourcesError);
});

Deno.test("removeDrives() in a dry run changes nothing", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  const removed = await removeDrives(kube, { query: {}, dryRun: true });
  assert.equal(removed[0]?.status.status, "Removed");
  assert.equal((await kube.drives.get(A)).status.status, "Ready");
});

const NOW = new Date("2026-01-02T03:04:05Z");

Deno.test("removeDrives({force}) deletes the drive objects of a dead node", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  seedLease(kube, "node1", new Date(NOW.getTime() - 60_000));
  seedNode(kube, "node1", { ready: false });
  const reporter = recordingReporter();
  await removeDrives(kube, { query: { driveIds: [A] }, force: true, now: () => NOW, reporter });
  await assert.rejects(kube.drives.get(A), NotFoundError);
  assert.deepEqual(reporter.infos, ["Removed node1/sdb without its node server"]);
});

Deno.test("removeDrives({force}) refuses a live node server or a Ready node, changing nothing", async (t) => {
  for (
    const [what, setup, reason] of [
      ["lease current", (k: FakeKube) => seedLease(k, "node1", NOW), /node server is running/],
      ["Node Ready", (k: FakeKube) => seedNode(k, "node1", { ready: true }), /its Node is Ready/],
    ] as const
  ) {
    await t.step(what, async () => {
      const kube = new FakeKube();
      kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
      setup(kube);
      const before = JSON.stringify(await kube.drives.get(A));
      await assert.rejects(
        removeDrives(kube, { query: { driveIds: [A] }, force: true, now: () => NOW }),
        (e) =>
          e instanceof FailedPreconditionError && /node "node1"/.test(e.message) &&
          reason.test(e.message),
      );
      assert.equal(JSON.stringify(await kube.drives.get(A)), before);
    });
  }
});

Deno.test("removeDrives({force}) refuses drives with volumes; a dry run deletes nothing", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: B, node: "node1", name: "sdc", volumes: ["pvc-1"] }));
  await assert.rejects(
    removeDrives(kube, { query: { driveIds: [B] }, force: true, now: () => NOW }),
    /"node1\/sdc" has 1 volume\(s\); use remove-node/,
  );
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  const before = JSON.stringify(await kube.drives.get(A));
  await removeDrives(kube, { query: { driveIds: [A] }, force: true, dryRun: true, now: () => NOW });
  assert.equal(JSON.stringify(await kube.drives.get(A)), before);
});
