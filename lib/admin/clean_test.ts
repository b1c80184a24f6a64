import assert from "node:assert/strict";
import { FakeKube } from "../k8s/testing.ts";
import { FINALIZERS } from "../types/mod.ts";
import { clean } from "./clean.ts";
import { makePv, makeVolume, recordingReporter } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

function seeded(): FakeKube {
  const kube = new FakeKube();
  for (const name of ["pvc-bound", "pvc-released", "pvc-failed", "pvc-gone"]) {
    kube.seed(makeVolume({ name, driveId: A, node: "node1", driveName: "sdb" }));
  }
  kube.seed(
    makePv("pvc-bound", "Bound"),
    makePv("pvc-released", "Released"),
    makePv("pvc-failed", "Failed"),
  );
  return kube;
}

Deno.test("clean() deletes volumes whose PV is gone, Released or Failed", async () => {
  const kube = seeded();
  const reporter = recordingReporter();
  const cleaned = await clean(kube, { query: {}, reporter });
  assert.deepEqual(cleaned.map((v) => v.metadata.name).sort(), [
    "pvc-failed",
    "pvc-gone",
    "pvc-released",
  ]);
  const all = await kube.volumes.listAll();
  const live = all.filter((v) => !v.metadata.deletionTimestamp).map((v) => v.metadata.name);
  assert.deepEqual(live, ["pvc-bound"]);
  for (const v of all.filter((v) => v.metadata.deletionTimestamp)) {
    // The node controller purges the data, then drops purge-protection.
    assert.deepEqual(v.metadata.finalizers, [FINALIZERS.purgeProtection]);
  }
  assert.equal(reporter.infos.length, 3);
  assert.match(reporter.infos[0] ?? "", /^Removing volume pvc-/);
});

Deno.test("clean() in a dry run deletes nothing", async () => {
  const kube = seeded();
  const cleaned = await clean(kube, { query: {}, dryRun: true });
  assert.equal(cleaned.length, 3);
  const all = await kube.volumes.listAll();
  assert.equal(all.filter((v) => v.metadata.deletionTimestamp).length, 0);
  assert.equal(
    all.filter((v) => v.metadata.finalizers?.includes(FINALIZERS.pvProtection)).length,
    4,
  );
});
