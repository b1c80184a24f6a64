/**
 * A local Kubernetes control plane for tests: etcd, kube-apiserver and (optionally)
 * kube-controller-manager with the PV/PVC and service-account controllers (and, for real
 * nodes, the workload controllers and kube-scheduler), all detached host processes on free
 * loopback ports, recorded in `<workDir>/pids.json` and stopped by PID.
 */
import { AlreadyExistsError, FailedPreconditionError } from "../../lib/errors/mod.ts";
import { type Logger, nullLogger } from "../../lib/log/mod.ts";
import {
  type DaemonProcess,
  ensureCommand,
  freeLoopbackPorts,
  processAlive,
  requireBinaries,
  run,
  spawnDaemon,
  tailFile,
  toolsBinDir,
  waitFor,
} from "../lib/mod.ts";
import { apiserverArgs, controllerManagerArgs, etcdArgs, schedulerArgs } from "./flags.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { generatePki } from "./pki.ts";
import {
  type ClusterPorts,
  type ClusterState,
  isFreshDir,
  readState,
  removeState,
  writeState,
} from "./state.ts";
import { stopCluster } from "./stop.ts";

/** Tools a cluster needs from `harness/tools/build.sh`. */
export const CLUSTER_TOOLS = ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl"];
/** Tools a cluster with `workloads` needs besides {@link CLUSTER_TOOLS}. */
export const WORKLOAD_TOOLS = ["kube-scheduler"];

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Where state, certificates and logs go. Default: a new temporary directory. */
  workDir?: string;
  /** Fixed ports; the others are picked free on 127.0.0.1. */
  ports?: Partial<ClusterPorts>;
  /** Run kube-controller-manager (PV binder, protection and GC controllers). Default true. */
  withControllerManager?: boolean;
  /**
   * For real nodes: also run the workload controllers (DaemonSet, Deployment, StatefulSet,
   * Job) and kube-scheduler. Default false.
   */
  workloads?: boolean;
  log?: Logger;
  /** Where the tools are. Default: `harness/tools/build.sh --print`. */
  binDir?: string;
  /** Bound on etcd spawn to `/readyz` ok. Default 120 s. */
  readyTimeoutMs?: number;
}

/** Options of {@link Cluster.kubectl}. */
export interface KubectlOptions {
  /** Text for kubectl's stdin (`apply -f -`). */
  stdin?: string;
  signal?: AbortSignal;
}

/** A running local control plane. */
export class Cluster {
  readonly #state: ClusterState;

  constructor(state: ClusterState) {
    this.#state = state;
  }

  /** Admin kubeconfig (client certificate in group `system:masters`). */
  get kubeconfigPath(): string {
    return this.#state.kubeconfigPath;
  }
  get binDir(): string {
    return this.#state.binDir;
  }
  get workDir(): string {
    return this.#state.workDir;
  }
  get ports(): ClusterPorts {
    return this.#state.ports;
  }
  /** `https://127.0.0.1:<port>` */
  get server(): string {
    return `https://127.0.0.1:${this.#state.ports.apiserver}`;
  }
  /** Bearer token of the admin user, for clients that prefer a token to the certificate. */
  get adminToken(): string {
    return this.#state.adminToken ?? "";
  }
  /** PID of each process by name (`etcd`, `kube-apiserver`, `kube-controller-manager`). */
  get pids(): Record<string, number> {
    return Object.fromEntries(this.#state.processes.map((p) => [p.name, p.pid]));
  }
  /** The recorded processes (PID, start time, log file). */
  get processes(): readonly DaemonProcess[] {
    return this.#state.processes;
  }
  /** Milliseconds from spawning etcd to kube-apiserver's `/readyz` answering ok. */
  get startupMs(): number {
    return this.#state.startupMs ?? Number.NaN;
  }

  /**
   * Runs the built kubectl against this cluster and returns its stdout.
   *
   * @throws {CommandError} when kubectl exits non-zero
   */
  async kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<string> {
    const res = await run(
      `${this.binDir}/kubectl`,
      [`--kubeconfig=${this.kubeconfigPath}`, ...args],
      options,
    );
    return res.stdout;
  }

  /** Stops every process by PID (SIGTERM, then SIGKILL) and removes the cluster's state. */
  async stop(): Promise<void> {
    await stopCluster(this.workDir);
  }
}

/**
 * Starts a control plane and waits until kube-apiserver is ready. When anything fails, what
 * was started is stopped and the state is removed before the error is thrown.
 *
 * @throws {AlreadyExistsError} when a cluster recorded in `workDir` still runs
 * @throws {FailedPreconditionError} when a tool is missing or a process exits early
 * @throws {DeadlineExceededError} when kube-apiserver is not ready in time (with its log tail)
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? nullLogger();
  const binDir = options.binDir ?? await toolsBinDir();
  await requireBinaries(binDir, [...CLUSTER_TOOLS, ...(options.workloads ? WORKLOAD_TOOLS : [])]);
  await ensureCommand("openssl");
  const workDir = options.workDir ??
    await Deno.makeTempDir({ prefix: "directpv-cluster-" });
  const ownsWorkDir = options.workDir === undefined || await refuseRunning(workDir);
  await Deno.mkdir(`${workDir}/logs`, { recursive: true });
  const [etcdClient = 0, etcdPeer = 0, apiserver = 0] = freeLoopbackPorts(3);
  const state: ClusterState = {
    version: 1,
    workDir,
    ownsWorkDir,
    binDir,
    kubeconfigPath: `${workDir}/kubeconfig`,
    ports: { etcdClient, etcdPeer, apiserver, ...options.ports },
    processes: [],
    startedAt: new Date().toISOString(),
  };
  try {
    await writeState(state);
    await launch(state, options, log);
    return new Cluster(state);
  } catch (err) {
    const logs = await logTails(state);
    await stopCluster(workDir).catch((stopErr) => {
      log.error("Cannot stop the cluster after a failed start", { workDir, error: stopErr });
    });
    throw withLogs(err, logs);
  }
}

/** Fails when a recorded cluster still runs in `workDir`; returns whether it may own it. */
async function refuseRunning(workDir: string): Promise<boolean> {
  const old = await readState(workDir).catch(() => undefined);
  if (old) {
    const alive = [];
    for (const p of old.processes) if (await processAlive(p)) alive.push(p);
    if (alive.length > 0) {
      throw new AlreadyExistsError(
        `Cannot start a cluster in "${workDir}": one runs there (PIDs ` +
          `${alive.map((p) => p.pid).join(", ")}); stop it with "down" first`,
      );
    }
    await removeState(workDir, { ownsWorkDir: false });
    return old.ownsWorkDir;
  }
  return await isFreshDir(workDir);
}

async function launch(state: ClusterState, options: StartClusterOptions, log: Logger) {
  const { workDir, ports } = state;
  const pki = await generatePki(`${workDir}/pki`);
  const workloads = options.workloads ?? false;
  state.adminToken = pki.adminToken;
  await writeKubeconfig(state.kubeconfigPath, `https://127.0.0.1:${ports.apiserver}`, pki);
  await Deno.mkdir(`${workDir}/etcd`, { recursive: true, mode: 0o700 });
  const start = performance.now();
  await spawn(state, "etcd", etcdArgs(`${workDir}/etcd`, ports), log);
  await spawn(state, "kube-apiserver", apiserverArgs(pki, ports), log);
  await waitReady(state, options.readyTimeoutMs ?? 120_000);
  state.startupMs = Math.round(performance.now() - start);
  log.info("Control plane ready", { startupMs: state.startupMs, server: ports.apiserver });
  if (options.withControllerManager ?? true) {
    const args = controllerManagerArgs(state.kubeconfigPath, pki, { workloads });
    await spawn(state, "kube-controller-manager", args, log);
    await waitControllerManager(state);
  }
  if (workloads) await spawn(state, "kube-scheduler", schedulerArgs(state.kubeconfigPath), log);
  await writeState(state);
}

async function spawn(state: ClusterState, name: string, args: string[], log: Logger) {
  const proc = await spawnDaemon({
    name,
    command: `${state.binDir}/${name}`,
    args,
    logFile: `${state.workDir}/logs/${name}.log`,
    cwd: state.workDir,
  });
  state.processes.push(proc);
  await writeState(state);
  log.info("Started", { name, pid: proc.pid });
}

async function assertAllAlive(state: ClusterState): Promise<void> {
  for (const p of state.processes) {
    if (!(await processAlive(p))) {
      throw new FailedPreconditionError(`Cannot start the control plane: "${p.name}" exited`);
    }
  }
}

async function waitReady(state: ClusterState, timeoutMs: number): Promise<void> {
  const kubectl = `${state.binDir}/kubectl`;
  const args = [
    `--kubeconfig=${state.kubeconfigPath}`,
    "--request-timeout=2s",
    "get",
    "--raw",
    "/readyz",
  ];
  await waitFor(async () => {
    await assertAllAlive(state);
    const res = await run(kubectl, args, { allowFailure: true });
    return res.code === 0 && res.stdout.trim() === "ok";
  }, { timeoutMs, intervalMs: 200, description: "kube-apiserver /readyz", fatal: exited });
}

/** A process of the cluster exited: waiting longer cannot help. */
function exited(err: unknown): boolean {
  return err instanceof FailedPreconditionError;
}

// The PV controller logs this once its informers are synced and it works on claims.
const PV_CONTROLLER_STARTED = /Starting persistent volume controller/;

/**
 * Waits until the PV controller works and the `default` namespace has its `default`
 * ServiceAccount: the ServiceAccount admission plugin refuses pods until it exists.
 */
async function waitControllerManager(state: ClusterState): Promise<void> {
  const proc = state.processes.find((p) => p.name === "kube-controller-manager");
  if (!proc) return;
  const kubectl = `${state.binDir}/kubectl`;
  const getAccount = [
    `--kubeconfig=${state.kubeconfigPath}`,
    "--request-timeout=2s",
    "get",
    "serviceaccount",
    "default",
    "--namespace=default",
    "--output=name",
  ];
  await waitFor(async () => {
    await assertAllAlive(state);
    const text = await Deno.readTextFile(proc.logFile).catch(() => "");
    if (!PV_CONTROLLER_STARTED.test(text)) return false;
    return (await run(kubectl, getAccount, { allowFailure: true })).code === 0;
  }, {
    timeoutMs: 60_000,
    intervalMs: 100,
    description: "kube-controller-manager to start (PV controller, default ServiceAccount)",
    fatal: exited,
  });
}

async function logTails(state: ClusterState): Promise<string> {
  const parts: string[] = [];
  for (const p of state.processes) {
    const tail = await tailFile(p.logFile, 15);
    if (tail) parts.push(`--- last lines of "${p.logFile}" ---\n${tail}`);
  }
  return parts.join("\n");
}

function withLogs(err: unknown, logs: string): unknown {
  if (!(err instanceof Error) || !logs) return err;
  err.message = `${err.message}\n${logs}`;
  return err;
}
