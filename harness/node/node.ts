/**
 * A real Kubernetes node on this machine: containerd (with our runc) and a kubelet registered
 * with the local control plane, each node self-contained in its own directory (state, sockets,
 * free ports, its own cgroup root), so several nodes and several checkouts can run at once.
 * Everything is recorded in `<dir>/node.json` before it starts and {@link stopNode} undoes it.
 */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { type Logger, nullLogger } from "../../lib/log/mod.ts";
import {
  type DaemonProcess,
  ensureFile,
  freeLoopbackPorts,
  processAlive,
  requireBinaries,
  run,
  spawnDaemon,
  stopProcess,
  tailFile,
  toolsBinDir,
  waitFor,
} from "../lib/mod.ts";
import {
  CNI_BIN_DIR,
  cniConfig,
  containerdConfig,
  kubeletArgs,
  kubeletConfig,
  MIRRORED_REGISTRIES,
  type NodePaths,
  nodePaths,
  registryHostsToml,
} from "./config.ts";
import { makeSharedMount } from "./host.ts";
import { type NodeState, writeNodeState } from "./state.ts";
import { stopNode } from "./stop.ts";

const STRICT_DECODING = /strict decoding error/;

/** Tools a real node needs from `harness/tools/build.sh`. */
export const NODE_TOOLS = ["containerd", "containerd-shim-runc-v2", "ctr", "runc", "kubelet"];

/** Options of {@link startNode}. */
export interface StartNodeOptions {
  /** The Node's name (`--hostname-override`). */
  name: string;
  /** The node's own directory; created when missing, refused when a node runs there. */
  dir: string;
  /** Admin kubeconfig of the control plane. */
  kubeconfig: string;
  /** Port of the loopback registry every image name resolves to. */
  registryPort: number;
  binDir?: string;
  /** Bound on containerd spawn to the Node being Ready. Default 120 s. */
  readyTimeoutMs?: number;
  log?: Logger;
  /** Aborting it ends the start (and the waits) at the next step; what was started is undone. */
  signal?: AbortSignal;
}

/** A running real node. */
export class RealNode {
  readonly paths: NodePaths;
  readonly #state: NodeState;

  constructor(state: NodeState) {
    this.#state = state;
    this.paths = nodePaths(state.dir);
  }

  get name(): string {
    return this.#state.name;
  }
  get dir(): string {
    return this.#state.dir;
  }
  get binDir(): string {
    return this.#state.binDir;
  }
  /** Milliseconds from spawning containerd to the Node's Ready condition. */
  get startupMs(): number {
    return this.#state.startupMs ?? Number.NaN;
  }
  get processes(): readonly DaemonProcess[] {
    return this.#state.processes;
  }

  /** Runs `ctr` against this node's containerd in the CRI namespace and returns stdout. */
  async ctr(args: readonly string[]): Promise<string> {
    const res = await run(`${this.binDir}/ctr`, [
      "--address",
      this.paths.containerdSocket,
      "--namespace",
      "k8s.io",
      ...args,
    ]);
    return res.stdout;
  }

  /**
   * Stops the kubelet (by PID) and starts it again with the same settings, as a kubelet
   * restart on a server: containers keep running. Resolves once the kubelet answers on its
   * healthz port and the Node is Ready, with the milliseconds that took.
   */
  async restartKubelet(options: { timeoutMs?: number } = {}): Promise<number> {
    const state = this.#state;
    const old = state.processes.find((p) => p.name === "kubelet");
    if (old) await stopProcess(old);
    state.processes = state.processes.filter((p) => p !== old);
    const start = performance.now();
    const kubelet = await spawn(
      state,
      this.paths,
      "kubelet",
      kubeletArgs(this.paths, { nodeName: state.name }, state.kubeconfig),
    );
    const containerd = state.processes.filter((p) => p.name === "containerd");
    const timeoutMs = options.timeoutMs ?? 60_000;
    await waitFor(async () => {
      await assertRunning([...containerd, kubelet], undefined);
      const res = await fetch(`http://127.0.0.1:${state.ports.healthz}/healthz`).catch(() => null);
      await res?.body?.cancel();
      return res?.ok;
    }, { timeoutMs, intervalMs: 100, description: "the kubelet to answer", fatal });
    await waitNodeReady(state, [...containerd, kubelet], timeoutMs, undefined);
    return Math.round(performance.now() - start);
  }

  /** Stops every process by PID, kills the pods' containers, unmounts and removes the node. */
  async stop(): Promise<void> {
    await stopNode(this.dir);
  }
}

/**
 * Starts containerd and the kubelet and waits for the Node to be Ready. When anything fails,
 * what was started is stopped and unmounted before the error (naming what did not come up,
 * with the tail of that component's log) is thrown.
 *
 * @throws {FailedPreconditionError} when a tool is missing, a node runs in `dir` already, or a
 *   component exits
 * @throws {DeadlineExceededError} when the Node is not Ready in time
 */
export async function startNode(options: StartNodeOptions): Promise<RealNode> {
  const log = options.log ?? nullLogger();
  const binDir = options.binDir ?? await toolsBinDir();
  await requireBinaries(binDir, NODE_TOOLS);
  await ensureFile(`${CNI_BIN_DIR}/loopback`, "containernetworking-plugins");
  const paths = nodePaths(options.dir);
  const ownsDir = await claimDir(paths);
  const [kubelet = 0, healthz = 0] = freeLoopbackPorts(2);
  const state: NodeState = {
    version: 1,
    name: options.name,
    dir: paths.dir,
    ownsDir,
    binDir,
    kubeconfig: options.kubeconfig,
    ports: { kubelet, healthz },
    processes: [],
    startedAt: new Date().toISOString(),
  };
  try {
    await writeNodeState(paths.stateFile, state);
    await launch(state, paths, options, log);
    return new RealNode(state);
  } catch (err) {
    await stopNode(paths.dir).catch((stopErr) => {
      log.error("Cannot stop the node after a failed start", { dir: paths.dir, error: stopErr });
    });
    throw err;
  }
}

/** Makes the node directory; refuses one where a recorded node still runs. */
async function claimDir(paths: NodePaths): Promise<boolean> {
  const existed = await Deno.stat(paths.dir).then(() => true, () => false);
  const old = await Deno.readTextFile(paths.stateFile).catch(() => undefined);
  if (old !== undefined) {
    throw new FailedPreconditionError(
      `Cannot start a node in "${paths.dir}": one is recorded there; stop it first`,
    );
  }
  await Deno.mkdir(paths.logsDir, { recursive: true });
  return !existed;
}

async function writeConfigs(paths: NodePaths, state: NodeState, registryPort: number) {
  await Deno.mkdir(paths.containerdRoot, { recursive: true, mode: 0o700 });
  await Deno.mkdir(paths.containerdState, { recursive: true, mode: 0o700 });
  await Deno.mkdir(paths.cniConfDir, { recursive: true });
  await Deno.writeTextFile(
    paths.containerdConfig,
    containerdConfig(paths, { runcBinary: `${state.binDir}/runc` }),
  );
  for (const registry of MIRRORED_REGISTRIES) {
    await Deno.mkdir(`${paths.registryHosts}/${registry}`, { recursive: true });
    await Deno.writeTextFile(
      `${paths.registryHosts}/${registry}/hosts.toml`,
      registryHostsToml(registry, registryPort),
    );
  }
  await Deno.writeTextFile(`${paths.cniConfDir}/10-loopback.conflist`, cniConfig());
  await Deno.mkdir(paths.podLogsDir, { recursive: true });
  await Deno.writeTextFile(
    paths.kubeletConfig,
    kubeletConfig(paths, {
      nodeName: state.name,
      port: state.ports.kubelet,
      healthzPort: state.ports.healthz,
    }),
  );
}

async function launch(
  state: NodeState,
  paths: NodePaths,
  options: StartNodeOptions,
  log: Logger,
): Promise<void> {
  await writeConfigs(paths, state, options.registryPort);
  // Recorded already: stopNode unmounts everything under the node's directory.
  for (const dir of [paths.kubeletDir, paths.hostDir]) await makeSharedMount(dir);
  const start = performance.now();
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  const containerd = await spawn(state, paths, "containerd", [
    `--config=${paths.containerdConfig}`,
  ]);
  log.info("Started", { node: state.name, name: "containerd", pid: containerd.pid });
  await waitContainerd(state, paths, containerd, Math.min(timeoutMs, 60_000), options.signal);
  const kubelet = await spawn(
    state,
    paths,
    "kubelet",
    kubeletArgs(paths, { nodeName: state.name }, options.kubeconfig),
  );
  log.info("Started", { node: state.name, name: "kubelet", pid: kubelet.pid });
  await waitNodeReady(state, [containerd, kubelet], timeoutMs, options.signal);
  // The kubelet ignores configuration fields it does not know (after saying so): a misspelt
  // setting must not pass unnoticed.
  if (STRICT_DECODING.test(await Deno.readTextFile(kubelet.logFile))) {
    throw await componentError(kubelet, "the kubelet does not know a field of its configuration");
  }
  state.startupMs = Math.round(performance.now() - start);
  await writeNodeState(paths.stateFile, state);
  log.info("Node ready", { node: state.name, startupMs: state.startupMs });
}

async function spawn(
  state: NodeState,
  paths: NodePaths,
  name: string,
  args: string[],
): Promise<DaemonProcess> {
  const proc = await spawnDaemon({
    name,
    command: `${state.binDir}/${name}`,
    args,
    logFile: `${paths.logsDir}/${name}.log`,
    cwd: paths.dir,
    // containerd finds its shim on PATH; the shim runs the runc named in the config.
    env: { PATH: `${state.binDir}:${Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` },
  });
  state.processes.push(proc);
  await writeNodeState(paths.stateFile, state);
  return proc;
}

/** A component of the node exited or did not come up: the error names it and shows its log. */
async function componentError(proc: DaemonProcess, what: string): Promise<FailedPreconditionError> {
  const tail = await tailFile(proc.logFile, 20);
  return new FailedPreconditionError(
    `Cannot start the node: ${what}; last lines of "${proc.logFile}":\n${tail}`,
  );
}

async function assertRunning(
  procs: readonly DaemonProcess[],
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) throw new FailedPreconditionError("Cannot start the node: interrupted");
  for (const p of procs) {
    if (!(await processAlive(p))) throw await componentError(p, `"${p.name}" exited`);
  }
}

function fatal(err: unknown): boolean {
  return err instanceof FailedPreconditionError;
}

async function waitContainerd(
  state: NodeState,
  paths: NodePaths,
  proc: DaemonProcess,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const args = ["--address", paths.containerdSocket, "--timeout", "2s", "version"];
  try {
    await waitFor(async () => {
      await assertRunning([proc], signal);
      return (await run(`${state.binDir}/ctr`, args, { allowFailure: true })).code === 0;
    }, { timeoutMs, intervalMs: 100, description: "containerd to answer", fatal });
  } catch (err) {
    if (fatal(err)) throw err;
    throw await componentError(proc, `containerd did not answer within ${timeoutMs} ms`);
  }
}

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function readyCondition(state: NodeState): Promise<NodeCondition | null | undefined> {
  const res = await run(`${state.binDir}/kubectl`, [
    `--kubeconfig=${state.kubeconfig}`,
    "--request-timeout=5s",
    "get",
    "node",
    state.name,
    "--output=jsonpath={.status.conditions}",
  ], { allowFailure: true });
  if (res.code !== 0) return res.stderr.includes("NotFound") ? null : undefined;
  const conditions = JSON.parse(res.stdout || "[]") as NodeCondition[];
  return conditions.find((c) => c.type === "Ready") ?? null;
}

/** Waits for Ready=True; on timeout says whether the Node never registered or why not Ready. */
async function waitNodeReady(
  state: NodeState,
  procs: DaemonProcess[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let last: NodeCondition | null | undefined;
  try {
    await waitFor(async () => {
      await assertRunning(procs, signal);
      last = await readyCondition(state);
      return last?.status === "True";
    }, { timeoutMs, intervalMs: 250, description: `node "${state.name}" to be Ready`, fatal });
  } catch (err) {
    if (fatal(err)) throw err;
    const kubelet = procs[procs.length - 1] as DaemonProcess;
    const why = last
      ? `node "${state.name}" is not Ready after ${timeoutMs} ms (${last.reason ?? "no reason"}: ` +
        `${last.message ?? ""})`
      : `node "${state.name}" did not register within ${timeoutMs} ms`;
    throw await componentError(kubelet, why);
  }
}
