import assert from "node:assert/strict";
import { clusterRoleRules, namespaceObject, rbacObjects } from "./mod.ts";

const CRUD = ["create", "delete", "get", "list", "update", "watch"];
const READ = ["get", "list", "watch"];

Deno.test("clusterRoleRules() are DirectPV's rules, in order, then ours for snapshots", () => {
  assert.deepEqual(clusterRoleRules(), [
    {
      apiGroups: [""],
      resources: ["persistentvolumes"],
      verbs: ["create", "delete", "get", "list", "patch", "watch"],
    },
    { apiGroups: [""], resources: ["persistentvolumeclaims/status"], verbs: ["patch"] },
    { apiGroups: ["policy"], resources: ["podsecuritypolicies"], verbs: ["use"] },
    {
      apiGroups: [""],
      resources: ["persistentvolumeclaims"],
      verbs: ["get", "list", "update", "watch"],
    },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: READ },
    {
      apiGroups: [""],
      resources: ["events"],
      verbs: ["create", "list", "patch", "update", "watch"],
    },
    { apiGroups: ["storage.k8s.io"], resources: ["csinodes"], verbs: READ },
    { apiGroups: [""], resources: ["nodes"], verbs: READ },
    { apiGroups: ["storage.k8s.io"], resources: ["volumeattachments"], verbs: READ },
    { apiGroups: [""], resources: ["endpoints"], verbs: CRUD },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: CRUD },
    {
      apiGroups: ["apiextensions.k8s.io"],
      resources: ["customresourcedefinitions"],
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    },
    {
      apiGroups: ["directpv.min.io"],
      resources: [
        "directpvdrives",
        "directpvvolumes",
        "directpvnodes",
        "directpvinitrequests",
        "directpvsnapshots",
      ],
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    },
    { apiGroups: [""], resources: ["pods"], verbs: READ },
    { apiGroups: [""], resources: ["secrets"], verbs: READ },
    {
      apiGroups: ["storage.k8s.io"],
      resources: ["csistoragecapacities"],
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get"] },
    {
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotclasses", "volumesnapshots"],
      verbs: READ,
    },
    {
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotcontents"],
      verbs: ["get", "list", "patch", "update", "watch"],
    },
    {
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotcontents/status"],
      verbs: ["patch", "update"],
    },
  ]);
});

Deno.test("rbacObjects() binds the ClusterRole and the lease Role to the ServiceAccount", () => {
  const objects = rbacObjects();
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.namespace}`), [
    "ServiceAccount/directpv-min-io@directpv",
    "ClusterRole/directpv-min-io@undefined",
    "ClusterRoleBinding/directpv-min-io@undefined",
    "Role/directpv-min-io@directpv",
    "RoleBinding/directpv-min-io@directpv",
  ]);
  const [, clusterRole, clusterBinding, role, roleBinding] = objects;
  assert.equal(
    clusterRole?.metadata.annotations?.["rbac.authorization.kubernetes.io/autoupdate"],
    "true",
  );
  assert.ok(clusterBinding && "roleRef" in clusterBinding);
  assert.deepEqual(clusterBinding.roleRef, {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "ClusterRole",
    name: "directpv-min-io",
  });
  assert.deepEqual(clusterBinding.subjects, [
    { kind: "ServiceAccount", name: "directpv-min-io", namespace: "directpv" },
  ]);
  assert.ok(role && "rules" in role);
  assert.deepEqual(role.rules, [
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: CRUD },
  ]);
  assert.ok(roleBinding && "roleRef" in roleBinding);
  assert.equal(roleBinding.roleRef.kind, "Role");
});

Deno.test("namespaceObject() adds the pod-security label only after Kubernetes 1.24", async (t) => {
  const cases: Array<[number, boolean]> = [[20, false], [24, false], [25, true], [35, true]];
  for (const [minor, labelled] of cases) {
    await t.step(`1.${minor}`, () => {
      const ns = namespaceObject({ kubeVersion: { major: 1, minor } });
      assert.equal(ns.metadata.name, "directpv");
      assert.deepEqual(ns.metadata.finalizers, ["foregroundDeletion"]);
      assert.equal(
        ns.metadata.labels?.["pod-security.kubernetes.io/enforce"],
        labelled ? "privileged" : undefined,
      );
      assert.equal(ns.metadata.labels?.["application-type"], "CSIDriver");
    });
  }
});
