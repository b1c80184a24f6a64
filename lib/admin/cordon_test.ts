import assert from "node:assert/strict";
import { FailedPreconditionError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { cordon, uncordon } from "./cordon.ts";
import { makeDrive, makeVolume, recordingReporter } from "./testing.ts";
import { NoMatchingResourcesError } from "./types.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";

function seeded(): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb", volumes: ["pvc-1"] }),
    makeDrive({ id: B, node: "node2", name: "sdc", volumes: ["pvc-2"] }),
    makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" }),
    makeVolume({ name: "pvc-2", driveId: B, node: "node2", driveName: "sdc", status: "Pending" }),
  );
  return kube;
}

Deno.test("cordon() marks drives unschedulable and logs each", async () => {
  const kube = seeded();
  const reporter = recordingReporter();
  const changed = await cordon(kube, { query: { nodes: ["node1"] }, reporter });
  assert.deepEqual(changed.map((d) => d.metadata.name), [A]);
  assert.ok((await kube.drives.get(A)).spec.unschedulable);
  assert.deepEqual(reporter.infos, ["Drive node1/sdb cordoned"]);
});

Deno.test("cordon() refuses a drive with a pending volume and changes nothing", async () => {
  const kube = seeded();
  await assert.rejects(
    cordon(kube, { query: {} }),
    (err) =>
      err instanceof FailedPreconditionError && err.message.includes(B) &&
      /pending volumes/.test(err.message),
  );
  assert.equal(kube.callsOf("update").length, 0);
});

Deno.test("cordon() skips drives already cordoned", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb", unschedulable: true }));
  const reporter = recordingReporter();
  assert.deepEqual(await cordon(kube, { query: {}, reporter }), []);
  assert.deepEqual(reporter.infos, []);
});

Deno.test("cordon() honours dry run", async () => {
  const kube = seeded();
  await cordon(kube, { query: { driveIds: [A] }, dryRun: true });
  assert.equal((await kube.drives.get(A)).spec.unschedulable, undefined);
});

Deno.test("uncordon() clears unschedulable even with pending volumes", async () => {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: B, node: "node2", name: "sdc", unschedulable: true, volumes: ["pvc-2"] }),
    makeVolume({ name: "pvc-2", driveId: B, node: "node2", driveName: "sdc", status: "Pending" }),
  );
  const reporter = recordingReporter();
  await uncordon(kube, { query: {}, reporter });
  assert.equal((await kube.drives.get(B)).spec.unschedulable, undefined);
  assert.deepEqual(reporter.infos, ["Drive node2/sdc uncordoned"]);
});

Deno.test("cordon() with nothing matching throws NoMatchingResourcesError", async () => {
  await assert.rejects(cordon(seeded(), { query: { nodes: ["nope"] } }), NoMatchingResourcesError);
});
