import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { defaultInstallArgs, installObjects, objectsToYAML, renderManifests } from "./mod.ts";
import type { InstallObject } from "./k8s_objects.ts";
import { csiDriverObject, storageClassObject } from "./storage.ts";
import { DEFAULT_LABELS } from "./common.ts";
import { MANIFEST_HEADER } from "./render.ts";

const ARGS = defaultInstallArgs("v4.1.6");
const names = (objects: InstallObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

Deno.test("installObjects() lists the objects in apply order", () => {
  assert.deepEqual(names(installObjects(ARGS)), [
    "Namespace/directpv",
    "ServiceAccount/directpv-min-io",
    "ClusterRole/directpv-min-io",
    "ClusterRoleBinding/directpv-min-io",
    "Role/directpv-min-io",
    "RoleBinding/directpv-min-io",
    "CustomResourceDefinition/directpvdrives.directpv.min.io",
    "CustomResourceDefinition/directpvvolumes.directpv.min.io",
    "CustomResourceDefinition/directpvnodes.directpv.min.io",
    "CustomResourceDefinition/directpvinitrequests.directpv.min.io",
    "CustomResourceDefinition/directpvsnapshots.directpv.min.io",
    "CSIDriver/directpv-min-io",
    "StorageClass/directpv-min-io",
    "DaemonSet/node-server",
    "Deployment/controller",
  ]);
});

Deno.test("installObjects() in legacy mode adds the DirectCSI twins", () => {
  const legacy = names(installObjects({ ...ARGS, legacy: true })).slice(11);
  assert.deepEqual(legacy, [
    "CSIDriver/directpv-min-io",
    "CSIDriver/direct-csi-min-io",
    "StorageClass/directpv-min-io",
    "StorageClass/direct-csi-min-io",
    "DaemonSet/node-server",
    "DaemonSet/legacy-node-server",
    "Deployment/controller",
    "Deployment/legacy-controller",
  ]);
});

Deno.test("installObjects() puts the default labels on every object", () => {
  for (const object of installObjects({ ...ARGS, legacy: true })) {
    for (const [key, value] of Object.entries(DEFAULT_LABELS)) {
      assert.equal(object.metadata.labels?.[key], value, `${object.kind}/${object.metadata.name}`);
    }
  }
});

Deno.test("installObjects() shares no object between two calls or within one", () => {
  const objects = installObjects(ARGS);
  const [ns] = objects;
  assert.ok(ns?.metadata.labels);
  ns.metadata.labels["x"] = "y";
  for (const o of objects.slice(1)) assert.equal(o.metadata.labels?.["x"], undefined);
  assert.equal(installObjects(ARGS)[0]?.metadata.labels?.["x"], undefined);
  assert.ok(!objectsToYAML(objects).includes("&a"), "no YAML anchors");
});

Deno.test("csiDriverObject() and storageClassObject() follow DirectPV", () => {
  assert.deepEqual(csiDriverObject(ARGS), {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: "directpv-min-io", labels: { ...DEFAULT_LABELS } },
    spec: {
      podInfoOnMount: true,
      attachRequired: false,
      volumeLifecycleModes: ["Persistent", "Ephemeral"],
      storageCapacity: true,
    },
  });
  assert.equal(csiDriverObject(ARGS, { legacy: true }).spec.storageCapacity, undefined);
  assert.equal(
    csiDriverObject({ ...ARGS, capacityTracking: false }).spec.storageCapacity,
    undefined,
  );
  const kube123 = { ...ARGS, kubeVersion: { major: 1, minor: 23 } };
  assert.equal(csiDriverObject(kube123).spec.storageCapacity, undefined, "no v1 capacity API");
  const sc = storageClassObject(ARGS);
  assert.equal(sc.provisioner, "directpv-min-io");
  assert.equal(sc.reclaimPolicy, "Delete");
  assert.ok(sc.allowVolumeExpansion);
  assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
  assert.deepEqual(sc.parameters, { "csi.storage.k8s.io/fstype": "xfs" });
  assert.deepEqual(sc.allowedTopologies, [{
    matchLabelExpressions: [{ key: "directpv.min.io/identity", values: ["directpv-min-io"] }],
  }]);
  assert.deepEqual(sc.metadata.finalizers, ["foregroundDeletion"]);
  const legacy = storageClassObject(ARGS, { legacy: true });
  assert.equal(legacy.metadata.name, "direct-csi-min-io");
  assert.equal(legacy.provisioner, "directpv-min-io");
});

Deno.test("storage objects use v1beta1 on old Kubernetes", async (t) => {
  const cases: Array<[number, string, string]> = [
    [15, "storage.k8s.io/v1beta1", "storage.k8s.io/v1beta1"],
    [16, "storage.k8s.io/v1beta1", "storage.k8s.io/v1"],
    [18, "storage.k8s.io/v1beta1", "storage.k8s.io/v1"],
    [19, "storage.k8s.io/v1", "storage.k8s.io/v1"],
  ];
  for (const [minor, driver, sc] of cases) {
    await t.step(`1.${minor}`, () => {
      const args = { kubeVersion: { major: 1, minor }, capacityTracking: true };
      assert.equal(csiDriverObject(args).apiVersion, driver);
      assert.equal(storageClassObject(args).apiVersion, sc);
    });
  }
});

Deno.test("renderManifests() writes one file per component and a kustomization listing all", () => {
  const files = renderManifests(installObjects(ARGS));
  const paths = files.map((f) => f.path);
  assert.deepEqual(paths, [
    "namespace.yaml",
    "rbac.yaml",
    "crds/directpvdrives.directpv.min.io.yaml",
    "crds/directpvvolumes.directpv.min.io.yaml",
    "crds/directpvnodes.directpv.min.io.yaml",
    "crds/directpvinitrequests.directpv.min.io.yaml",
    "crds/directpvsnapshots.directpv.min.io.yaml",
    "csidriver.yaml",
    "storageclass.yaml",
    "node-server.yaml",
    "controller.yaml",
    "kustomization.yaml",
  ]);
  const kustomization = files.find((f) => f.path === "kustomization.yaml");
  assert.ok(kustomization);
  const parsed = parse(kustomization.text) as { kind: string; resources: string[] };
  assert.equal(parsed.kind, "Kustomization");
  assert.deepEqual(parsed.resources, paths.filter((p) => p !== "kustomization.yaml"));
  for (const file of files) assert.ok(file.text.startsWith(`${MANIFEST_HEADER}\n`), file.path);
});

Deno.test("renderManifests() output parses back to the install objects", () => {
  const objects = installObjects({ ...ARGS, legacy: true });
  const files = renderManifests(objects).filter((f) => f.path !== "kustomization.yaml");
  const parsed = files.flatMap((f) => parseAllDocuments(f.text).map((d) => d.toJSON()));
  assert.deepEqual(parsed, JSON.parse(JSON.stringify(objects)));
  assert.deepEqual(
    renderManifests(objects),
    renderManifests(installObjects({ ...ARGS, legacy: true })),
  );
});
