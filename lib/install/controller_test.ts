import assert from "node:assert/strict";
import { controllerDeployment, defaultInstallArgs, type InstallArgs } from "./mod.ts";

const ARGS = defaultInstallArgs("v4.2.0");

Deno.test("controllerDeployment() has DirectPV's containers and args, with our images", () => {
  const d = controllerDeployment(ARGS);
  assert.deepEqual(d.spec.template.spec.containers.map((c) => [c.name, c.image, c.args]), [
    ["csi-provisioner", "registry.k8s.io/sig-storage/csi-provisioner:v6.3.0", [
      "--v=3",
      "--timeout=300s",
      "--csi-address=$(CSI_ENDPOINT)",
      "--leader-election",
      "--feature-gates=Topology=true",
      "--strict-topology",
      "--kube-api-qps=50",
      "--kube-api-burst=100",
      "--worker-threads=20",
      "--enable-capacity",
      "--capacity-ownerref-level=2",
      "--capacity-poll-interval=30s",
    ]],
    ["csi-resizer", "registry.k8s.io/sig-storage/csi-resizer:v2.2.0", [
      "--v=3",
      "--timeout=300s",
      "--csi-address=$(CSI_ENDPOINT)",
      "--leader-election",
      "--kube-api-qps=50",
      "--kube-api-burst=100",
    ]],
    ["controller", "ghcr.io/directpv/directpv:v4.2.0", [
      "controller",
      "--identity=directpv-min-io",
      "-v=3",
      "--csi-endpoint=$(CSI_ENDPOINT)",
      "--kube-node-name=$(KUBE_NODE_NAME)",
      "--readiness-port=30443",
    ]],
    ["csi-snapshotter", "registry.k8s.io/sig-storage/csi-snapshotter:v8.6.0", [
      "--v=3",
      "--timeout=300s",
      "--csi-address=$(CSI_ENDPOINT)",
      "--leader-election",
    ]],
  ]);
  for (const c of d.spec.template.spec.containers) {
    assert.deepEqual(c.securityContext, { privileged: true }, c.name);
    assert.deepEqual(c.volumeMounts, [{
      name: "socket-dir",
      mountPath: "/csi",
      mountPropagation: "None",
    }]);
  }
});

Deno.test("controllerDeployment() shape: replicas, strategy, selector, socket dir", () => {
  const d = controllerDeployment(ARGS);
  assert.equal(d.metadata.name, "controller");
  assert.equal(d.metadata.namespace, "directpv");
  assert.deepEqual(d.metadata.annotations, { "directpv.min.io/image-tag": "v4.2.0" });
  assert.equal(d.spec.replicas, 3);
  assert.deepEqual(d.spec.strategy, { type: "Recreate" });
  assert.deepEqual(d.spec.selector.matchLabels, {
    "selector.directpv.min.io": "controller-controller",
  });
  assert.deepEqual(d.spec.template.metadata.annotations, { "created-by": "kubectl-directpv" });
  assert.deepEqual(d.spec.template.spec.volumes, [{
    name: "socket-dir",
    hostPath: { path: "/var/lib/kubelet/plugins/controller-controller", type: "DirectoryOrCreate" },
  }]);
  const controller = d.spec.template.spec.containers[2];
  assert.deepEqual(controller?.ports?.map((p) => [p.name, p.containerPort]), [
    ["readinessport", 30443],
    ["healthz", 9898],
  ]);
  assert.equal(controller?.livenessProbe, undefined);
  assert.equal(controller?.readinessProbe?.httpGet.path, "/ready");
});

Deno.test("controllerDeployment() uses the old provisioner before Kubernetes 1.20", () => {
  const d = controllerDeployment({ ...ARGS, kubeVersion: { major: 1, minor: 19 } });
  assert.equal(
    d.spec.template.spec.containers[0]?.image,
    "registry.k8s.io/sig-storage/csi-provisioner:v2.2.0",
  );
});

Deno.test("controllerDeployment() legacy twin has a socket directory of its own", () => {
  const args: InstallArgs = { ...ARGS, imagePullSecrets: ["regcred"], kubeletDir: "/k" };
  const d = controllerDeployment(args, { legacy: true });
  assert.deepEqual(
    d.spec.template.spec.containers.map((c) => c.name),
    ["csi-provisioner", "csi-resizer", "controller"],
    "DirectCSI volumes have no snapshots: no csi-snapshotter",
  );
  assert.equal(d.metadata.name, "legacy-controller");
  assert.deepEqual(d.spec.selector.matchLabels, {
    "selector.directpv.min.io": "controller-legacy-controller",
  });
  assert.deepEqual(d.spec.template.spec.containers[2]?.args, [
    "legacy-controller",
    "-v=3",
    "--csi-endpoint=$(CSI_ENDPOINT)",
    "--kube-node-name=$(KUBE_NODE_NAME)",
    "--readiness-port=30443",
  ]);
  assert.equal(
    d.spec.template.spec.volumes[0]?.hostPath.path,
    "/k/plugins/controller-legacy-controller",
  );
  assert.equal(
    controllerDeployment(args).spec.template.spec.volumes[0]?.hostPath.path,
    "/k/plugins/controller-controller",
  );
  assert.deepEqual(d.spec.template.spec.imagePullSecrets, [{ name: "regcred" }]);
});

Deno.test("controllerDeployment() gives the provisioner its pod identity for capacity owners", () => {
  const provisioner = (args: InstallArgs, legacy = false) =>
    controllerDeployment(args, { legacy }).spec.template.spec.containers[0];
  assert.deepEqual(provisioner(ARGS)?.env, [
    { name: "CSI_ENDPOINT", value: "unix:///csi/csi.sock" },
    {
      name: "NAMESPACE",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
    },
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
  ]);
  for (
    const [what, args, legacy] of [
      ["--no-capacity-tracking", { ...ARGS, capacityTracking: false }, false],
      ["Kubernetes 1.23", { ...ARGS, kubeVersion: { major: 1, minor: 23 } }, false],
      ["legacy twin", ARGS, true],
    ] as const
  ) {
    const c = provisioner(args, legacy);
    assert.ok(!c?.args?.some((a) => a.startsWith("--capacity") || a === "--enable-capacity"), what);
    assert.deepEqual(c?.env?.map((e) => e.name), ["CSI_ENDPOINT"], what);
  }
});

Deno.test("controllerDeployment() passes --retire-deleted-nodes only when asked", () => {
  const args = (a: InstallArgs) => controllerDeployment(a).spec.template.spec.containers[2]?.args;
  assert.ok(!args(ARGS)?.includes("--retire-deleted-nodes"), "off by default");
  assert.ok(args({ ...ARGS, retireDeletedNodes: true })?.includes("--retire-deleted-nodes"));
  const legacy = controllerDeployment({ ...ARGS, retireDeletedNodes: true }, { legacy: true });
  assert.ok(!legacy.spec.template.spec.containers[2]?.args?.includes("--retire-deleted-nodes"));
});
