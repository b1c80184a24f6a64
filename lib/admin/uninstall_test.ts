import assert from "node:assert/strict";
import { defaultInstallArgs } from "../install/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { NAMESPACE } from "../types/mod.ts";
import { install } from "./install.ts";
import { makeDrive, makeVolume, recordingReporter } from "./testing.ts";
import { DELETE_PROTECTION_FINALIZER, uninstall, uninstallOrder } from "./uninstall.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

async function installed(): Promise<FakeKube> {
  const kube = new FakeKube();
  await install(kube, { args: defaultInstallArgs("v4.1.6") });
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb", volumes: ["pvc-1"] }),
    makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" }),
  );
  return kube;
}

Deno.test("uninstallOrder() deletes workloads first and the namespace last", () => {
  const kinds = uninstallOrder().map((o) => o.kind);
  assert.equal(kinds[0], "Deployment");
  assert.equal(kinds.at(-1), "Namespace");
  assert.ok(kinds.indexOf("DaemonSet") < kinds.indexOf("CustomResourceDefinition"));
});

Deno.test("uninstall() keeps CRDs, drives and volumes", async () => {
  const kube = await installed();
  const reporter = recordingReporter();
  const removed = await uninstall(kube, { reporter });
  assert.ok(removed.some((o) => o.kind === "DaemonSet" && o.name === "node-server"));
  assert.ok(!removed.some((o) => o.kind === "CustomResourceDefinition"));
  assert.ok(removed.some((o) => o.kind === "Deployment" && o.name === "snapshot-controller"));
  // Five of ours and the three VolumeSnapshot CRDs install added.
  assert.equal((await kube.customResourceDefinitions.listAll()).length, 8);
  assert.equal((await kube.drives.listAll()).length, 1);
  assert.equal((await kube.volumes.listAll()).length, 1);
  assert.deepEqual(await kube.deployments.listAll({ namespace: NAMESPACE }), []);
  assert.equal(reporter.ended, 1);
});

Deno.test("uninstall() with dangerous strips finalizers and deletes everything", async () => {
  const kube = await installed();
  const removed = await uninstall(kube, { dangerous: true });
  assert.equal(removed.filter((o) => o.kind === "CustomResourceDefinition").length, 5);
  // Deleting the VolumeSnapshot CRDs would delete every VolumeSnapshot of the cluster.
  const left = await kube.customResourceDefinitions.listAll();
  assert.deepEqual(left.map((crd) => crd.spec.group), Array(3).fill("snapshot.storage.k8s.io"));
  assert.deepEqual(await kube.drives.listAll(), []);
  assert.deepEqual(await kube.volumes.listAll(), []);
});

Deno.test("uninstall() removes the controller's delete-protection finalizer first", async () => {
  const kube = await installed();
  const deployment = await kube.deployments.get("controller", { namespace: NAMESPACE });
  deployment.metadata.finalizers = [DELETE_PROTECTION_FINALIZER];
  await kube.deployments.update(deployment, { namespace: NAMESPACE });
  await uninstall(kube, {});
  assert.deepEqual(await kube.deployments.listAll({ namespace: NAMESPACE }), []);
});

Deno.test("uninstall() of nothing succeeds and in a dry run deletes nothing", async () => {
  assert.deepEqual(await uninstall(new FakeKube(), {}), []);
  const kube = await installed();
  await uninstall(kube, { dryRun: true, dangerous: true });
  assert.equal((await kube.daemonSets.listAll({ namespace: NAMESPACE })).length, 1);
  assert.equal((await kube.drives.listAll()).length, 1);
});
