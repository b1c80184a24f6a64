/**
 * The node server process registering itself with a kubelet, against a running API server
 * (DIRECTPV_E2E_KUBECONFIG): `deno run -A driver/main.ts node-server` with the DaemonSet's
 * registration and health flags, a plugin registration directory of its own, and no device
 * it may touch (`--loop-backing-dir` on an empty directory, loop devices denied). This test
 * plays the kubelet's plugin watcher: GetInfo and NotifyRegistrationStatus on the socket, the
 * CSI calls on the endpoint it reports, the pod's liveness probe on /healthz; it removes the
 * socket as a kubelet restart with an emptied plugins_registry does; SIGTERM removes both
 * sockets. Root (the node server mounts its tmpfs).
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { AlreadyExistsError } from "../../lib/errors/mod.ts";
import { type AnyObject, connectKube } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import {
  type GetPluginInfoResponse,
  IdentityClient,
  NodeClient,
  type NodeGetInfoResponse,
  type PluginInfo,
  RegistrationClient,
} from "../../proto/mod.ts";
import {
  freeLoopbackPorts,
  pathExists,
  removePath,
  run,
  spawnDaemon,
  stopProcess,
  tailFile,
  testGate,
  waitFor,
} from "../lib/mod.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG") ?? "";
const RUN = crypto.randomUUID().slice(0, 8);
const NODE = `registration-${RUN}`;
const gate = await testGate("kubelet registration", { root: true, commands: ["mount", "umount"] });
const missing = KUBECONFIG ? [] : ["DIRECTPV_E2E_KUBECONFIG is not set"];

type Callback<T> = (err: grpc.ServiceError | null, value: T) => void;

function call<T>(fn: (cb: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

async function httpGet(port: number, path: string): Promise<[number, string]> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return [response.status, await response.text()];
}

function until<T>(what: string, probe: () => Promise<T | undefined | false>) {
  return waitFor(probe, { timeoutMs: 60_000, intervalMs: 100, description: what });
}

Deno.test({
  name: "the node server registers with the kubelet and serves /healthz, as the sidecars did",
  ignore: gate.ignore || missing.length > 0,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-registration-" });
    const registry = `${dir}/plugins_registry`;
    const regSocket = `${registry}/directpv-min-io-reg.sock`;
    const csiSocket = `${dir}/plugins/directpv-min-io/csi.sock`;
    const [readiness = 0, metrics = 0, health = 0] = freeLoopbackPorts(3);
    const kube = await connectKube({ kubeconfig: KUBECONFIG });
    for (const crd of crdObjects()) {
      await kube.customResourceDefinitions.create(crd as AnyObject).catch((err) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
    }
    await Deno.mkdir(`${dir}/no-loops`);
    const proc = await spawnDaemon({
      name: "node-server",
      command: Deno.execPath(),
      args: [
        "run",
        "-A",
        `${ROOT}driver/main.ts`,
        "node-server",
        `--kubeconfig=${KUBECONFIG}`,
        `--kube-node-name=${NODE}`,
        `--app-dir=${dir}/app`,
        `--loop-backing-dir=${dir}/no-loops`,
        `--csi-endpoint=unix://${csiSocket}`,
        "--listen-address=127.0.0.1",
        `--readiness-port=${readiness}`,
        `--metrics-port=${metrics}`,
        `--kubelet-registration-path=${csiSocket}`,
        `--plugin-registration-path=${registry}`,
        `--health-port=${health}`,
      ],
      logFile: `${dir}/node-server.log`,
      cwd: ROOT,
    });
    const creds = grpc.credentials.createInsecure();
    try {
      await until("the registration socket", () => pathExists(regSocket));
      const registration = new RegistrationClient(`unix:${regSocket}`, creds);
      const info = await call<PluginInfo>((cb) => registration.getInfo({}, cb));
      assert.deepEqual(info, {
        type: "CSIPlugin",
        name: "directpv-min-io",
        endpoint: csiSocket,
        supportedVersions: ["1.0.0"],
      });
      await call<unknown>((cb) =>
        registration.notifyRegistrationStatus({ pluginRegistered: true, error: "" }, cb)
      );
      registration.close();

      // The kubelet then dials the endpoint it was given.
      const identity = new IdentityClient(`unix:${info.endpoint}`, creds);
      const plugin = await call<GetPluginInfoResponse>((cb) => identity.getPluginInfo({}, cb));
      assert.equal(plugin.name, "directpv-min-io");
      identity.close();
      const node = new NodeClient(`unix:${info.endpoint}`, creds);
      const nodeInfo = await call<NodeGetInfoResponse>((cb) => node.nodeGetInfo({}, cb));
      assert.equal(nodeInfo.nodeId, NODE);
      node.close();

      await until("/healthz 200", async () => (await httpGet(health, "/healthz"))[0] === 200);
      assert.deepEqual(await httpGet(health, "/healthz"), [200, "ok"]);

      await Deno.remove(regSocket);
      await until("the registration socket again", () => pathExists(regSocket));
      const again = new RegistrationClient(`unix:${regSocket}`, creds);
      assert.equal((await call<PluginInfo>((cb) => again.getInfo({}, cb))).name, "directpv-min-io");
      again.close();

      const log = await Deno.readTextFile(`${dir}/node-server.log`);
      assert.match(log, /Registered with the kubelet/);
      assert.match(log, /Registration socket created again/);
    } catch (err) {
      throw new Error(`${err}\n${await tailFile(`${dir}/node-server.log`, 40)}`, { cause: err });
    } finally {
      const ended = await stopProcess(proc, { graceMs: 15_000 });
      await run("umount", ["--lazy", `${dir}/app/tmp`], { allowFailure: true });
      const left = [await pathExists(regSocket), await pathExists(csiSocket)];
      await removePath(dir);
      await kube.nodes.delete(NODE).catch(() => {});
      assert.deepEqual(left, [false, false], `SIGTERM removes both sockets (${ended})`);
    }
  },
});
