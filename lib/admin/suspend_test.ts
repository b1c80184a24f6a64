import assert from "node:assert/strict";
import { FakeKube } from "../k8s/testing.ts";
import { LABELS } from "../types/mod.ts";
import { resumeDrives, resumeVolumes, suspendDrives, suspendVolumes } from "./suspend.ts";
import { makeDrive, makeVolume, recordingReporter } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";

Deno.test("suspendDrives() labels drives suspended and skips those already suspended", async () => {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb" }),
    makeDrive({ id: B, node: "node1", name: "sdc", labels: { [LABELS.suspend]: "true" } }),
  );
  const reporter = recordingReporter();
  const changed = await suspendDrives(kube, { query: { nodes: ["node1"] }, reporter });
  assert.deepEqual(changed.map((d) => d.metadata.name), [A]);
  assert.equal((await kube.drives.get(A)).metadata.labels?.[LABELS.suspend], "true");
  assert.deepEqual(reporter.infos, ["Drive node1/sdb suspended"]);
});

Deno.test("resumeDrives() removes the suspend label", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: B, node: "node1", name: "sdc", labels: { [LABELS.suspend]: "true" } }));
  const reporter = recordingReporter();
  await resumeDrives(kube, { query: { driveIds: [B] }, reporter });
  assert.equal((await kube.drives.get(B)).metadata.labels?.[LABELS.suspend], undefined);
  assert.deepEqual(reporter.infos, ["Drive node1/sdc resumed"]);
});

Deno.test("suspendVolumes() and resumeVolumes() toggle volumes; dry run writes nothing", async () => {
  const kube = new FakeKube();
  kube.seed(makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" }));
  await suspendVolumes(kube, { query: { volumeNames: ["pvc-1"] }, dryRun: true });
  assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.suspend], undefined);
  const reporter = recordingReporter();
  await suspendVolumes(kube, { query: { volumeNames: ["pvc-1"] }, reporter });
  assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.suspend], "true");
  await resumeVolumes(kube, { query: { volumeNames: ["pvc-1"] }, reporter });
  assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.suspend], undefined);
  assert.deepEqual(reporter.infos, ["Volume node1/pvc-1 suspended", "Volume node1/pvc-1 resumed"]);
});
