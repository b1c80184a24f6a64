import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  cniConfig,
  containerdConfig,
  kubeletArgs,
  kubeletConfig,
  nodePaths,
  PAUSE_IMAGE,
  registryHostsToml,
} from "./config.ts";
import { fullImageName, loopbackRef } from "./registry.ts";
import { describePod, parseCriLog } from "./pods.ts";

const DIR = "/tmp/env/nodes/node-1";
const paths = nodePaths(DIR);

Deno.test("containerdConfig() keeps every path of the node in its own directory", () => {
  const toml = containerdConfig(paths, { runcBinary: "/cache/bin/runc" });
  assert.match(toml, /^version = 3$/m);
  assert.match(toml, /restrict_oom_score_adj = true/);
  assert.match(toml, /BinaryName = "\/cache\/bin\/runc"/);
  assert.match(toml, /SystemdCgroup = false/);
  assert.match(toml, new RegExp(`sandbox = "${PAUSE_IMAGE}"`));
  assert.match(toml, /"io\.containerd\.nri\.v1\.nri"/, "NRI, whose socket is shared, is off");
  const quoted = [...toml.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1] as string);
  const outside = quoted.filter((p) => !p.startsWith(`${DIR}/`));
  assert.deepEqual(outside, ["/cache/bin/runc", "/usr/lib/cni"]);
  for (const key of ["root", "state", "address", "Root", "config_path", "conf_dir", "path"]) {
    assert.match(toml, new RegExp(`^\\s*${key} = "${DIR}/`, "m"), `${key} is under the node`);
  }
});

Deno.test("registryHostsToml() sends pulls to the loopback registry only, under the registry's name", () => {
  const toml = registryHostsToml("quay.io", 5123);
  assert.equal(
    toml,
    'server = "http://127.0.0.1:5123/v2/quay.io"\ncapabilities = ["pull", "resolve"]\n' +
      "override_path = true\n",
  );
});

Deno.test("cniConfig() is a loopback-only network", () => {
  assert.deepEqual(JSON.parse(cniConfig()).plugins, [{ type: "loopback" }]);
});

Deno.test("kubeletConfig() has the settings this machine needs", () => {
  const config = parse(
    kubeletConfig(paths, { nodeName: "node-1", port: 4001, healthzPort: 4002 }),
  ) as Record<string, unknown>;
  assert.equal(config.kind, "KubeletConfiguration");
  assert.ok(config.failCgroupV1 === false, "cgroup v1 allowed");
  assert.equal(config.cgroupDriver, "cgroupfs");
  assert.ok(config.cgroupsPerQOS === false, "no QoS cgroups");
  assert.deepEqual(config.enforceNodeAllocatable, []);
  assert.deepEqual(config.evictionHard, {});
  assert.equal(config.imageGCHighThresholdPercent, 100);
  assert.equal(config.containerRuntimeEndpoint, `unix://${DIR}/containerd/containerd.sock`);
  assert.equal(config.address, "127.0.0.1");
  assert.equal(config.healthzBindAddress, "127.0.0.1");
  assert.equal(config.port, 4001);
  assert.equal(config.readOnlyPort, 0);
  assert.deepEqual(config.authentication, {
    anonymous: { enabled: true },
    webhook: { enabled: false },
  });
  assert.deepEqual(config.authorization, { mode: "AlwaysAllow" });
  assert.equal(config.podLogsDir, `${DIR}/pod-logs`);
  assert.deepEqual(kubeletArgs(paths, { nodeName: "node-1" }, "/k/config").slice(0, 5), [
    `--config=${DIR}/kubelet-config.yaml`,
    "--kubeconfig=/k/config",
    `--root-dir=${DIR}/kubelet`,
    `--cert-dir=${DIR}/kubelet/pki`,
    "--hostname-override=node-1",
  ]);
});

Deno.test("loopbackRef() keeps the registry in the path and refuses one the nodes do not mirror", () => {
  assert.equal(
    loopbackRef(5000, "registry.k8s.io/sig-storage/csi-resizer:v2.2.0"),
    "127.0.0.1:5000/registry.k8s.io/sig-storage/csi-resizer:v2.2.0",
  );
  assert.equal(loopbackRef(5000, "busybox:1"), "127.0.0.1:5000/docker.io/library/busybox:1");
  assert.equal(fullImageName("minio/minio:x"), "docker.io/minio/minio:x");
  assert.equal(
    fullImageName("ghcr.io/directpv/directpv:v4.2.0"),
    "ghcr.io/directpv/directpv:v4.2.0",
  );
  assert.throws(
    () => loopbackRef(5000, "example.com/app:1"),
    /Invalid image "example\.com\/app:1": registry "example\.com" is not one of "docker\.io"/,
  );
});

Deno.test("parseCriLog() joins partial lines and keeps both streams in order", () => {
  const text = "2026-12-02T06:37:05.1Z stdout P hel\n" +
    "2026-12-02T06:37:05.2Z stdout F lo\n" +
    "2026-12-02T06:37:05.3Z stderr F oops\n" +
    "2026-12-02T06:37:05.4Z stdout F \n";
  assert.equal(parseCriLog(text), "hello\noops\n\n");
});

Deno.test("describePod() says why a pod is not running", () => {
  assert.equal(describePod(undefined), "the pod does not exist");
  assert.equal(
    describePod({
      metadata: { name: "p" },
      spec: { nodeName: "node-1" },
      status: {
        phase: "Pending",
        conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
        containerStatuses: [{
          name: "main",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "ErrImagePull", message: "not found" } },
        }],
      },
    }),
    'phase Pending; on node "node-1"; Ready: ContainersNotReady ; container "main" waiting ' +
      "(ErrImagePull, not found)",
  );
});
