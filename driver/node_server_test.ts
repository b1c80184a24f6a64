import assert from "node:assert/strict";
import { InvalidArgumentError } from "../lib/errors/mod.ts";
import { FakeKube } from "../lib/k8s/testing.ts";
import { captureLogger } from "../lib/log/testing.ts";
import { FakeHost } from "../lib/sys/testing.ts";
import { LABELS, NAMESPACE, nodeLeaseName } from "../lib/types/mod.ts";
import { EVENT_REASONS } from "./events.ts";
import { startLegacyNodeServer } from "./legacy_node_server.ts";
import { type DriverOptions, EXIT, nodeContextOf, runProgram } from "./flags.ts";
import type { NodeContext } from "./node_context.ts";
import { leaseClient } from "./node_lease.ts";
import { type NodeServing, startNodeController, startNodeServer } from "./node_server.ts";
import { testNodeContext } from "./reconcile/testing.ts";

const CAN_LISTEN = (await Deno.permissions.query({ name: "net" })).state === "granted";

/** The options `directpv <argv>` hands its role. */
async function optionsOf(argv: string[]): Promise<DriverOptions> {
  let options: DriverOptions | undefined;
  const code = await runProgram(argv, {
    out: () => {},
    err: () => {},
    run: (_role, o) => {
      options = o;
      return Promise.resolve(EXIT.ok);
    },
  });
  assert.equal(code, EXIT.ok);
  assert.ok(options);
  return options;
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`Timed out waiting until ${what}`);
}

async function removeIfExists(path: string): Promise<void> {
  await Deno.remove(path).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

async function fakeNode(): Promise<{ ctx: NodeContext; kube: FakeKube; host: FakeHost }> {
  const kube = new FakeKube();
  const host = await FakeHost.create();
  const { logger } = captureLogger();
  const events = { record: () => Promise.resolve() };
  return { ctx: testNodeContext({ kube, host, logger, events, nodeId: "node-a" }), kube, host };
}

function serving(socketPath: string, fatal: unknown[] = []): NodeServing {
  return {
    endpoint: `unix://${socketPath}`,
    version: "v0.0.0-test",
    listenAddress: "127.0.0.1",
    readinessPort: 0,
    metricsPort: 0,
    processMetrics: false,
    removeStaleSocket: removeIfExists,
    onFatal: (err) => void fatal.push(err),
  };
}

Deno.test("nodeContextOf() builds the node context from the flags", async () => {
  const kube = new FakeKube();
  const host = await FakeHost.create();
  try {
    const options = await optionsOf([
      "node-server",
      ...["--kube-node-name", "node-a", "--rack", "r1", "--zone", "z1", "--region", "eu"],
      ...["--quota", "best-effort", "--allow-loop-devices", "--kubelet-dir", "/k"],
      ...["--health-interval", "7", "--loop-backing-dir", "/lab"],
    ]);
    const { logger } = captureLogger();
    const { events, deviceFilter, ...ctx } = nodeContextOf(options, { kube, host, logger });
    assert.deepEqual(ctx, {
      nodeId: "node-a",
      identity: "directpv-min-io",
      topology: { rack: "r1", zone: "z1", region: "eu" },
      kube,
      host,
      logger,
      quota: "best-effort",
      allowLoop: true,
      kubeletDir: "/k",
      healthIntervalMs: 7000,
    });
    assert.ok(deviceFilter, "--loop-backing-dir filters devices");
    assert.ok(!await deviceFilter("sdb"), "a disk is not a loop device under /lab");
    const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "d" } };
    await events.record({ object, type: "Normal", reason: EVENT_REASONS.metrics, message: "m" });
    const [event] = await kube.events.listAll({ namespace: "default" });
    assert.equal(event?.source?.host, "node-a", "events come from this node");
    const plain = await optionsOf(["node-server", "--kube-node-name", "node-a"]);
    assert.equal(nodeContextOf(plain, { kube, host, logger }).deviceFilter, undefined);
  } finally {
    await host.dispose();
  }
});

Deno.test("startNodeServer() refuses unusable settings before it touches the node", async (t) => {
  const { ctx, kube, host } = await fakeNode();
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/csi.sock`;
  const cases: [string, Partial<NodeContext>, Partial<NodeServing>, string][] = [
    ["no node name", { nodeId: "" }, {}, "Invalid node name (--kube-node-name): it is empty"],
    [
      "no rack",
      { topology: { ...ctx.topology, rack: " " } },
      {},
      "Invalid rack (--rack): it is empty",
    ],
    [
      "relative kubelet directory",
      { kubeletDir: "var/lib/kubelet" },
      {},
      'Invalid kubelet directory "var/lib/kubelet" (--kubelet-dir): it must be absolute',
    ],
    [
      "zero health interval",
      { healthIntervalMs: 0 },
      {},
      'Invalid health interval "0" ms (--health-interval): it must be a positive whole number',
    ],
    [
      "TCP endpoint",
      {},
      { endpoint: "tcp://127.0.0.1:9000" },
      'Invalid CSI endpoint "tcp://127.0.0.1:9000": only unix sockets are supported',
    ],
    [
      "port out of range",
      {},
      { readinessPort: 70000 },
      'Invalid port "70000" (--readiness-port): expected 0 to 65535',
    ],
    [
      "metrics on the readiness port",
      {},
      { readinessPort: 8080, metricsPort: 8080 },
      'Invalid metrics port "8080" (--metrics-port): the readiness port is the same',
    ],
    [
      "relative registration path",
      {},
      { kubeletRegistration: { endpoint: "csi.sock", registrationDir: "/r" } },
      'Invalid kubelet registration path (--kubelet-registration-path) "csi.sock": it must be an absolute path',
    ],
  ];
  try {
    for (const [name, node, listen, message] of cases) {
      await t.step(name, async () => {
        await assert.rejects(
          startNodeServer({ ...ctx, ...node }, { ...serving(socket), ...listen }),
          (err: unknown) => err instanceof InvalidArgumentError && err.message === message,
        );
      });
    }
    await t.step("the legacy node server checks the same", async () => {
      await assert.rejects(
        startLegacyNodeServer({ ...ctx, nodeId: "" }, serving(socket)),
        /Invalid node name \(--kube-node-name\): it is empty/,
      );
    });
    assert.equal(await host.fs.stat(host.paths.app("mnt")), undefined, "no directory made");
    assert.deepEqual(kube.calls, [], "no API call made");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "no socket made");
  } finally {
    await host.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startNodeController() runs the reconcilers of the node the flags name", async () => {
  const kube = new FakeKube();
  const host = await FakeHost.create();
  const { logger, records } = captureLogger();
  const options = await optionsOf(["node-controller", "--kube-node-name", "node-b"]);
  const running = await startNodeController(nodeContextOf(options, { kube, host, logger }));
  try {
    assert.ok(await host.fs.stat(host.paths.app("mnt")), "<app>/mnt made");
    await eventually("the DirectPVNode exists", async () => {
      const node = await kube.nodes.get("node-b").catch(() => undefined);
      return node?.metadata.labels?.[LABELS.node] === "node-b";
    });
    assert.ok(kube.watches.size > 0, "watching");
  } finally {
    await running.stop();
    await host.dispose();
  }
  assert.equal(kube.watches.size, 0, "every watch closed on stop");
  assert.ok(
    records.some((r) => r.msg === "Node controllers synced" && r.fields["node"] === "node-b"),
  );
});

Deno.test({
  name: "startNodeServer() serves readiness, metrics and CSI for its context, then stops them",
  ignore: !CAN_LISTEN,
  fn: async () => {
    const { ctx, kube, host } = await fakeNode();
    const dir = await Deno.makeTempDir();
    const fatal: unknown[] = [];
    const server = await startNodeServer(ctx, serving(`${dir}/csi.sock`, fatal));
    const url = (port: number | undefined, path: string) => `http://127.0.0.1:${port}${path}`;
    try {
      assert.equal(server.socketPath, `${dir}/csi.sock`);
      assert.ok((await Deno.stat(server.socketPath)).isSocket, "the CSI socket listens");
      await eventually("ready", async () => {
        const res = await fetch(url(server.ports["readiness"], "/ready"));
        await res.body?.cancel();
        return res.status === 200;
      });
      const metrics = await (await fetch(url(server.ports["metrics"], "/metrics"))).text();
      assert.match(metrics, /directpv/, "the metrics endpoint answers");
      const lease = await leaseClient(kube).get(nodeLeaseName("node-a"), { namespace: NAMESPACE });
      assert.equal(lease.metadata.name, nodeLeaseName("node-a"), "the lease is the node's");
      assert.ok(await host.fs.stat(host.paths.app("tmp")), "<app>/tmp made");
    } finally {
      await server.stop();
      await host.dispose();
    }
    await assert.rejects(fetch(url(server.ports["readiness"], "/ready")), "readiness stopped");
    assert.equal(kube.watches.size, 0, "every watch closed on stop");
    assert.deepEqual(fatal, []);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "startNodeServer() stops what it started when a later part fails",
  ignore: !CAN_LISTEN,
  fn: async () => {
    const { ctx, kube, host } = await fakeNode();
    const dir = await Deno.makeTempDir();
    const failing: NodeServing = {
      ...serving(`${dir}/csi.sock`),
      removeStaleSocket: () => Promise.reject(new Error("socket directory is read-only")),
    };
    try {
      await assert.rejects(startNodeServer(ctx, failing), /socket directory is read-only/);
      assert.equal(kube.watches.size, 0, "the controllers and informers are stopped");
    } finally {
      await host.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
