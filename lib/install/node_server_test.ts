import assert from "node:assert/strict";
import {
  type Container,
  defaultInstallArgs,
  type InstallArgs,
  nodeServerDaemonSet,
} from "./mod.ts";

const ARGS = defaultInstallArgs("v4.2.0");
/** DirectPV's layout: registration and liveness by sidecars. */
const SIDECARS: InstallArgs = { ...ARGS, registrarSidecars: true };
/** DirectPV's node-server args, which both layouts start with. */
const NODE_SERVER_ARGS = [
  "node-server",
  "-v=3",
  "--identity=directpv-min-io",
  "--csi-endpoint=$(CSI_ENDPOINT)",
  "--kube-node-name=$(KUBE_NODE_NAME)",
  "--readiness-port=30443",
  "--metrics-port=10443",
  "--kubelet-dir=/var/lib/kubelet",
];

function container(args: InstallArgs, name: string, options: { legacy?: boolean } = {}): Container {
  const ds = nodeServerDaemonSet(args, options);
  const found = ds.spec.template.spec.containers.find((c) => c.name === name);
  assert.ok(found, `no container ${name}`);
  return found;
}

const SELF_REGISTRATION_ARGS = [
  "--kubelet-registration-path=/var/lib/kubelet/plugins/directpv-min-io/csi.sock",
  "--plugin-registration-path=/var/lib/kubelet/plugins_registry",
  "--health-port=9898",
];

Deno.test("nodeServerDaemonSet() runs one container: the node server, registering itself, with the node controllers", () => {
  const ds = nodeServerDaemonSet(ARGS);
  const spec = ds.spec.template.spec;
  assert.deepEqual(spec.containers.map((c) => [c.name, c.image, c.args]), [
    ["node-server", "ghcr.io/directpv/directpv:v4.2.0", [
      ...NODE_SERVER_ARGS,
      ...SELF_REGISTRATION_ARGS,
      "--with-node-controller",
    ]],
  ]);
  assert.equal(spec.serviceAccountName, "directpv-min-io");
  assert.ok(spec.hostPID);
  assert.equal(spec.nodeSelector, undefined);
  assert.equal(spec.tolerations, undefined);
  assert.ok(!JSON.stringify(ds).includes("quay.io/minio"), "no MinIO image by default");
});

Deno.test("nodeServerDaemonSet() with separateNodeController runs the node controllers apart", () => {
  const spec = nodeServerDaemonSet({ ...ARGS, separateNodeController: true }).spec.template.spec;
  assert.deepEqual(spec.containers.map((c) => [c.name, c.image, c.args]), [
    ["node-server", "ghcr.io/directpv/directpv:v4.2.0", [
      ...NODE_SERVER_ARGS,
      ...SELF_REGISTRATION_ARGS,
    ]],
    ["node-controller", "ghcr.io/directpv/directpv:v4.2.0", [
      "node-controller",
      "-v=3",
      "--kube-node-name=$(KUBE_NODE_NAME)",
    ]],
  ]);
});

Deno.test("nodeServerDaemonSet() with registrarSidecars has DirectPV's four containers", () => {
  const spec = nodeServerDaemonSet(SIDECARS).spec.template.spec;
  assert.deepEqual(spec.containers.map((c) => [c.name, c.image, c.args]), [
    ["node-driver-registrar", "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.17.0", [
      "--v=3",
      "--csi-address=unix:///csi/csi.sock",
      "--kubelet-registration-path=/var/lib/kubelet/plugins/directpv-min-io/csi.sock",
    ]],
    ["node-server", "ghcr.io/directpv/directpv:v4.2.0", NODE_SERVER_ARGS],
    ["node-controller", "ghcr.io/directpv/directpv:v4.2.0", [
      "node-controller",
      "-v=3",
      "--kube-node-name=$(KUBE_NODE_NAME)",
    ]],
    ["liveness-probe", "registry.k8s.io/sig-storage/livenessprobe:v2.19.0", [
      "--csi-address=/csi/csi.sock",
      "--health-port=9898",
    ]],
  ]);
  const minio = nodeServerDaemonSet({
    ...SIDECARS,
    registry: "quay.io",
    org: "minio",
    image: "directpv:v4.1.6",
  }).spec.template.spec;
  assert.deepEqual(minio.containers.map((c) => c.image), [
    "quay.io/minio/csi-node-driver-registrar:v2.16.0-0",
    "quay.io/minio/directpv:v4.1.6",
    "quay.io/minio/directpv:v4.1.6",
    "quay.io/minio/livenessprobe:v2.18.0-0",
  ], "MinIO DirectPV v4.1.6's DaemonSet when asked for by flags");
});

Deno.test("nodeServerDaemonSet() names, labels, selector and annotations", () => {
  const ds = nodeServerDaemonSet(ARGS);
  assert.equal(ds.metadata.name, "node-server");
  assert.equal(ds.metadata.namespace, "directpv");
  assert.deepEqual(ds.metadata.annotations, { "directpv.min.io/image-tag": "v4.2.0" });
  assert.deepEqual(ds.metadata.labels, {
    "application-name": "directpv.min.io",
    "application-type": "CSIDriver",
    "directpv.min.io/created-by": "kubectl-directpv",
    "directpv.min.io/version": "v1beta1",
  });
  assert.deepEqual(ds.spec.selector.matchLabels, {
    "selector.directpv.min.io": "directpv-min-io-node-server",
  });
  assert.deepEqual(ds.spec.template.metadata.labels, {
    "selector.directpv.min.io": "directpv-min-io-node-server",
    "selector.directpv.min.io.service": "enabled",
  });
  assert.deepEqual(ds.spec.template.metadata.annotations, { "created-by": "kubectl-directpv" });
  assert.deepEqual(ds.spec.updateStrategy, { type: "RollingUpdate" });
});

Deno.test("nodeServerDaemonSet() node-server probes, ports and privileges", () => {
  const c = container(ARGS, "node-server");
  assert.deepEqual(c.securityContext, { privileged: true });
  assert.deepEqual(c.ports?.map((p) => [p.name, p.containerPort]), [
    ["readinessport", 30443],
    ["healthz", 9898],
    ["metrics", 10443],
  ]);
  const timing = {
    initialDelaySeconds: 60,
    timeoutSeconds: 10,
    periodSeconds: 10,
    failureThreshold: 5,
  };
  assert.deepEqual(c.readinessProbe, {
    httpGet: { path: "/ready", port: "readinessport", scheme: "HTTP" },
    ...timing,
  });
  assert.deepEqual(c.livenessProbe, { httpGet: { path: "/healthz", port: "healthz" }, ...timing });
  assert.deepEqual(c.env?.map((e) => e.name), ["KUBE_NODE_NAME", "CSI_ENDPOINT"]);
  assert.equal(c.terminationMessagePolicy, "FallbackToLogsOnError");
});

Deno.test("nodeServerDaemonSet() mounts and host paths", () => {
  const ds = nodeServerDaemonSet(ARGS);
  assert.deepEqual(
    ds.spec.template.spec.volumes.map((v) => [v.name, v.hostPath.path, v.hostPath.type]),
    [
      ["socket-dir", "/var/lib/kubelet/plugins/directpv-min-io", "DirectoryOrCreate"],
      ["mountpoint-dir", "/var/lib/kubelet/pods", "DirectoryOrCreate"],
      ["registration-dir", "/var/lib/kubelet/plugins_registry", "DirectoryOrCreate"],
      ["plugins-dir", "/var/lib/kubelet/plugins", "DirectoryOrCreate"],
      ["directpv-common-root", "/var/lib/directpv/", "DirectoryOrCreate"],
      ["direct-csi-common-root", "/var/lib/direct-csi/", "DirectoryOrCreate"],
      ["sysfs", "/sys", "DirectoryOrCreate"],
      ["devfs", "/dev", "DirectoryOrCreate"],
      ["run-udev-data-dir", "/run/udev/data", "DirectoryOrCreate"],
    ],
  );
  const mounts = (c: Container) =>
    c.volumeMounts.map((m) => [m.name, m.mountPath, m.mountPropagation, m.readOnly ?? false]);
  const nodeMounts = [
    ["socket-dir", "/csi", "None", false],
    ["mountpoint-dir", "/var/lib/kubelet/pods", "Bidirectional", false],
    ["plugins-dir", "/var/lib/kubelet/plugins", "Bidirectional", false],
    ["directpv-common-root", "/var/lib/directpv/", "Bidirectional", false],
    ["direct-csi-common-root", "/var/lib/direct-csi/", "Bidirectional", false],
    ["sysfs", "/sys", "Bidirectional", false],
    ["devfs", "/dev", "HostToContainer", true],
    ["run-udev-data-dir", "/run/udev/data", "Bidirectional", true],
  ];
  assert.deepEqual(mounts(container(ARGS, "node-server")), [
    ...nodeMounts,
    ["registration-dir", "/var/lib/kubelet/plugins_registry", "None", false],
  ]);
  const separate = { ...ARGS, separateNodeController: true };
  assert.deepEqual(mounts(container(separate, "node-controller")), nodeMounts);
  assert.deepEqual(mounts(container(SIDECARS, "node-server")), nodeMounts);
  assert.deepEqual(mounts(container(SIDECARS, "node-controller")), nodeMounts);
  assert.deepEqual(mounts(container(SIDECARS, "node-driver-registrar")), [
    ["socket-dir", "/csi", "None", false],
    ["registration-dir", "/registration", "None", false],
  ]);
  assert.deepEqual(mounts(container(SIDECARS, "liveness-probe")), [[
    "socket-dir",
    "/csi",
    "None",
    false,
  ]]);
});

Deno.test("nodeServerDaemonSet() adds our node flags only when set", async (t) => {
  const flagsOf = (args: InstallArgs, name: string) =>
    container(args, name).args.filter((a) =>
      a.startsWith("--allow-loop") || a.startsWith("--quota")
    );
  await t.step("defaults add nothing", () => {
    assert.deepEqual(flagsOf(ARGS, "node-server"), []);
    assert.deepEqual(flagsOf(SIDECARS, "node-controller"), []);
  });
  await t.step("loop devices and best-effort quota", () => {
    const args: InstallArgs = { ...SIDECARS, allowLoopDevices: true, quota: "best-effort" };
    for (const name of ["node-server", "node-controller"]) {
      assert.deepEqual(flagsOf(args, name), ["--allow-loop-devices", "--quota=best-effort"]);
    }
    assert.deepEqual(flagsOf(args, "node-driver-registrar"), []);
    assert.deepEqual(flagsOf(args, "liveness-probe"), []);
  });
});

Deno.test("nodeServerDaemonSet() applies scheduling, pull secrets and security profiles", () => {
  const args: InstallArgs = {
    ...SIDECARS,
    nodeSelector: { disk: "nvme" },
    tolerations: [{ key: "storage", operator: "Exists", effect: "NoSchedule" }],
    imagePullSecrets: ["regcred"],
    apparmorProfile: "directpv",
    seccompProfile: "profiles/seccomp.json",
  };
  const ds = nodeServerDaemonSet(args);
  const spec = ds.spec.template.spec;
  assert.deepEqual(spec.nodeSelector, { disk: "nvme" });
  assert.deepEqual(spec.tolerations, [{
    key: "storage",
    operator: "Exists",
    effect: "NoSchedule",
  }]);
  assert.deepEqual(spec.imagePullSecrets, [{ name: "regcred" }]);
  const seccomp = {
    privileged: true,
    seccompProfile: { type: "Localhost", localhostProfile: "profiles/seccomp.json" },
  };
  assert.deepEqual(container(args, "node-server").securityContext, seccomp);
  assert.deepEqual(container(args, "node-controller").securityContext, seccomp);
  assert.deepEqual(ds.spec.template.metadata.annotations, {
    "created-by": "kubectl-directpv",
    "container.apparmor.security.beta.kubernetes.io/node-driver-registrar": "localhost/directpv",
    "container.apparmor.security.beta.kubernetes.io/node-server": "localhost/directpv",
    "container.apparmor.security.beta.kubernetes.io/node-controller": "localhost/directpv",
    "container.apparmor.security.beta.kubernetes.io/liveness-probe": "localhost/directpv",
  });
});

Deno.test("nodeServerDaemonSet() puts every kubelet path under kubeletDir", async (t) => {
  for (const [layout, base] of [["self-registration", ARGS], ["sidecars", SIDECARS]] as const) {
    await t.step(layout, () => {
      const args: InstallArgs = { ...base, kubeletDir: "/data/kubelet/" };
      const ds = nodeServerDaemonSet(args);
      const text = JSON.stringify(ds);
      assert.ok(!text.includes("/var/lib/kubelet"), "no default kubelet path left");
      const registrar = args.registrarSidecars ? "node-driver-registrar" : "node-server";
      assert.ok(
        container(args, registrar).args.includes(
          "--kubelet-registration-path=/data/kubelet/plugins/directpv-min-io/csi.sock",
        ),
      );
      assert.equal(ds.spec.template.spec.volumes[1]?.hostPath.path, "/data/kubelet/pods");
      assert.ok(container(args, "node-server").args.includes("--kubelet-dir=/data/kubelet"));
    });
  }
  const args: InstallArgs = { ...ARGS, kubeletDir: "/data/kubelet/" };
  assert.ok(
    container(args, "node-server").args.includes(
      "--plugin-registration-path=/data/kubelet/plugins_registry",
    ),
  );
});

Deno.test("nodeServerDaemonSet() keeps an existing selector value", () => {
  const ds = nodeServerDaemonSet({
    ...ARGS,
    existingSelectors: { nodeServer: "directpv-min-io-abcde" },
  });
  assert.equal(ds.spec.selector.matchLabels["selector.directpv.min.io"], "directpv-min-io-abcde");
  assert.equal(
    ds.spec.template.metadata.labels?.["selector.directpv.min.io"],
    "directpv-min-io-abcde",
  );
});

Deno.test("nodeServerDaemonSet() legacy twin serves direct-csi-min-io without node-controller", () => {
  const args: InstallArgs = { ...SIDECARS, allowLoopDevices: true };
  const ds = nodeServerDaemonSet(args, { legacy: true });
  assert.equal(ds.metadata.name, "legacy-node-server");
  assert.equal(
    ds.spec.selector.matchLabels["selector.directpv.min.io"],
    "directpv-min-io-legacy-node-server",
  );
  assert.deepEqual(ds.spec.template.spec.containers.map((c) => c.name), [
    "node-driver-registrar",
    "node-server",
    "liveness-probe",
  ]);
  assert.deepEqual(container(args, "node-server", { legacy: true }).args, [
    "legacy-node-server",
    "-v=3",
    "--csi-endpoint=$(CSI_ENDPOINT)",
    "--kube-node-name=$(KUBE_NODE_NAME)",
    "--readiness-port=30443",
    "--kubelet-dir=/var/lib/kubelet",
    "--allow-loop-devices",
  ]);
  assert.deepEqual(
    container(args, "node-server", { legacy: true }).ports?.map((p) => p.name),
    ["readinessport", "healthz"],
    "no metrics port: the legacy node server serves no metrics",
  );
  assert.equal(
    ds.spec.template.spec.volumes[0]?.hostPath.path,
    "/var/lib/kubelet/plugins/direct-csi-min-io",
  );
  const own = nodeServerDaemonSet(ARGS, { legacy: true }).spec.template.spec;
  assert.deepEqual(own.containers.map((c) => c.name), ["node-server"]);
  assert.ok(
    own.containers[0]?.args.includes(
      "--kubelet-registration-path=/var/lib/kubelet/plugins/direct-csi-min-io/csi.sock",
    ),
    "registers itself under the legacy name's socket",
  );
});
