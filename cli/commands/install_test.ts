import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { NAMESPACE } from "../../lib/types/mod.ts";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { testCli } from "../testing.ts";

Deno.test("install -o yaml prints valid YAML documents separated by ---, touching no cluster", async () => {
  const cli = testCli();
  assert.equal(await cli.run("install", "-o", "yaml", "--kube-version", "1.24.0"), 0);
  const docs = parseAllDocuments(cli.stdout());
  assert.ok(Array.isArray(docs));
  const objects = docs.map((d) => d.toJS());
  assert.equal(objects.length, 15);
  assert.equal(objects[0].kind, "Namespace");
  assert.equal(objects[0].metadata.labels["pod-security.kubernetes.io/enforce"], undefined);
  assert.deepEqual(cli.targets, []);
});

Deno.test("install -o json prints one List document; --legacy adds the legacy objects", async () => {
  const cli = testCli();
  assert.equal(await cli.run("install", "-o", "json", "--legacy"), 0);
  const list = JSON.parse(cli.stdout());
  assert.equal(list.kind, "List");
  assert.equal(list.apiVersion, "v1");
  assert.ok(
    list.items.some((o: { metadata: { name: string } }) =>
      o.metadata.name === "legacy-node-server"
    ),
  );
});

Deno.test("install then install again then uninstall", async () => {
  const cli = testCli();
  assert.equal(await cli.run("install"), 0, cli.stderr());
  assert.match(cli.stdout(), /│ node-server +│ DaemonSet +│ created +│/);
  assert.match(cli.stderr(), /DirectPV installed successfully\n$/);
  assert.equal(
    [...cli.files.files.keys()].filter((k) =>
      k.startsWith("/home/user/.directpv/audit/install.log.")
    ).length,
    1,
  );

  const again = testCli({ kube: cli.kube });
  assert.equal(await again.run("install", "--image", "directpv:v4.1.7"), 0, again.stderr());
  assert.match(again.stdout(), /│ node-server +│ DaemonSet +│ updated +│/);
  assert.match(again.stdout(), /│ directpv +│ Namespace +│ unchanged +│/);

  const gone = testCli({ kube: cli.kube });
  assert.equal(await gone.run("uninstall"), 0, gone.stderr());
  assert.match(gone.stderr(), /DirectPV uninstalled successfully\n$/);
  assert.deepEqual(await cli.kube.daemonSets.listAll({ namespace: NAMESPACE }), []);
  // Ours, and the VolumeSnapshot CRDs a cluster without them gets (uninstall keeps those).
  assert.equal((await cli.kube.customResourceDefinitions.listAll()).length, 8);
});

Deno.test("install --dry-run persists nothing and writes no audit log", async () => {
  const cli = testCli();
  assert.equal(await cli.run("install", "--dry-run"), 0, cli.stderr());
  assert.match(cli.stderr(), /DirectPV installed successfully \(dry run\)/);
  assert.deepEqual(await cli.kube.namespaces.listAll(), []);
  assert.equal(cli.files.files.size, 0);
});

Deno.test("install prints per-object progress lines when stderr is not a terminal", async () => {
  const cli = testCli();
  await cli.run("install");
  assert.match(cli.stderr(), /^Namespace directpv created ✔$/m);
  const quiet = testCli();
  await quiet.run("--quiet", "install");
  assert.equal(quiet.stderr(), "");
});

Deno.test("install -o yaml names our images and the official sidecars, no quay.io/minio one", async () => {
  const cli = testCli();
  assert.equal(await cli.run("install", "-o", "yaml"), 0);
  const images = [...cli.stdout().matchAll(/^\s*image: (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(images, [
    `ghcr.io/directpv/directpv:${RELEASE_TAG}`,
    "registry.k8s.io/sig-storage/csi-provisioner:v6.3.0",
    "registry.k8s.io/sig-storage/csi-resizer:v2.2.0",
    `ghcr.io/directpv/directpv:${RELEASE_TAG}`,
    "registry.k8s.io/sig-storage/csi-snapshotter:v8.6.0",
  ]);
  assert.doesNotMatch(cli.stdout(), /quay\.io\/minio/);
  assert.doesNotMatch(cli.stdout(), /node-driver-registrar|livenessprobe/);
});

Deno.test("install -o yaml uses MinIO's images and DirectPV's sidecars only when asked", async () => {
  const cli = testCli();
  const flags = ["--registry", "quay.io", "--org", "minio", "--image", "directpv:v4.1.6"];
  assert.equal(await cli.run("install", "-o", "yaml", ...flags, "--node-driver-registrar"), 0);
  const images = [...cli.stdout().matchAll(/^\s*image: (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(images, [
    "quay.io/minio/csi-node-driver-registrar:v2.16.0-0",
    "quay.io/minio/directpv:v4.1.6",
    "quay.io/minio/directpv:v4.1.6",
    "quay.io/minio/livenessprobe:v2.18.0-0",
    "quay.io/minio/csi-provisioner:v6.2.0-0",
    "quay.io/minio/csi-resizer:v2.1.0-0",
    "quay.io/minio/directpv:v4.1.6",
    // MinIO rebuilds no csi-snapshotter (DirectPV has no snapshots): the official one.
    "registry.k8s.io/sig-storage/csi-snapshotter:v8.6.0",
  ]);
  assert.doesNotMatch(
    cli.stdout(),
    /--plugin-registration-path/,
    "the node server does not register",
  );
});

Deno.test("install --no-capacity-tracking turns the CSIDriver and provisioner capacity off", async () => {
  const on = testCli();
  assert.equal(await on.run("install", "-o", "yaml"), 0);
  assert.match(on.stdout(), /storageCapacity: true/);
  assert.match(on.stdout(), /--enable-capacity/);
  const off = testCli();
  assert.equal(await off.run("install", "-o", "yaml", "--no-capacity-tracking"), 0);
  assert.doesNotMatch(off.stdout(), /storageCapacity|--enable-capacity|--capacity-/);
  // Least privilege: no CSIStorageCapacity grant without the provisioner that writes them;
  // installing again with capacity tracking updates the ClusterRole with the rest.
  assert.doesNotMatch(off.stdout(), /csistoragecapacities/);
  assert.match(on.stdout(), /csistoragecapacities/);
});

Deno.test("install --snapshot-controller: yes adds it to the manifest, a bad mode writes nothing", async () => {
  const manifest = testCli();
  assert.equal(await manifest.run("install", "-o", "yaml"), 0, manifest.stderr());
  assert.doesNotMatch(manifest.stdout(), /snapshot-controller/);
  const yes = testCli();
  assert.equal(await yes.run("install", "-o", "yaml", "--snapshot-controller", "yes"), 0);
  assert.match(yes.stdout(), /registry\.k8s\.io\/sig-storage\/snapshot-controller:v8\.6\.0/);
  assert.match(yes.stdout(), /name: volumesnapshots\.snapshot\.storage\.k8s\.io/);
  const bad = testCli();
  assert.equal(await bad.run("install", "--snapshot-controller", "sometimes"), 2);
  assert.match(
    bad.stderr(),
    /Invalid --snapshot-controller "sometimes"; valid values are auto\|yes\|no/,
  );
  assert.deepEqual(await bad.kube.namespaces.listAll(), []);
});
