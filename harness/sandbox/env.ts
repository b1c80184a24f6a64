/**
 * A DirectPV environment on one machine: the local control plane, simulated nodes each with
 * their own loop-device drives, our node and controller servers as host processes, and the
 * CSI sidecars. The sandbox command and the e2e scenarios both build on it.
 */
import { join, resolve } from "node:path";
import { type Cluster, startCluster, stopCluster } from "../cluster/mod.ts";
import {
  cleanupLoopDir,
  createLoopDrives,
  type LoopDrive,
  type LoopDriveSpec,
  mountsUnder,
  unmountUnder,
} from "../loop/mod.ts";
import {
  type DaemonProcess,
  freeLoopbackPorts,
  run,
  spawnDaemon,
  stopProcess,
  waitFor,
  writeJsonAtomic,
} from "../lib/mod.ts";
import { connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { registerNode } from "../kubelet/mod.ts";
import { writeServiceAccountKubeconfig } from "./service_account.ts";
import { startSidecars } from "./sidecars.ts";

export { SANDBOX_CAPACITY_POLL } from "./sidecars.ts";

export const REPO = resolve(new URL("../..", import.meta.url).pathname);
export const CLI = join(REPO, "tools/kubectl-directpv");

/** A simulated node. */
export interface SimNode {
  name: string;
  dir: string;
  appDir: string;
  kubeletDir: string;
  loopDir: string;
  endpoint: string;
  drives: LoopDrive[];
}

/** What the state file records, so a later `down` can stop everything. */
export interface EnvState {
  dir: string;
  kubeconfig: string;
  clusterDir: string;
  nodes: SimNode[];
  controllerEndpoint: string;
  processes: DaemonProcess[];
  /** Extra flags of every node server (`--health-interval=2`). */
  nodeServerArgs?: string[];
  /** Whether csi-provisioner publishes CSIStorageCapacity (absent: yes, like install). */
  capacityTracking?: boolean;
  /** The checkout whose CLI and driver run (another release's, for upgrades); this one when unset. */
  repo?: string;
  /** What the driver roles and sidecars authenticate with; the admin kubeconfig when unset. */
  driverKubeconfig?: string;
  /** csi-provisioner flags after install's own (a later flag wins), for comparisons. */
  provisionerArgs?: string[];
}

export interface EnvOptions {
  dir: string;
  /** `loopDir` puts a node's backing files elsewhere (a FUSE mount that injects faults). */
  nodes: { name: string; drives: LoopDriveSpec[]; loopDir?: string }[];
  /** Extra flags of every node server. */
  nodeServerArgs?: string[];
  log?: (msg: string) => void;
  /** Start our CSI controller. Default true. */
  controller?: boolean;
  /** Start csi-provisioner and csi-resizer against the controller. Default true. */
  sidecars?: boolean;
  /** Also run kube-scheduler and the workload controllers (StatefulSets). Default false. */
  workloads?: boolean;
  /** Capacity tracking, installed and run like `install` does it. Default true. */
  capacityTracking?: boolean;
  /** Run the CLI and driver of this checkout instead (another release's, for upgrades). */
  repo?: string;
  /** Run the driver roles and sidecars as install's ServiceAccount, under its RBAC. */
  serviceAccount?: boolean;
  /** Extra csi-provisioner flags (after install's). */
  provisionerArgs?: string[];
}

function denoBin(): string {
  return Deno.execPath();
}

/** Runs the CLI and returns stdout; throws with stderr on failure. */
export async function cli(
  env: Pick<EnvState, "kubeconfig" | "repo">,
  args: readonly string[],
  options: { allowFailure?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = env.repo ? join(env.repo, "tools/kubectl-directpv") : CLI;
  const res = await run(command, ["--kubeconfig", env.kubeconfig, ...args], {
    allowFailure: true,
    env: { DIRECTPV_DENO: denoBin(), NO_COLOR: "1" },
  });
  if (res.code !== 0 && !options.allowFailure) {
    throw new Error(
      `kubectl-directpv ${args.join(" ")} exited ${res.code}: ${res.stderr}${res.stdout}`,
    );
  }
  return res;
}

function driverArgs(
  role: string,
  env: EnvState,
  node: SimNode | undefined,
  ports: number[],
): string[] {
  const base = [
    "run",
    "--quiet",
    "--frozen",
    "-A",
    "--config",
    join(env.repo ?? REPO, "deno.json"),
    join(env.repo ?? REPO, "driver/main.ts"),
    role,
    "--kubeconfig",
    env.driverKubeconfig ?? env.kubeconfig,
    "--listen-address",
    "127.0.0.1",
    "--readiness-port",
    String(ports[0]),
    "--metrics-port",
    String(ports[1]),
  ];
  if (!node) {
    return [
      ...base,
      "--kube-node-name",
      "controller",
      "--csi-endpoint",
      `unix://${env.controllerEndpoint}`,
    ];
  }
  return [
    ...base,
    "--kube-node-name",
    node.name,
    "--csi-endpoint",
    `unix://${node.endpoint}`,
    "--allow-loop-devices",
    "--quota=best-effort",
    "--app-dir",
    node.appDir,
    "--loop-backing-dir",
    node.loopDir,
    // Another release's driver (upgrades) may not know --kubelet-dir.
    ...(role === "node-server" && !env.repo ? ["--kubelet-dir", node.kubeletDir] : []),
    ...(role === "node-server" ? env.nodeServerArgs ?? [] : []),
  ];
}

/**
 * Starts a driver role as a detached process and records it; `extraEnv` is added to its
 * environment (DIRECTPV_FAULT_POINT for the fault matrix).
 */
export async function startDriver(
  env: EnvState,
  role: "node-server" | "node-controller" | "controller",
  node?: SimNode,
  extraEnv: Record<string, string> = {},
): Promise<DaemonProcess> {
  const name = node ? `${role}-${node.name}` : role;
  const proc = await spawnDaemon({
    name,
    command: denoBin(),
    args: driverArgs(role, env, node, freeLoopbackPorts(2)),
    logFile: join(env.dir, "logs", `${name}.log`),
    env: { ...extraEnv, NO_COLOR: "1" },
  });
  env.processes.push(proc);
  await saveState(env);
  return proc;
}

/** Stops one recorded process and forgets it. */
export async function stopRecorded(env: EnvState, name: string): Promise<void> {
  const proc = env.processes.find((p) => p.name === name);
  if (!proc) return;
  await stopProcess(proc, { graceMs: 10_000 });
  env.processes = env.processes.filter((p) => p !== proc);
  await saveState(env);
}

async function waitForSocket(path: string, what: string): Promise<void> {
  await waitFor(async () => (await Deno.stat(path).catch(() => undefined))?.isSocket || undefined, {
    timeoutMs: 60_000,
    intervalMs: 100,
    description: `the socket of ${what}`,
  });
}

export function stateFile(dir: string): string {
  return join(dir, "sandbox.json");
}

export async function saveState(env: EnvState): Promise<void> {
  await writeJsonAtomic(stateFile(env.dir), env);
}

/** Reads a recorded environment, or undefined when there is none. */
export async function readEnvState(dir: string): Promise<EnvState | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(stateFile(dir))) as EnvState;
  } catch {
    return undefined;
  }
}

async function startNode(env: EnvState, node: SimNode, kube: KubeClient): Promise<void> {
  await startDriver(env, "node-server", node);
  await waitForSocket(node.endpoint, `node-server ${node.name}`);
  await registerNode(kube, `unix://${node.endpoint}`);
  await startDriver(env, "node-controller", node);
}

/**
 * Brings the whole environment up. On failure, whatever was started is left recorded in the
 * state file so {@link stopEnv} can stop it.
 */
export async function startEnv(
  options: EnvOptions,
): Promise<{ env: EnvState; cluster: Cluster; kube: KubeClient }> {
  const log = options.log ?? (() => {});
  const dir = resolve(options.dir);
  await Deno.mkdir(join(dir, "logs"), { recursive: true });
  const clusterDir = join(dir, "cluster");
  const env: EnvState = {
    dir,
    kubeconfig: "",
    clusterDir,
    nodes: [],
    controllerEndpoint: join(dir, "controller", "csi.sock"),
    processes: [],
    ...(options.nodeServerArgs ? { nodeServerArgs: options.nodeServerArgs } : {}),
    ...(options.capacityTracking === false ? { capacityTracking: false } : {}),
    ...(options.repo ? { repo: options.repo } : {}),
    ...(options.provisionerArgs ? { provisionerArgs: options.provisionerArgs } : {}),
  };
  await saveState(env);
  log("Starting the control plane (etcd, kube-apiserver, kube-controller-manager)");
  const cluster = await startCluster({
    workDir: clusterDir,
    ...(options.workloads ? { workloads: true } : {}),
  });
  env.kubeconfig = cluster.kubeconfigPath;
  await saveState(env);
  log(`Control plane ready in ${cluster.startupMs} ms`);
  const kube = await connectKube({ kubeconfig: env.kubeconfig });
  log("Installing DirectPV with the CLI");
  await cli(env, [
    "install",
    "--quiet",
    "--allow-loop-devices",
    "--quota=best-effort",
    ...(env.capacityTracking === false ? ["--no-capacity-tracking"] : []),
  ]);
  if (options.serviceAccount) {
    env.driverKubeconfig = await writeServiceAccountKubeconfig(
      env.kubeconfig,
      join(cluster.binDir, "kubectl"),
      dir,
    );
    await saveState(env);
  }
  await Deno.mkdir(join(dir, "controller"), { recursive: true });
  for (const spec of options.nodes) {
    const nodeDir = join(dir, "nodes", spec.name);
    const node: SimNode = {
      name: spec.name,
      dir: nodeDir,
      appDir: join(nodeDir, "app"),
      kubeletDir: join(nodeDir, "kubelet"),
      loopDir: spec.loopDir ?? join(nodeDir, "disks"),
      endpoint: join(nodeDir, "csi", "csi.sock"),
      drives: [],
    };
    await Deno.mkdir(join(nodeDir, "csi"), { recursive: true });
    env.nodes.push(node);
    await saveState(env);
    node.drives = await createLoopDrives(spec.drives, { dir: node.loopDir });
    await saveState(env);
    log(`Node ${node.name}: ${node.drives.map((d) => `${d.device} (${d.size} bytes)`).join(", ")}`);
    await startNode(env, node, kube);
  }
  if (options.controller ?? true) {
    await startDriver(env, "controller");
    await waitForSocket(env.controllerEndpoint, "the controller");
    if (options.sidecars ?? true) await startSidecars(env, cluster.binDir, () => saveState(env));
  }
  return { env, cluster, kube };
}

/** Stops every recorded process (newest first) and forgets them. */
export async function stopAll(env: EnvState): Promise<void> {
  for (const proc of [...env.processes].reverse()) await stopProcess(proc, { graceMs: 10_000 });
  env.processes = [];
  await saveState(env);
}

/** Starts the node roles of every node, and the controller with its sidecars when asked. */
export async function startAll(
  env: EnvState,
  kube: KubeClient,
  options: { binDir: string; controller: boolean; sidecars: boolean },
): Promise<void> {
  for (const node of env.nodes) await startNode(env, node, kube);
  if (!options.controller) return;
  await startDriver(env, "controller");
  await waitForSocket(env.controllerEndpoint, "the controller");
  if (options.sidecars) await startSidecars(env, options.binDir, () => saveState(env));
}

/**
 * Restarts every recorded process (driver roles and sidecars) with the CLI and driver of `repo`
 * (this checkout when undefined): what rolling out another release does to the pods.
 */
export async function restartWith(
  env: EnvState,
  kube: KubeClient,
  binDir: string,
  repo: string | undefined,
): Promise<void> {
  const sidecars = env.processes.some((p) => p.name === "csi-provisioner");
  const controller = env.processes.some((p) => p.name === "controller");
  await stopAll(env);
  if (repo) env.repo = repo;
  else delete env.repo;
  await saveState(env);
  await startAll(env, kube, { binDir, controller, sidecars });
}

/** Stops every recorded process, unmounts, detaches loop devices, stops the cluster. */
export async function stopEnv(
  dir: string,
  log: (msg: string) => void = () => {},
): Promise<string[]> {
  const problems: string[] = [];
  const env = await readEnvState(resolve(dir));
  if (!env) return problems;
  for (const proc of [...env.processes].reverse()) {
    await stopProcess(proc, { graceMs: 10_000 }).catch((e) =>
      problems.push(`stop ${proc.name}: ${e}`)
    );
  }
  await unmountUnder(env.dir);
  for (const node of env.nodes) {
    await cleanupLoopDir(node.loopDir).catch((e) => problems.push(`loop ${node.name}: ${e}`));
  }
  await stopCluster(env.clusterDir).catch((e) => problems.push(`cluster: ${e}`));
  const left = await mountsUnder(env.dir);
  if (left.length > 0) problems.push(`still mounted: ${left.join(", ")}`);
  else await Deno.remove(env.dir, { recursive: true }).catch((e) => problems.push(`remove: ${e}`));
  log(
    problems.length === 0
      ? "Sandbox stopped and removed"
      : `Stopped with problems: ${problems.join("; ")}`,
  );
  return problems;
}
