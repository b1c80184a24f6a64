/**
 * The controller role as a process against a running API server (DIRECTPV_E2E_KUBECONFIG):
 * 200 concurrent CreateVolume calls over its unix socket on 10 drives never overbook a drive
 * and place each created volume exactly once. Also prints the footprint of the controller and
 * (as root) the node server: cold start (spawn → readiness 200) and idle RSS.
 *
 *   DIRECTPV_E2E_KUBECONFIG=… deno test -A harness/e2e/csi_concurrency_test.ts
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { AlreadyExistsError } from "../../lib/errors/mod.ts";
import { type AnyObject, connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  FINALIZERS,
  KINDS,
  LABELS,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import {
  ControllerClient,
  CreateVolumeRequest,
  type CreateVolumeResponse,
} from "../../proto/mod.ts";
import {
  type DaemonProcess,
  pathExists,
  processRss,
  startDriverRole,
  stopProcess,
  tailFile,
  waitFor,
} from "../lib/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG") ?? "";
const DRIVER = Deno.env.get("DIRECTPV_E2E_DRIVER") ?? join(ROOT, "driver", "main.ts");
const RUN = crypto.randomUUID().slice(0, 8);
const RUN_LABEL = `${LABELS.node.replace("/node", "")}/e2e-run`;
const GIB = 1024 ** 3;
const DRIVES = 10;
const CALLS = 200;

const ignore = !KUBECONFIG || !(await pathExists(DRIVER));
if (ignore) {
  // deno-lint-ignore no-console
  console.error("Skipping CSI concurrency scenarios: DIRECTPV_E2E_KUBECONFIG is not set");
}

async function installCrds(kube: KubeClient): Promise<void> {
  for (const crd of crdObjects()) {
    await kube.customResourceDefinitions.create(crd as AnyObject).catch((err) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  }
  await waitFor(async () => (await kube.drives.list({ limit: 1 })) && true, {
    timeoutMs: 60_000,
    intervalMs: 250,
    description: "the DirectPV CRDs",
  });
}

function testDrive(i: number): DirectPVDrive {
  const name = `${RUN}-${i.toString().padStart(4, "0")}-4000-8000-000000000000`;
  const node = `e2e-${RUN}-node-${i % 3}`;
  const total = (20 + i) * GIB;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name,
      labels: { [LABELS.node]: node, [LABELS.accessTier]: "Default", [RUN_LABEL]: RUN },
      finalizers: [FINALIZERS.dataProtection],
    },
    spec: {},
    status: {
      totalCapacity: total,
      allocatedCapacity: 0,
      freeCapacity: total,
      fsuuid: name,
      status: "Ready",
      topology: { [LABELS.node]: node },
    },
  };
}

/** Starts a driver role of this checkout as node 0 of the run. */
function startRole(role: string, dir: string, extra: string[] = []) {
  return startDriverRole(role, {
    driver: DRIVER,
    cwd: ROOT,
    kubeconfig: KUBECONFIG,
    nodeName: `e2e-${RUN}-node-0`,
    dir,
    extraArgs: extra,
  });
}

function create(
  client: ControllerClient,
  i: number,
): Promise<CreateVolumeResponse | grpc.ServiceError> {
  const req = CreateVolumeRequest.fromPartial({
    name: `pvc-${RUN}-${i}`,
    capacityRange: { requiredBytes: (1 + (i % 3)) * GIB },
    volumeCapabilities: [{ mount: { fsType: "xfs" }, accessMode: { mode: 1 } }],
    parameters: { [RUN_LABEL]: RUN },
  });
  return new Promise((resolve) => client.createVolume(req, (err, res) => resolve(err ?? res)));
}

async function checkInvariants(kube: KubeClient, created: Set<string>): Promise<void> {
  const drives = await kube.drives.listAll({ labelSelector: { [RUN_LABEL]: RUN } });
  const volumes = (await kube.volumes.listAll()).filter((v) =>
    (v.metadata.name ?? "").startsWith(`pvc-${RUN}-`)
  );
  assert.equal(volumes.length, created.size);
  const sizes = new Map(volumes.map((v) => [v.metadata.name ?? "", v.status.totalCapacity]));
  for (const d of drives) {
    const held = (d.metadata.finalizers ?? []).filter((f) => f.startsWith(FINALIZERS.volumePrefix));
    const sum = held.reduce(
      (n, f) => n + (sizes.get(f.slice(FINALIZERS.volumePrefix.length)) ?? NaN),
      0,
    );
    assert.ok(d.status.allocatedCapacity <= d.status.totalCapacity);
    assert.equal(d.status.allocatedCapacity, sum);
  }
  for (const name of created) {
    const holders = drives.filter((d) => d.metadata.finalizers?.includes(volumeFinalizer(name)));
    assert.equal(holders.length, 1, name);
  }
}

async function cleanup(kube: KubeClient): Promise<void> {
  for (const v of await kube.volumes.listAll()) {
    if (!(v.metadata.name ?? "").startsWith(`pvc-${RUN}-`)) continue;
    await kube.volumes.update({ ...v, metadata: { ...v.metadata, finalizers: [] } }).catch(
      () => {},
    );
    await kube.volumes.delete(v.metadata.name ?? "").catch(() => {});
  }
  for (const d of await kube.drives.listAll({ labelSelector: { [RUN_LABEL]: RUN } })) {
    await kube.drives.update({ ...d, metadata: { ...d.metadata, finalizers: [] } }).catch(() => {});
    await kube.drives.delete(d.metadata.name ?? "").catch(() => {});
  }
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "?" : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

Deno.test({
  name: "controller process: 200 concurrent CreateVolume calls never overbook a drive",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const kube = await connectKube({ kubeconfig: KUBECONFIG });
  await installCrds(kube);
  const dir = await Deno.makeTempDir({ prefix: "directpv-csi-e2e-" });
  for (let i = 0; i < DRIVES; i++) await kube.drives.create(testDrive(i));
  let proc: DaemonProcess | undefined;
  try {
    const role = await startRole("controller", dir);
    proc = role.proc;
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = await processRss(proc.pid);
    const client = new ControllerClient(`unix:${role.socket}`, grpc.credentials.createInsecure());
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: CALLS }, (_, i) => create(client, i)));
    const elapsed = performance.now() - started;
    client.close();
    const created = new Set<string>();
    const codes: Record<string, number> = {};
    results.forEach((r, i) => {
      if ("volume" in r) created.add(`pvc-${RUN}-${i}`);
      else codes[grpc.status[r.code] ?? r.code] = (codes[grpc.status[r.code] ?? r.code] ?? 0) + 1;
    });
    for (const code of Object.keys(codes)) {
      assert.ok(["OUT_OF_RANGE", "ABORTED", "RESOURCE_EXHAUSTED"].includes(code), code);
    }
    const rssAfter = await processRss(proc.pid);
    if (rssAfter === undefined) {
      throw new Error(`controller exited:\n${await tailFile(`${dir}/controller.log`, 40)}`);
    }
    await checkInvariants(kube, created);
    // deno-lint-ignore no-console
    console.log(
      `controller: cold start ${role.coldStartMs.toFixed(0)} ms, idle RSS ${mib(idleRss)}, ` +
        `${CALLS} CreateVolume in ${elapsed.toFixed(0)} ms: ${created.size} created, ` +
        `failures ${JSON.stringify(codes)}, RSS after ${mib(rssAfter)}`,
    );
  } finally {
    if (proc) await stopProcess(proc, { graceMs: 5_000 });
    await cleanup(kube);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  name: "node-server process: cold start and idle footprint",
  ignore: ignore || Deno.uid() !== 0,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const kube = await connectKube({ kubeconfig: KUBECONFIG });
  await installCrds(kube);
  const dir = await Deno.makeTempDir({ prefix: "directpv-node-e2e-" });
  let proc: DaemonProcess | undefined;
  try {
    const role = await startRole("node-server", dir, [
      `--app-dir=${dir}/app`,
      "--allow-loop-devices",
      `--loop-backing-dir=${dir}/loops`,
      "--quota=best-effort",
    ]);
    proc = role.proc;
    await new Promise((r) => setTimeout(r, 3000));
    const rss = await processRss(proc.pid);
    const res = await fetch(`http://127.0.0.1:${role.metricsPort}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /process_resident_memory_bytes/);
    // deno-lint-ignore no-console
    console.log(`node-server: cold start ${role.coldStartMs.toFixed(0)} ms, idle RSS ${mib(rss)}`);
  } finally {
    if (proc) await stopProcess(proc, { graceMs: 5_000 });
    await new Deno.Command("umount", { args: ["-l", `${dir}/app/tmp`] }).output().catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
