import assert from "node:assert/strict";
import {
  controllerDeployment,
  defaultInstallArgs,
  type InstallArgs,
  nodeServerDaemonSet,
} from "../../lib/install/mod.ts";
import {
  INSTALL_GATE_LABEL,
  type PatchablePodSpec,
  patchPodSpec,
  REAL_NODE_INSTALL_FLAGS,
} from "./patch.ts";

const OPTIONS = { apiserverPort: 6443, envDir: "/tmp/env" };
const ARGS: InstallArgs = {
  ...defaultInstallArgs("v4.2.0"),
  allowLoopDevices: true,
  quota: "best-effort",
};

function specOf(object: unknown): PatchablePodSpec {
  return structuredClone(
    (object as { spec: { template: { spec: PatchablePodSpec } } }).spec
      .template.spec,
  );
}

function envOf(spec: PatchablePodSpec, container: string): Record<string, string | undefined> {
  const c = spec.containers.find((x) => x.name === container);
  return Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
}

function argsOf(spec: PatchablePodSpec, container: string): string[] {
  return spec.containers.find((x) => x.name === container)?.args ?? [];
}

function assertNodeFlags(spec: PatchablePodSpec, name: string): void {
  const args = argsOf(spec, name);
  assert.ok(args.includes("--listen-address=127.0.0.1"), name);
  assert.ok(args.includes("--loop-backing-dir=/tmp/env/nodes/$(KUBE_NODE_NAME)/disks"), name);
  for (const flag of REAL_NODE_INSTALL_FLAGS) assert.ok(args.includes(flag), `${name} ${flag}`);
}

Deno.test("patchPodSpec() patches both node containers of --separate-node-controller", () => {
  const spec = patchPodSpec(
    specOf(nodeServerDaemonSet({ ...ARGS, separateNodeController: true })),
    OPTIONS,
  );
  assert.deepEqual(spec.containers.map((c) => c.name), ["node-server", "node-controller"]);
  for (const name of ["node-server", "node-controller"]) assertNodeFlags(spec, name);
});

Deno.test("patchPodSpec() puts install's node server on the host network of this run", () => {
  const original = specOf(nodeServerDaemonSet(ARGS));
  const before = structuredClone(original);
  const spec = patchPodSpec(original, OPTIONS);
  assert.deepEqual(original, before, "the input is left alone");
  assert.ok(spec.hostNetwork === true, "host network");
  assert.equal(spec.dnsPolicy, "ClusterFirstWithHostNet");
  for (const c of spec.containers) {
    assert.equal(envOf(spec, c.name).KUBERNETES_SERVICE_HOST, "127.0.0.1", c.name);
    assert.equal(envOf(spec, c.name).KUBERNETES_SERVICE_PORT, "6443", c.name);
  }
  assert.equal(envOf(spec, "node-server").KUBE_NODE_NAME, undefined, "valueFrom is kept");
  assert.deepEqual(spec.containers.map((c) => c.name), ["node-server"]);
  assertNodeFlags(spec, "node-server");
  const server = spec.containers.find((c) => c.name === "node-server");
  assert.equal(server?.readinessProbe?.httpGet?.host, "127.0.0.1");
  assert.deepEqual(patchPodSpec(spec, OPTIONS), spec, "patching twice changes nothing more");
});

Deno.test("patchPodSpec() gives the controller loopback addresses and no loop directory", () => {
  const spec = patchPodSpec(specOf(controllerDeployment(ARGS)), OPTIONS);
  assert.ok(spec.hostNetwork === true, "host network");
  const args = argsOf(spec, "controller");
  assert.ok(args.includes("--listen-address=127.0.0.1"));
  assert.ok(!args.some((a) => a.startsWith("--loop-backing-dir")));
  for (const c of spec.containers.filter((c) => c.name !== "controller")) {
    assert.ok(!(c.args ?? []).some((a) => a.startsWith("--listen-address")), c.name);
    assert.equal(envOf(spec, c.name).KUBERNETES_SERVICE_PORT, "6443", c.name);
  }
});

Deno.test("patchPodSpec() moves the node server's host directories into the run", () => {
  // Both node containers (--separate-node-controller) get the same directories.
  const separate = { ...ARGS, separateNodeController: true };
  const spec = patchPodSpec(specOf(nodeServerDaemonSet(separate)), { ...OPTIONS, hostDir: "/h" });
  const paths = Object.fromEntries((spec.volumes ?? []).map((v) => [v.name, v.hostPath?.path]));
  assert.equal(paths["directpv-common-root"], "/h/var/lib/directpv/");
  assert.equal(paths["direct-csi-common-root"], "/h/var/lib/direct-csi/");
  assert.equal(paths["run-udev-data-dir"], "/h/run/udev/data");
  assert.equal(paths.sysfs, "/sys", "the host's sysfs itself");
  assert.equal(paths.devfs, "/dev", "the host's devtmpfs itself");
  for (const name of ["node-server", "node-controller"]) {
    const mounts = spec.containers.find((c) => c.name === name)?.volumeMounts ?? [];
    const propagation = Object.fromEntries(mounts.map((m) => [m.name, m.mountPropagation]));
    assert.equal(propagation.sysfs, "None", name);
    assert.equal(propagation.devfs, "None", name);
    assert.equal(propagation["directpv-common-root"], "Bidirectional", name);
    assert.equal(propagation["mountpoint-dir"], "Bidirectional", name);
    const root = mounts.find((m) => m.name === "directpv-common-root");
    assert.equal(root?.mountPath, "/h/var/lib/directpv/", "the same path inside and out");
    assert.ok(argsOf(spec, name).includes("--app-dir=/h/var/lib/directpv"), name);
  }
  const gated = patchPodSpec({
    ...specOf(nodeServerDaemonSet(ARGS)),
    nodeSelector: {
      [INSTALL_GATE_LABEL]: "true",
    },
  }, OPTIONS);
  assert.equal(gated.nodeSelector, undefined, "the install gate is lifted");
  const kept = patchPodSpec(
    { ...gated, nodeSelector: { [INSTALL_GATE_LABEL]: "true", a: "b" } },
    OPTIONS,
  );
  assert.deepEqual(kept.nodeSelector, { a: "b" }, "other node selectors are kept");
  const probe = spec.containers.find((c) => c.name === "node-server")?.readinessProbe;
  assert.equal(probe?.initialDelaySeconds, 1);
  assert.equal(probe?.httpGet?.port, "readinessport", "the same probe, sooner");
});

Deno.test("patchPodSpec() moves the controller off the node server's host ports", () => {
  const options = { ...OPTIONS, controllerPorts: [40001, 40002] as const };
  const spec = patchPodSpec(specOf(controllerDeployment(ARGS)), options);
  const controller = spec.containers.find((c) => c.name === "controller");
  assert.ok(controller?.args?.includes("--readiness-port=40001"));
  assert.ok(!controller?.args?.includes("--readiness-port=30443"));
  assert.deepEqual(controller?.ports?.map((p) => [p.name, p.containerPort]), [
    ["readinessport", 40001],
    ["healthz", 40002],
  ]);
  for (const c of spec.containers.filter((c) => c.name !== "controller")) {
    assert.equal(c.ports, undefined, `${c.name} has no ports`);
  }
});
