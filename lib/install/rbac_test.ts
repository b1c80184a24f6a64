import assert from "node:assert/strict";
import { defaultInstallArgs } from "./mod.ts";
import { clusterRoleRules, namespaceObject, rbacObjects } from "./rbac.ts";

const CRUD = ["create", "delete", "get", "list", "update", "watch"];
const READ = ["get", "list", "watch"];

const ARGS = defaultInstallArgs("v4.2.0");
const MODERN = { ...ARGS, kubeVersion: { major: 1, minor: 35 } };

const SNAP = "snapshot.storage.k8s.io";

Deno.test("clusterRoleRules() of a default install on Kubernetes 1.35", () => {
  assert.deepEqual(clusterRoleRules(MODERN), [
    {
      apiGroups: [""],
      resources: ["persistentvolumes"],
      verbs: ["create", "delete", "get", "list", "patch", "watch"],
    },
    { apiGroups: [""], resources: ["persistentvolumeclaims/status"], verbs: ["patch"] },
    {
      apiGroups: [""],
      resources: ["persistentvolumeclaims"],
      verbs: ["get", "list", "update", "watch"],
    },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: READ },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update"] },
    { apiGroups: ["storage.k8s.io"], resources: ["csinodes"], verbs: READ },
    { apiGroups: [""], resources: ["nodes"], verbs: READ },
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
    {
      apiGroups: ["storage.k8s.io"],
      resources: ["csistoragecapacities"],
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get"] },
    { apiGroups: [SNAP], resources: ["volumesnapshotclasses"], verbs: READ },
    {
      apiGroups: [SNAP],
      resources: ["volumesnapshotcontents"],
      verbs: ["get", "list", "patch", "update", "watch"],
    },
    { apiGroups: [SNAP], resources: ["volumesnapshotcontents/status"], verbs: ["patch", "update"] },
    { apiGroups: [SNAP], resources: ["volumesnapshots"], verbs: READ },
  ]);
});

function verbsOf(rules: ReturnType<typeof clusterRoleRules>, resource: string): string[] {
  return rules.find((r) => r.resources.includes(resource))?.verbs ?? [];
}

Deno.test("clusterRoleRules() grant the optional parts only to installs that have them", async (t) => {
  await t.step("no capacity tracking: no CSIStorageCapacity, no ReplicaSets", () => {
    const rules = clusterRoleRules({ ...MODERN, capacityTracking: false });
    assert.deepEqual(verbsOf(rules, "csistoragecapacities"), []);
    assert.deepEqual(verbsOf(rules, "replicasets"), []);
  });
  await t.step("--retire-deleted-nodes: deletes claims and pods, patches PVs", () => {
    const rules = clusterRoleRules({ ...MODERN, retireDeletedNodes: true });
    assert.deepEqual(verbsOf(rules, "persistentvolumeclaims"), [
      "delete",
      "get",
      "list",
      "patch",
      "update",
      "watch",
    ]);
    assert.deepEqual(verbsOf(rules, "pods"), ["delete", "get", "list", "watch"]);
    assert.deepEqual(verbsOf(clusterRoleRules(MODERN), "pods"), READ, "not without it");
  });
  await t.step("PodSecurityPolicy use only before Kubernetes 1.25", () => {
    const old = clusterRoleRules({ ...MODERN, kubeVersion: { major: 1, minor: 24 } });
    assert.deepEqual(verbsOf(old, "podsecuritypolicies"), ["use"]);
    assert.deepEqual(verbsOf(clusterRoleRules(MODERN), "podsecuritypolicies"), []);
  });
  await t.step("never: secrets, endpoints, CRDs, VolumeAttachments, cluster-wide leases", () => {
    for (const retire of [false, true]) {
      for (const minor of [20, 24, 35]) {
        const rules = clusterRoleRules({
          ...ARGS,
          retireDeletedNodes: retire,
          kubeVersion: { major: 1, minor },
        });
        const resources = rules.flatMap((r) => r.resources);
        for (const r of ["secrets", "endpoints", "customresourcedefinitions", "leases"]) {
          assert.ok(!resources.includes(r), `${r} on 1.${minor}`);
        }
        assert.ok(!resources.includes("volumeattachments"));
        assert.deepEqual(verbsOf(rules, "events"), ["create", "patch", "update"]);
      }
    }
  });
});

Deno.test("rbacObjects() binds the ClusterRole and the lease Role to the ServiceAccount", () => {
  const objects = rbacObjects(MODERN);
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
