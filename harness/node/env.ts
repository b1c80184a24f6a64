/**
 * A real-node environment: the local control plane with the workload controllers and
 * kube-scheduler, the loopback registry with the standard images, and one or more real nodes
 * (each its own containerd and kubelet). Recorded in `<dir>/realnode.json` as it starts, so
 * {@link stopRealEnv} (from any process, also after a failed or interrupted start) stops every
 * process by PID and leaves no mount, loop device or cgroup behind.
 */
import { join, resolve } from "node:path";
import { errorMessage } from "../../lib/errors/mod.ts";
import { type Logger, nullLogger } from "../../lib/log/mod.ts";
import { Cluster, readState, startCluster, stopCluster } from "../cluster/mod.ts";
import {
  type DaemonProcess,
  processAlive,
  processStartTime,
  removePath,
  requireBinaries,
  sleep,
  spawnDaemon,
  stopProcess,
  toolsBinDir,
  writeJsonAtomic,
} from "../lib/mod.ts";
import { mountsUnder } from "../loop/mod.ts";
import { standardImages } from "./images.ts";
import { nodePaths } from "./config.ts";
import { NODE_TOOLS, RealNode, startNode, type StartNodeOptions } from "./node.ts";
import { type LoopbackRegistry, pushImage, startRegistry } from "./registry.ts";
import { readNodeState } from "./state.ts";
import { stopNode } from "./stop.ts";

/** Tools a real-node environment needs besides the cluster's. */
export const REAL_NODE_TOOLS = [...NODE_TOOLS, "kube-scheduler", "crane", "pause"];

/** Contents of `realnode.json`. */
interface RealEnvRecord {
  version: 1;
  dir: string;
  clusterDir: string;
  registry?: DaemonProcess;
  registryPort?: number;
  /** Directories of the nodes, in start order. */
  nodeDirs: string[];
  imagesMs?: number;
  /** The process that stops the environment when its owner ends without stopping it. */
  reaper?: DaemonProcess;
}

/** Options of {@link startRealEnv}. */
export interface RealEnvOptions {
  /** The environment's directory (created; refused when an environment is recorded there). */
  dir: string;
  /** Names of the real nodes. Default `["node-1"]`. */
  nodes?: readonly string[];
  log?: Logger;
  /** Aborting it ends the start at its next step, undoing what was started. */
  signal?: AbortSignal;
  /**
   * Stop the environment when this process ends without stopping it (killed, or its parent
   * `deno task` ended it on Ctrl-C): a detached reaper watches it. For test runs; an
   * environment meant to outlive its starter (`up`) leaves it off. Default false.
   */
  stopWithThisProcess?: boolean;
}

/** A running real-node environment. */
export interface RealEnv {
  dir: string;
  cluster: Cluster;
  registry: LoopbackRegistry;
  nodes: RealNode[];
  /** Milliseconds spent building and pushing the standard images. */
  imagesMs: number;
}

function recordPath(dir: string): string {
  return join(dir, "realnode.json");
}

async function readRecord(dir: string): Promise<RealEnvRecord | undefined> {
  const text = await Deno.readTextFile(recordPath(dir)).catch(() => undefined);
  return text === undefined ? undefined : JSON.parse(text) as RealEnvRecord;
}

/** The node directory of `name` in an environment. */
export function nodeDir(dir: string, name: string): string {
  return join(dir, "nodes", name);
}

/**
 * Starts the environment. On failure everything started is stopped before the error is
 * thrown.
 */
export async function startRealEnv(options: RealEnvOptions): Promise<RealEnv> {
  const log = options.log ?? nullLogger();
  const dir = resolve(options.dir);
  if (await readRecord(dir)) {
    throw new Error(`Cannot start a real-node environment in "${dir}": one is recorded there`);
  }
  const binDir = await toolsBinDir();
  await requireBinaries(binDir, REAL_NODE_TOOLS);
  await Deno.mkdir(dir, { recursive: true });
  const record: RealEnvRecord = { version: 1, dir, clusterDir: join(dir, "cluster"), nodeDirs: [] };
  const save = () => writeJsonAtomic(recordPath(dir), record);
  await save();
  try {
    if (options.stopWithThisProcess) {
      record.reaper = await startReaper(dir);
      await save();
    }
    return await bringUp(record, save, binDir, options, log);
  } catch (err) {
    const problems = await stopRealEnv(dir);
    if (problems.length > 0) log.error("Cannot stop after a failed start", { problems });
    throw err;
  }
}

async function bringUp(
  record: RealEnvRecord,
  save: () => Promise<void>,
  binDir: string,
  options: RealEnvOptions,
  log: Logger,
): Promise<RealEnv> {
  const check = () => options.signal?.throwIfAborted();
  const cluster = await startCluster({ workDir: record.clusterDir, workloads: true, log });
  check();
  const registry = await startRegistry(binDir, join(record.dir, "registry"), async (proc) => {
    record.registry = proc;
    await save();
  });
  record.registryPort = registry.port;
  const imagesStart = performance.now();
  for (const spec of await standardImages(binDir)) {
    check();
    await pushImage(binDir, registry, spec);
  }
  record.imagesMs = Math.round(performance.now() - imagesStart);
  await save();
  log.info("Images pushed", { port: registry.port, imagesMs: record.imagesMs });
  const env: RealEnv = { dir: record.dir, cluster, registry, nodes: [], imagesMs: record.imagesMs };
  for (const name of options.nodes ?? ["node-1"]) {
    check();
    record.nodeDirs.push(nodeDir(record.dir, name));
    await save();
    const signal = options.signal ? { signal: options.signal } : {};
    env.nodes.push(await startEnvNode(env, name, { log, ...signal }));
  }
  return env;
}

/**
 * Starts one more real node in a running environment (its directory `nodes/<name>`), for
 * scenarios that add or replace a node. The caller stops it ({@link RealNode.stop}).
 */
export async function startEnvNode(
  env: RealEnv,
  name: string,
  options: Partial<Omit<StartNodeOptions, "name" | "dir">> = {},
): Promise<RealNode> {
  return await startNode({
    name,
    dir: nodeDir(env.dir, name),
    kubeconfig: env.cluster.kubeconfigPath,
    registryPort: env.registry.port,
    binDir: env.cluster.binDir,
    ...options,
  });
}

/**
 * The running environment recorded in `dir`, for a process other than the one that started it
 * (the scenarios of a test run).
 *
 * @throws {Error} when nothing complete is recorded there
 */
export async function openRealEnv(dir: string): Promise<RealEnv> {
  const record = await readRecord(resolve(dir));
  const clusterState = record && await readState(record.clusterDir);
  if (!record?.registry || record.registryPort === undefined || !clusterState) {
    throw new Error(`No running real-node environment is recorded in "${dir}"`);
  }
  const nodes: RealNode[] = [];
  for (const node of record.nodeDirs) {
    const state = await readNodeState(nodePaths(node).stateFile);
    if (!state) throw new Error(`No running node is recorded in "${node}"`);
    nodes.push(new RealNode(state));
  }
  const registry = {
    port: record.registryPort,
    disk: join(record.dir, "registry", "blobs"),
    process: record.registry,
  };
  return {
    dir: record.dir,
    cluster: new Cluster(clusterState),
    registry,
    nodes,
    imagesMs: record.imagesMs ?? 0,
  };
}

/**
 * Stops the environment recorded in `dir`: every node under `<dir>/nodes` (also those a
 * scenario added with {@link startEnvNode}), the registry, the control plane, the reaper; then
 * removes the directory. Returns what could not be undone (empty when all went); safe to call
 * twice and when nothing is recorded.
 */
export async function stopRealEnv(dir: string): Promise<string[]> {
  const record = await readRecord(resolve(dir));
  if (!record) return [];
  const problems: string[] = [];
  const attempt = async (step: () => Promise<unknown>) => {
    await step().catch((err) => problems.push(errorMessage(err)));
  };
  const nodes = join(record.dir, "nodes");
  const found = await Array.fromAsync(Deno.readDir(nodes)).catch(() => []);
  const dirs = new Set([...record.nodeDirs, ...found.map((e) => join(nodes, e.name))]);
  for (const node of [...dirs].reverse()) await attempt(() => stopNode(node));
  if (record.registry) {
    const registry = record.registry;
    await attempt(() => stopProcess(registry));
  }
  await attempt(() => stopCluster(record.clusterDir));
  const reaper = record.reaper;
  if (reaper && reaper.pid !== Deno.pid) await attempt(() => stopProcess(reaper));
  const mounted = await mountsUnder(record.dir);
  if (mounted.length > 0) problems.push(`Still mounted: ${mounted.join(", ")}`);
  // The record goes last, so a stop that failed can be run again.
  if (problems.length === 0) await attempt(() => removeAllBut(record.dir, "realnode.json"));
  if (problems.length === 0) await attempt(() => removePath(record.dir));
  return problems;
}

async function removeAllBut(dir: string, keep: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) if (e.name !== keep) await removePath(join(dir, e.name));
}

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const REPO = new URL("../..", import.meta.url).pathname;

async function startReaper(dir: string): Promise<DaemonProcess> {
  const owner = await processStartTime(Deno.pid);
  return await spawnDaemon({
    name: "reaper",
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "reap", "--dir", dir, "--owner", `${Deno.pid}:${owner}`],
    logFile: join(dir, "reaper.log"),
    cwd: REPO,
  });
}

/**
 * The reaper's loop: waits while the owner (PID and start time) runs, then stops the
 * environment in `dir` if it is still recorded. Returns what could not be undone.
 */
export async function reap(
  dir: string,
  owner: { pid: number; startTime: number },
): Promise<string[]> {
  while (await processAlive(owner)) await sleep(500);
  return await stopRealEnv(dir);
}

/** What {@link interruptOnSignals} returns. */
export interface Interrupt {
  /** Aborted at the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Removes the signal handlers. */
  dispose(): void;
}

/**
 * Turns SIGINT and SIGTERM (Ctrl-C) into an aborted signal, so that a start in progress stops
 * at its next step and undoes what it started (rather than racing a stop against it). The
 * process no longer ends on those signals until {@link Interrupt.dispose}; a second signal
 * ends it at once.
 */
export function interruptOnSignals(say: (msg: string) => void): Interrupt {
  const controller = new AbortController();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handler = () => {
    if (controller.signal.aborted) Deno.exit(130);
    say("Interrupted: stopping what was started (again to end at once)");
    controller.abort(new Interrupted());
  };
  for (const s of signals) Deno.addSignalListener(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) Deno.removeSignalListener(s, handler);
    },
  };
}

/** The reason of an {@link Interrupt}'s signal. */
export class Interrupted extends Error {
  constructor() {
    super("Interrupted by a signal");
    this.name = "Interrupted";
  }
}
