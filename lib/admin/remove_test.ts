import assert from "node:assert/strict";
import { FailedPreconditionError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { removeDrives } from "./remove.ts";
import { makeDrive, recordingReporter } from "./testing.ts";
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
