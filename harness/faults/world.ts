/**
 * A fresh DirectPV environment for one fault scenario: the sandbox (local control plane,
 * simulated nodes with loop drives, our driver roles as host processes, CSI sidecars), its
 * drives initialised, and the moves scenarios make on it: kill a role's whole process group
 * (what a container kill does), restart it with a fault point armed, create init requests.
 */
import { join } from "node:path";
import type { KubeClient } from "../../lib/k8s/mod.ts";
import { updateWithRetry } from "../../lib/k8s/mod.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DirectPVInitRequest,
  type DirectPVNode,
  KINDS,
  LABELS,
} from "../../lib/types/mod.ts";
import type { Cluster } from "../cluster/mod.ts";
import { processAlive, sleep, waitFor } from "../lib/mod.ts";
import {
  type EnvState,
  saveState,
  type SimNode,
  startDriver,
  startEnv,
  stopEnv,
  stopRecorded,
} from "../sandbox/env.ts";

export type NodeRole = "node-server" | "node-controller";

/** What a scenario works on. */
export interface World {
  env: EnvState;
  kube: KubeClient;
  cluster: Cluster;
  /** Stops everything and removes the directory; returns the problems met (none is clean). */
  stop(): Promise<string[]>;
}

export interface WorldOptions {
  /** A short name for the environment's directory (`/tmp/dpv-<name>-XXXX`). */
  name: string;
  nodes: number;
  drivesPerNode: number;
  /** Size of each loop drive. Default 1GiB. */
  driveSize?: string;
  /** Format every drive (discover + init) before returning. Default true. */
  init?: boolean;
  /** Run the CSI controller and its sidecars (needed to provision). Default true. */
  controller?: boolean;
  log?: (msg: string) => void;
}

/** The n-th simulated node (0-based) of a world, or a clear error. */
export function nodeOf(world: World, index = 0): SimNode {
  const node = world.env.nodes[index];
  if (!node) throw new Error(`The world has no node ${index} (it has ${world.env.nodes.length})`);
  return node;
}

/** Starts a world; on failure whatever was started is stopped before the error is thrown. */
export async function startWorld(options: WorldOptions): Promise<World> {
  // Not under the scenario's directory: a unix socket path must stay under 108 bytes.
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: `dpv-${options.name}-` });
  const stop = () => stopEnv(dir, options.log);
  try {
    const nodes = Array.from({ length: options.nodes }, (_, i) => ({
      name: `fault-node-${i + 1}`,
      drives: Array.from({ length: options.drivesPerNode }, (_, d) => ({
        name: `d${d + 1}`,
        size: options.driveSize ?? "1GiB",
      })),
    }));
    const { env, kube, cluster } = await startEnv({
      dir,
      nodes,
      controller: options.controller ?? true,
      // Drives that come and go are noticed within seconds, not the default 30.
      nodeServerArgs: ["--health-interval=2"],
      ...(options.log ? { log: options.log } : {}),
    });
    const world: World = { env, kube, cluster, stop };
    if (options.init ?? true) {
      for (const node of env.nodes) await initNode(world, node, `init-${node.name}`);
    }
    return world;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/** Runs `fn` on a fresh world and always stops it; stop problems fail the scenario. */
export async function withWorld<T>(
  options: WorldOptions,
  fn: (world: World) => Promise<T>,
): Promise<T> {
  const world = await startWorld(options);
  let result: T;
  try {
    result = await fn(world);
  } catch (err) {
    await world.stop().catch(() => {});
    throw err;
  }
  const problems = await world.stop();
  if (problems.length > 0) throw new Error(`Cannot stop the world: ${problems.join("; ")}`);
  return result;
}

/** Asks the node for a fresh device list and returns it. */
export async function discoverDevices(
  kube: KubeClient,
  node: string,
): Promise<DirectPVNode["status"]["devices"]> {
  await waitFor(() => kube.nodes.get(node).catch(() => undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: `the DirectPVNode of "${node}"`,
  });
  await updateWithRetry(kube.nodes, node, (n) => {
    n.spec.refresh = true;
  });
  return await waitFor(async () => {
    const n = await kube.nodes.get(node);
    return n.spec.refresh === false && n.status.devices.length > 0 ? n.status.devices : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200, description: `the devices of "${node}"` });
}

/** Creates an init request for these devices of a node (forced, as `init --dangerous`). */
export async function createInitRequest(
  kube: KubeClient,
  node: string,
  name: string,
  devices: readonly { id: string; name: string }[],
): Promise<void> {
  await kube.initRequests.create({
    apiVersion: API_VERSION,
    kind: KINDS.initRequest,
    metadata: { name, labels: { [LABELS.node]: node } },
    spec: { devices: devices.map((d) => ({ id: d.id, name: d.name, force: true })) },
    status: { status: "Pending", results: [] },
  });
}

/** Waits until the init request is no longer Pending and returns it. */
export async function waitProcessed(
  kube: KubeClient,
  name: string,
  timeoutMs = 120_000,
): Promise<DirectPVInitRequest> {
  return await waitFor(async () => {
    const r = await kube.initRequests.get(name);
    return r.status.status === "Pending" ? undefined : r;
  }, { timeoutMs, intervalMs: 250, description: `init request "${name}" to be processed` });
}

/** Formats every drive of a node and waits until they are all Ready. */
export async function initNode(world: World, node: SimNode, request: string): Promise<void> {
  const devices = await discoverDevices(world.kube, node.name);
  await createInitRequest(world.kube, node.name, request, devices);
  const done = await waitProcessed(world.kube, request);
  const failed = done.status.results.filter((r) => r.error);
  if (done.status.status !== "Processed" || failed.length > 0) {
    throw new Error(`Cannot init the drives of ${node.name}: ${JSON.stringify(done.status)}`);
  }
  await waitFor(async () => {
    const drives = await nodeDrives(world.kube, node.name);
    return drives.length === node.drives.length && drives.every((d) => d.status.status === "Ready");
  }, { timeoutMs: 60_000, intervalMs: 250, description: `the drives of ${node.name} Ready` });
}

export async function nodeDrives(kube: KubeClient, node: string): Promise<DirectPVDrive[]> {
  return await kube.drives.listAll({ labelSelector: { [LABELS.node]: node } });
}

function processName(role: NodeRole, node: SimNode): string {
  return `${role}-${node.name}`;
}

/** The PID of a running role of a node (also the ID of its process group and session). */
export function rolePid(world: World, role: NodeRole, node: SimNode): number {
  const proc = world.env.processes.find((p) => p.name === processName(role, node));
  if (!proc) throw new Error(`No ${role} of ${node.name} is running`);
  return proc.pid;
}

/**
 * SIGKILLs the role's whole process group (the role and any mkfs.xfs or mount it runs), as
 * a container runtime kills a container, and forgets the process.
 */
export async function killRole(world: World, role: NodeRole, node: SimNode): Promise<void> {
  const name = processName(role, node);
  const proc = world.env.processes.find((p) => p.name === name);
  if (!proc) throw new Error(`No ${role} of ${node.name} to kill`);
  try {
    Deno.kill(-proc.pid, "SIGKILL");
  } catch {
    // Already gone (ESRCH): the wait below confirms it.
  }
  await waitFor(async () => !(await processAlive(proc)), {
    timeoutMs: 10_000,
    intervalMs: 50,
    description: `${name} to die`,
  });
  world.env.processes = world.env.processes.filter((p) => p !== proc);
  await saveState(world.env);
}

function logOf(world: World, role: NodeRole, node: SimNode): string {
  return join(world.env.dir, "logs", `${processName(role, node)}.log`);
}

/**
 * Starts a role of a node, with a fault point armed when given; waits for a node server's
 * socket. Returns where its log stood, for {@link waitFaultReached}.
 */
export async function startRole(
  world: World,
  role: NodeRole,
  node: SimNode,
  fault?: string,
): Promise<number> {
  const extra = fault ? { DIRECTPV_FAULT_POINT: fault } : {};
  const logStart = (await Deno.stat(logOf(world, role, node)).catch(() => undefined))?.size ?? 0;
  if (role === "node-server") await Deno.remove(node.endpoint).catch(() => {});
  await startDriver(world.env, role, node, extra);
  if (role !== "node-server") return logStart;
  await waitFor(async () => (await Deno.stat(node.endpoint).catch(() => undefined))?.isSocket, {
    timeoutMs: 60_000,
    intervalMs: 100,
    description: `the socket of node-server ${node.name}`,
  });
  return logStart;
}

/** Stops a role gracefully and starts it again with the fault point armed; see startRole. */
export async function restartArmed(
  world: World,
  role: NodeRole,
  node: SimNode,
  fault: string,
): Promise<number> {
  await stopRecorded(world.env, processName(role, node));
  return await startRole(world, role, node, fault);
}

/** The log of a role of a node from `from` (a {@link startRole} result) on. */
export async function roleLog(
  world: World,
  role: NodeRole,
  node: SimNode,
  from = 0,
): Promise<string> {
  const bytes = await Deno.readFile(logOf(world, role, node)).catch(() => new Uint8Array());
  return new TextDecoder().decode(bytes.subarray(from));
}

/** Waits until the role of a node, started at log offset `from`, reached the fault point. */
export async function waitFaultReached(
  world: World,
  role: NodeRole,
  node: SimNode,
  point: string,
  from: number,
  timeoutMs = 60_000,
): Promise<void> {
  const line = `fault point reached: ${point}`;
  await waitFor(async () => (await roleLog(world, role, node, from)).includes(line), {
    timeoutMs,
    intervalMs: 50,
    description: `${processName(role, node)} to reach ${point}`,
  });
  // The point is logged before it pauses: give the write a moment to be all there is.
  await sleep(100);
}
