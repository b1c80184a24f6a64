import assert from "node:assert/strict";
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import { defaultInstallArgs, installObjects, snapshotCrdObjects } from "../install/mod.ts";
import type { AnyObject } from "../k8s/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { LABELS, NAMESPACE } from "../types/mod.ts";
import { install } from "./install.ts";
import { makeVolume, MemoryFiles, recordingReporter } from "./testing.ts";

const NOW = new Date("2025-01-02T03:04:05.670Z");
const ARGS = defaultInstallArgs("v4.1.6");

function kinds(objects: Array<{ kind?: string }>): string[] {
  return objects.map((o) => o.kind ?? "");
}

Deno.test("install() creates every object in apply order and writes the audit log", async () => {
  const kube = new FakeKube();
  const files = new MemoryFiles();
  const reporter = recordingReporter();
  const result = await install(kube, {
    args: ARGS,
    audit: { files, dir: "/home/u/.directpv/audit", now: NOW },
    reporter,
  });
  // The fake cluster has no VolumeSnapshot CRDs, so `auto` adds them and the controller.
  const expected = installObjects({
    ...ARGS,
    kubeVersion: { major: 1, minor: 35 },
    snapshotController: "yes",
  });
  assert.deepEqual(
    result.objects.map((o) => `${o.kind}/${o.name}`),
    expected.map((o) => `${o.kind}/${o.metadata.name}`),
  );
  assert.ok(result.objects.every((o) => o.action === "created"));
  assert.deepEqual(
    kinds(kube.callsOf("create").map((c) => c.object as AnyObject)),
    kinds(expected),
  );
  assert.equal(result.auditFile, "/home/u/.directpv/audit/install.log.2025-01-02T03:04:05.67Z");
  assert.equal(files.dirs.get("/home/u/.directpv/audit"), 0o700);
  const audit = files.files.get("/home/u/.directpv/audit/install.log.2025-01-02T03:04:05.67Z");
  assert.ok(audit?.text.includes("kind: DaemonSet"));
  assert.equal(audit?.text.split("\n---\n").length, expected.length);
  assert.deepEqual(reporter.totals, [expected.length]);
  assert.equal(reporter.ended, 1);
});

Deno.test("install() run again upgrades what changed and leaves the rest", async () => {
  const kube = new FakeKube();
  await install(kube, { args: ARGS });
  const selector =
    (await kube.daemonSets.get("node-server", { namespace: NAMESPACE })).spec.selector;
  const again = await install(kube, { args: ARGS });
  assert.ok(again.objects.every((o) => o.action === "unchanged"), JSON.stringify(again.objects));
  const upgraded = await install(kube, { args: { ...defaultInstallArgs("v4.1.7") } });
  const changed = upgraded.objects.filter((o) => o.action !== "unchanged").map((o) =>
    `${o.kind}/${o.name}`
  );
  assert.deepEqual(changed, ["DaemonSet/node-server", "Deployment/controller"]);
  const ds = await kube.daemonSets.get("node-server", { namespace: NAMESPACE });
  assert.match(JSON.stringify(ds.spec.template.spec.containers), /directpv:v4\.1\.7/);
  assert.deepEqual(ds.spec.selector, selector);
});

Deno.test("install() keeps labels and annotations others added when it updates", async () => {
  const kube = new FakeKube();
  await install(kube, { args: ARGS });
  const ds = await kube.daemonSets.get("node-server", { namespace: NAMESPACE });
  ds.metadata.annotations = { ...ds.metadata.annotations, "example.com/owner": "ops" };
  await kube.daemonSets.update(ds, { namespace: NAMESPACE });
  await install(kube, { args: defaultInstallArgs("v4.1.7") });
  const after = await kube.daemonSets.get("node-server", { namespace: NAMESPACE });
  assert.equal(after.metadata.annotations?.["example.com/owner"], "ops");
  assert.equal(after.metadata.annotations?.[LABELS.imageTag], "v4.1.7");
});

Deno.test("install() replaces a StorageClass whose immutable fields differ", async () => {
  const kube = new FakeKube();
  await install(kube, { args: ARGS });
  const sc = await kube.storageClasses.get("directpv-min-io");
  sc.parameters = { "csi.storage.k8s.io/fstype": "ext4" };
  await kube.storageClasses.update(sc);
  const result = await install(kube, { args: ARGS });
  assert.deepEqual(result.objects.filter((o) => o.action === "replaced").map((o) => o.name), [
    "directpv-min-io",
  ]);
  assert.equal(
    (await kube.storageClasses.get("directpv-min-io")).parameters["csi.storage.k8s.io/fstype"],
    "xfs",
  );
});

Deno.test("install() in a dry run persists nothing and writes no audit log", async () => {
  const kube = new FakeKube();
  const files = new MemoryFiles();
  const result = await install(kube, {
    args: ARGS,
    dryRun: true,
    audit: { files, dir: "/a", now: NOW },
  });
  assert.ok(result.objects.every((o) => o.action === "created"));
  assert.deepEqual(await kube.namespaces.listAll(), []);
  assert.equal(files.files.size, 0);
  assert.equal(result.auditFile, undefined);
});

Deno.test("install() warns about an unsupported Kubernetes version", async () => {
  const kube = new FakeKube({ version: "1.17.3" });
  const reporter = recordingReporter();
  await install(kube, { args: ARGS, reporter });
  assert.deepEqual(reporter.warnings, ["Installing on unsupported Kubernetes v1.17"]);
});

Deno.test("install() switches to legacy mode when migrated volumes exist", async () => {
  const kube = new FakeKube();
  kube.seed(makeVolume({
    name: "pvc-1",
    driveId: "aaaaaaaa-0000-4000-8000-000000000001",
    node: "n1",
    driveName: "sdb",
    labels: { [LABELS.migrated]: "true" },
  }));
  const result = await install(kube, { args: ARGS });
  const names = result.objects.map((o) => `${o.kind}/${o.name}`);
  assert.ok(names.includes("DaemonSet/legacy-node-server"));
  assert.ok(names.includes("CSIDriver/direct-csi-min-io"));
  assert.equal(result.migration?.version, undefined);
});

Deno.test("install() warns and goes on when the audit log cannot be written", async () => {
  const kube = new FakeKube();
  const files = new MemoryFiles();
  files.rename = () => Promise.reject(new Error("read-only file system"));
  const reporter = recordingReporter();
  const result = await install(kube, {
    args: ARGS,
    reporter,
    audit: { files, dir: "/a", now: NOW },
  });
  assert.equal(result.auditFile, undefined);
  assert.deepEqual(reporter.warnings, ["Skipping audit logging: read-only file system"]);
  assert.equal(files.files.size, 0);
});

Deno.test("install() refuses to apply over an object that is being deleted", async () => {
  const kube = new FakeKube();
  await install(kube, { args: ARGS });
  await kube.namespaces.delete(NAMESPACE);
  await assert.rejects(
    install(kube, { args: ARGS }),
    (e) =>
      e instanceof FailedPreconditionError &&
      /Namespace "directpv": it is being deleted/.test(e.message),
  );
});

Deno.test("install() in a dry run on a fresh cluster tolerates the namespace not existing", async () => {
  const kube = new FakeKube();
  kube.inject({
    verb: "create",
    resource: "serviceaccounts",
    error: () => new NotFoundError('namespaces "directpv" not found'),
  });
  const result = await install(kube, { args: ARGS, dryRun: true });
  assert.ok(result.objects.every((o) => o.action === "created"));
});

const VOLUME_SNAPSHOT_CRD = "volumesnapshots.snapshot.storage.k8s.io";
const snapshotParts = (objects: Array<{ kind: string; name: string }>) =>
  objects.filter((o) =>
    o.name.includes("snapshot-controller") || o.name.includes(".snapshot.storage")
  )
    .map((o) => `${o.kind}/${o.name}`);

Deno.test("install() leaves the snapshot API to a cluster that has its own", async () => {
  const kube = new FakeKube();
  const theirs = snapshotCrdObjects().find((crd) => crd.metadata.name === VOLUME_SNAPSHOT_CRD);
  assert.ok(theirs);
  await kube.customResourceDefinitions.create({
    ...theirs,
    metadata: { name: VOLUME_SNAPSHOT_CRD },
  });
  const result = await install(kube, { args: ARGS });
  assert.deepEqual(snapshotParts(result.objects), []);
  await assert.rejects(
    kube.deployments.get("snapshot-controller", { namespace: NAMESPACE }),
    NotFoundError,
  );
  const forced = await install(kube, { args: { ...ARGS, snapshotController: "yes" } });
  assert.ok(
    forced.objects.some((o) => o.name === "snapshot-controller" && o.kind === "Deployment"),
  );
});

Deno.test("install() keeps the snapshot API it added when run again, and `no` leaves it out", async () => {
  const kube = new FakeKube();
  const reporter = recordingReporter();
  const first = await install(kube, { args: ARGS, reporter });
  assert.equal(snapshotParts(first.objects).length, 9);
  assert.ok(reporter.infos.some((m) => m.startsWith("Installing the VolumeSnapshot CRDs")));
  const again = await install(kube, { args: ARGS });
  assert.equal(snapshotParts(again.objects).length, 9);
  assert.ok(again.objects.every((o) => o.action === "unchanged"));
  const fresh = new FakeKube();
  const without = await install(fresh, { args: { ...ARGS, snapshotController: "no" } });
  assert.deepEqual(snapshotParts(without.objects), []);
});
