import assert from "node:assert/strict";
import { kindInfo, KNOWN_KINDS, pluralOf } from "./kinds.ts";
import {
  deleteBody,
  listQuery,
  resourcePath,
  watchQuery,
  withQuery,
  writeQuery,
} from "./rest_paths.ts";

Deno.test("resourcePath() builds core, group, namespaced and status paths", async (t) => {
  const cases: [string, string, string][] = [
    [
      "drives collection",
      resourcePath(KNOWN_KINDS.drives),
      "/apis/directpv.min.io/v1beta1/directpvdrives",
    ],
    [
      "drive ignores namespace",
      resourcePath(KNOWN_KINDS.drives, { namespace: "x", name: "d1" }),
      "/apis/directpv.min.io/v1beta1/directpvdrives/d1",
    ],
    ["core node", resourcePath(KNOWN_KINDS.coreNodes, { name: "n1" }), "/api/v1/nodes/n1"],
    [
      "pod status",
      resourcePath(KNOWN_KINDS.pods, { namespace: "ns", name: "p", subresource: "status" }),
      "/api/v1/namespaces/ns/pods/p/status",
    ],
    ["pods of every namespace", resourcePath(KNOWN_KINDS.pods), "/api/v1/pods"],
    [
      "deployment",
      resourcePath(KNOWN_KINDS.deployments, { namespace: "directpv", name: "controller" }),
      "/apis/apps/v1/namespaces/directpv/deployments/controller",
    ],
    [
      "cluster role binding",
      resourcePath(KNOWN_KINDS.clusterRoleBindings, { name: "b" }),
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/b",
    ],
    [
      "escaped name",
      resourcePath(KNOWN_KINDS.storageClasses, { name: "a b/c" }),
      "/apis/storage.k8s.io/v1/storageclasses/a%20b%2Fc",
    ],
    [
      "legacy kind",
      resourcePath(kindInfo("direct.csi.min.io/v1beta3", "DirectCSIVolume")),
      "/apis/direct.csi.min.io/v1beta3/directcsivolumes",
    ],
  ];
  for (const [name, got, want] of cases) {
    await t.step(name, () => assert.equal(got, want));
  }
});

Deno.test("pluralOf() follows the API's plural rules", () => {
  assert.deepEqual(
    ["DirectCSIDrive", "Policy", "Ingress", "Gateway", "Box"].map(pluralOf),
    ["directcsidrives", "policies", "ingresses", "gateways", "boxes"],
  );
});

Deno.test("listQuery() and watchQuery() encode selectors and paging", () => {
  const list = listQuery({
    labelSelector: { "directpv.min.io/node": "n1" },
    fieldSelector: "metadata.name=x",
    limit: 100,
    continue: "tok",
  });
  assert.equal(
    list.toString(),
    "labelSelector=directpv.min.io%2Fnode%3Dn1&fieldSelector=metadata.name%3Dx&limit=100&continue=tok",
  );
  assert.equal(listQuery({ limit: 0 }).toString(), "");
  const watch = watchQuery({
    resourceVersion: "42",
    timeoutSeconds: 300,
    labelSelector: "a in (b)",
  });
  assert.equal(
    watch.toString(),
    "watch=1&allowWatchBookmarks=true&labelSelector=a+in+%28b%29&resourceVersion=42&timeoutSeconds=300",
  );
});

Deno.test("writeQuery() and deleteBody() carry dry run, propagation and preconditions", () => {
  assert.equal(writeQuery({ dryRun: true }).toString(), "dryRun=All");
  assert.equal(writeQuery({}).toString(), "");
  assert.equal(deleteBody({}), undefined);
  assert.deepEqual(
    deleteBody({ propagationPolicy: "Foreground", resourceVersion: "7", dryRun: true }),
    {
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Foreground",
      preconditions: { resourceVersion: "7" },
      dryRun: ["All"],
    },
  );
  assert.deepEqual(deleteBody({ gracePeriodSeconds: 0 }), {
    kind: "DeleteOptions",
    apiVersion: "v1",
    gracePeriodSeconds: 0,
  });
  assert.equal(withQuery("/p", new URLSearchParams()), "/p");
  assert.equal(withQuery("/p", new URLSearchParams({ a: "1" })), "/p?a=1");
});
