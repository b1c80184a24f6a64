/**
 * The controller role as a process against a running API server (DIRECTPV_E2E_KUBECONFIG):
 * 200 concurrent CreateVolume calls over its unix socket, pinned to one node each as
 * csi-provisioner pins them (--strict-topology), on 10 drives that hold about half of what is
 * asked. No drive is overbooked, every failure is RESOURCE_EXHAUSTED, every success is a
 * volume stored on the drive that holds it and that the controller validates. Prints
 * throughput and latency percentiles, and the footprint of the controller and (as root) the
 * node server: cold start (spawn → readiness 200) and idle RSS.
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
  ValidateVolumeCapabilitiesRequest,
} from "../../proto/mod.ts";
import { checkAllocation } from "../bench/controller_seed.ts";
import {
  type DaemonProcess,
  describeLatency,
  latencyFigures,
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

/** Every drive holds 20 GiB: the 10 take about half of the ~400 GiB the calls ask for. */
const DRIVE_BYTES = 20 * GIB;
const NODES = 3;

function nodeName(i: number): string {
  return `e2e-${RUN}-node-${i % NODES}`;
}

function testDrive(i: number): DirectPVDrive {
  const name = `${RUN}-${i.toString().padStart(4, "0")}-4000-8000-000000000000`;
  const node = nodeName(i);
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
      totalCapacity: DRIVE_BYTES,
      allocatedCapacity: 0,
      freeCapacity: DRIVE_BYTES,
      fsuuid: name,
      status: "Ready",
      topology: { [LABELS.node]: node },
    },
  };
}

/** Starts a driver role of this checkout as node 0 of the run. */
function startRole(role: string, dir: string, extra: string[] = [], socket?: string) {
  return startDriverRole(role, {
    ...(socket ? { socket } : {}),
    driver: DRIVER,
    cwd: ROOT,
    kubeconfig: KUBECONFIG,
    nodeName: `e2e-${RUN}-node-0`,
    dir,
    extraArgs: extra,
  });
}

const MOUNT_CAPABILITY = { mount: { fsType: "xfs" }, accessMode: { mode: 1 } };

/**
 * What call `i` asks for: 1 to 3 GiB on one node, as the provisioner asks with strict
 * topology; every node gets every size.
 */
function callRequest(i: number) {
  const topology = [{ segments: { [LABELS.node]: nodeName(i) } }];
  const bytes = (1 + (Math.floor(i / NODES) % 3)) * GIB;
  return {
    name: `pvc-${RUN}-${i}`,
    bytes,
    node: nodeName(i),
    request: CreateVolumeRequest.fromPartial({
      name: `pvc-${RUN}-${i}`,
      capacityRange: { requiredBytes: bytes },
      volumeCapabilities: [MOUNT_CAPABILITY],
      parameters: { [RUN_LABEL]: RUN },
      accessibilityRequirements: { requisite: topology, preferred: topology },
    }),
  };
}

interface CallResult {
  ms: number;
  res?: CreateVolumeResponse;
  err?: grpc.ServiceError;
}

function create(client: ControllerClient, i: number): Promise<CallResult> {
  const started = performance.now();
  return new Promise((resolve) =>
    client.createVolume(callRequest(i).request, (err, res) => {
      const ms = performance.now() - started;
      resolve(err ? { ms, err } : { ms, res });
    })
  );
}

/** What is wrong with the volume call `i` created: its response, object and holder drive. */
async function unusable(
  kube: KubeClient,
  client: ControllerClient,
  i: number,
  res: CreateVolumeResponse,
): Promise<string[]> {
  const want = callRequest(i);
  const problems: string[] = [];
  const say = (what: string) => problems.push(`${want.name}: ${what}`);
  const id = res.volume?.volumeId ?? "";
  if (id !== want.name) say(`volume id "${id}"`);
  if (res.volume?.capacityBytes !== want.bytes) say(`capacity ${res.volume?.capacityBytes}`);
  const node = res.volume?.accessibleTopology[0]?.segments[LABELS.node];
  if (node !== want.node) say(`accessible on "${node}", asked for "${want.node}"`);
  const volume = await kube.volumes.get(id);
  const holder = await kube.drives.get(volume.metadata.labels?.[LABELS.drive] ?? "");
  if (!holder.metadata.finalizers?.includes(volumeFinalizer(id))) say("drive label not a holder");
  if (volume.metadata.labels?.[LABELS.node] !== want.node) say("stored on another node");
  if (volume.status.fsuuid !== holder.status.fsuuid) say("fsuuid is not its drive's");
  if (volume.status.totalCapacity !== want.bytes) say(`stored ${volume.status.totalCapacity}`);
  const validated = await new Promise<string>((resolve) =>
    client.validateVolumeCapabilities(
      ValidateVolumeCapabilitiesRequest.fromPartial({
        volumeId: id,
        volumeCapabilities: [MOUNT_CAPABILITY],
      }),
      (err, r) =>
        resolve(err ? `${grpc.status[err.code]} ${err.details}` : r?.confirmed ? "" : "no"),
    )
  );
  if (validated !== "") say(`ValidateVolumeCapabilities: ${validated}`);
  return problems;
}

/** Bytes asked per node and bytes the node's drives hold, to show the calls cannot all fit. */
function demandByNode(): string {
  const asked = new Map<string, number>();
  for (let i = 0; i < CALLS; i++) {
    const r = callRequest(i);
    asked.set(r.node, (asked.get(r.node) ?? 0) + r.bytes);
  }
  const held = new Map<string, number>();
  for (let i = 0; i < DRIVES; i++) {
    held.set(nodeName(i), (held.get(nodeName(i)) ?? 0) + DRIVE_BYTES);
  }
  return [...asked].map(([n, b]) => `${n.slice(-6)} ${b / GIB}/${(held.get(n) ?? 0) / GIB} GiB`)
    .join(", ");
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

/** The permission bits of a path (a socket is not followed). */
async function modeOf(path: string): Promise<number> {
  return ((await Deno.lstat(path)).mode ?? 0) & 0o777;
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "?" : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

interface Outcome {
  created: Set<string>;
  codes: Record<string, number>;
  problems: string[];
  bytesCreated: number;
}

async function judge(
  kube: KubeClient,
  client: ControllerClient,
  results: CallResult[],
): Promise<Outcome> {
  const created = new Set<string>();
  const codes: Record<string, number> = {};
  const problems: string[] = [];
  let bytesCreated = 0;
  for (const [i, r] of results.entries()) {
    if (r.res) {
      created.add(callRequest(i).name);
      bytesCreated += callRequest(i).bytes;
      problems.push(...await unusable(kube, client, i, r.res));
      continue;
    }
    const code = grpc.status[r.err?.code ?? grpc.status.UNKNOWN] ?? String(r.err?.code);
    codes[code] = (codes[code] ?? 0) + 1;
    if (code !== "RESOURCE_EXHAUSTED") problems.push(`call ${i}: ${code} ${r.err?.details}`);
    else if (!/no drive found for requested topology/.test(r.err?.details ?? "")) {
      problems.push(`call ${i}: unclear message "${r.err?.details}"`);
    }
  }
  problems.push(...await checkAllocation(kube, created, { driveLabels: { [RUN_LABEL]: RUN } }));
  return { created, codes, problems, bytesCreated };
}

/** Why a failed call was right to fail: no drive of its node had its size free at the end. */
async function failuresJustified(kube: KubeClient, results: CallResult[]): Promise<string[]> {
  const drives = await kube.drives.listAll({ labelSelector: { [RUN_LABEL]: RUN } });
  const problems: string[] = [];
  for (const [i, r] of results.entries()) {
    if (!r.err) continue;
    const want = callRequest(i);
    const room = drives.find((d) =>
      d.status.topology[LABELS.node] === want.node && d.status.freeCapacity >= want.bytes
    );
    if (room) problems.push(`call ${i} failed while ${room.metadata.name} had room`);
  }
  return problems;
}

function report(
  role: { coldStartMs: number },
  rss: (number | undefined)[],
  results: CallResult[],
  elapsed: number,
  o: Outcome,
): void {
  const all = latencyFigures(results.map((r) => r.ms));
  const ok = latencyFigures(results.filter((r) => r.res).map((r) => r.ms));
  const failed = latencyFigures(results.filter((r) => r.err).map((r) => r.ms));
  // deno-lint-ignore no-console
  console.log(
    `controller: cold start ${role.coldStartMs.toFixed(0)} ms, idle RSS ${mib(rss[0])}, ` +
      `RSS after ${mib(rss[1])}\n` +
      `  asked/held per node: ${demandByNode()}\n` +
      `  ${CALLS} concurrent CreateVolume in ${elapsed.toFixed(0)} ms ` +
      `(${(CALLS / (elapsed / 1000)).toFixed(1)} calls/s): ${o.created.size} created ` +
      `(${o.bytesCreated / GIB} of ${(DRIVES * DRIVE_BYTES) / GIB} GiB), ` +
      `failures ${JSON.stringify(o.codes)}\n` +
      `  all calls: ${describeLatency(all)}\n` +
      `  created:   ${describeLatency(ok)}\n` +
      `  failed:    ${describeLatency(failed)}`,
  );
}

Deno.test({
  name: "controller process: 200 concurrent CreateVolume calls on drives that fit half of them",
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
    assert.equal(await modeOf(role.socket), 0o600, "the controller's socket is owner-only");
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = await processRss(proc.pid);
    const client = new ControllerClient(`unix:${role.socket}`, grpc.credentials.createInsecure());
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: CALLS }, (_, i) => create(client, i)));
    const elapsed = performance.now() - started;
    const rssAfter = await processRss(proc.pid);
    if (rssAfter === undefined) {
      throw new Error(`controller exited:\n${await tailFile(`${dir}/controller.log`, 40)}`);
    }
    const outcome = await judge(kube, client, results);
    client.close();
    report(role, [idleRss, rssAfter], results, elapsed, outcome);
    assert.ok(outcome.created.size > 0 && outcome.created.size < CALLS, "only part fits");
    assert.deepEqual(outcome.problems, []);
    assert.deepEqual(await failuresJustified(kube, results), []);
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
    ], join(dir, "plugins", "directpv-min-io", "csi.sock"));
    proc = role.proc;
    assert.equal(await modeOf(role.socket), 0o600, "the node server's socket is owner-only");
    assert.equal(await modeOf(dirname(role.socket)), 0o700, "the socket directory it made");
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
