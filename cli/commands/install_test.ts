import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { NAMESPACE } from "../../lib/types/mod.ts";
import { testCli } from "../testing.ts";

Deno.test("install -o yaml prints valid YAML documents separated by ---, touching no cluster", async () => {
  const cli = testCli();
  assert.equal(await cli.run("install", "-o", "yaml", "--kube-version", "1.24.0"), 0);
  const docs = parseAllDocuments(cli.stdout());
  assert.ok(Array.isArray(docs));
  const objects = docs.map((d) => d.toJS());
  assert.equal(objects.length, 14);
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
  assert.equal((await cli.kube.customResourceDefinitions.listAll()).length, 4);
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
