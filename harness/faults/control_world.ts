/**
 * The environment of the control-plane fault scenarios: the local control plane, one node
 * with initialised loop drives (its node server and node controller purge deleted volumes and
 * give their capacity back), and controllers the scenario starts itself, each on a socket of
 * its own and optionally armed with a fault point.
 */
import { join } from "node:path";
import type { Cluster } from "../cluster/mod.ts";
import type { KubeClient } from "../../lib/k8s/mod.ts";
import { type DirectPVDrive, LABELS } from "../../lib/types/mod.ts";
import {
  type DaemonProcess,
  processAlive,
  startDriverRole,
  stopProcess,
  tailFile,
  waitFor,
} from "../lib/mod.ts";
import { cli, type EnvState, REPO, saveState, startEnv, stopEnv } from "../sandbox/env.ts";
import type { Check, ScenarioContext } from "./matrix.ts";

export const MIB = 2 ** 20;
/** The node every control scenario's drives are on. */
export const CONTROL_NODE = "fault-ctl";

export interface ControlWorld {
  env: EnvState;
  cluster: Cluster;
  kube: KubeClient;
  /** The initialised drives, Ready, as first stored (nothing allocated). */
  drives: DirectPVDrive[];
}

/** A controller the scenario started. */
export interface ControlController {
  proc: DaemonProcess;
  socket: string;
  logFile: string;
}

/**
 * Brings the world up with `driveSizes` drives on {@link CONTROL_NODE}, runs `fn`, and stops
 * everything (processes, mounts, loops, cluster) whatever happened.
 *
 * @throws {Error} when the environment did not stop cleanly
 */
export async function withControlWorld<T>(
  ctx: ScenarioContext,
  driveSizes: readonly string[],
  fn: (world: ControlWorld) => Promise<T>,
): Promise<T> {
  // Short: the CSI socket paths under it must fit a unix socket address (108 bytes).
  const dir = await Deno.makeTempDir({ prefix: "dpv-ctl-" });
  ctx.log(`environment in ${dir}`);
  let outcome: { value: T } | { error: unknown };
  try {
    const { env, cluster, kube } = await startEnv({
      dir,
      nodes: [{
        name: CONTROL_NODE,
        drives: driveSizes.map((size, i) => ({ name: `d${i}`, size })),
      }],
      controller: false,
      sidecars: false,
      log: ctx.log,
    });
    const drives = await initialiseDrives({ env, kube }, driveSizes.length);
    ctx.log(`${drives.length} drives Ready on ${CONTROL_NODE}`);
    outcome = { value: await fn({ env, cluster, kube, drives }) };
  } catch (error) {
    outcome = { error };
  }
  const problems = await stopEnv(dir, ctx.log);
  if ("error" in outcome) throw outcome.error;
  if (problems.length > 0) throw new Error(`Cannot stop the environment: ${problems.join("; ")}`);
  return outcome.value;
}

/** Discovers and initialises every unused drive, until `total` drives are Ready. */
export async function initialiseDrives(
  world: Pick<ControlWorld, "env" | "kube">,
  total: number,
): Promise<DirectPVDrive[]> {
  const yaml = join(world.env.dir, "drives.yaml");
  await cli(world.env, ["discover", "--quiet", "--output-file", yaml]);
  await cli(world.env, ["init", "--quiet", "--dangerous", yaml]);
  return await waitFor(async () => {
    const all = await world.kube.drives.listAll();
    const ready = all.filter((d) => d.status.status === "Ready");
    return ready.length === total ? ready : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250, description: `${total} Ready drives` });
}

/**
 * Starts a controller of this checkout on `socket` (the env's controller socket by default),
 * recorded in the env so stopping the env stops it; `faultPoint` arms DIRECTPV_FAULT_POINT.
 */
export async function startController(
  world: ControlWorld,
  options: { name?: string; socket?: string; faultPoint?: string } = {},
): Promise<ControlController> {
  const name = options.name ?? "controller";
  const dir = join(world.env.dir, "controllers", name);
  await Deno.mkdir(dir, { recursive: true });
  const role = await startDriverRole("controller", {
    driver: join(REPO, "driver/main.ts"),
    cwd: REPO,
    denoArgs: ["--quiet", "--frozen", "-A", "--config", join(REPO, "deno.json")],
    kubeconfig: world.env.kubeconfig,
    nodeName: name,
    dir,
    socket: options.socket ?? world.env.controllerEndpoint,
    env: {
      NO_COLOR: "1",
      ...(options.faultPoint ? { DIRECTPV_FAULT_POINT: options.faultPoint } : {}),
    },
  });
  world.env.processes.push({ ...role.proc, name: `${name}-${role.proc.pid}` });
  await saveState(world.env);
  return { proc: role.proc, socket: role.socket, logFile: role.logFile };
}

/** Stops a started controller (SIGTERM) and forgets it. */
export async function stopController(world: ControlWorld, c: ControlController): Promise<void> {
  await stopProcess(c.proc, { graceMs: 10_000 });
  world.env.processes = world.env.processes.filter((p) => p.pid !== c.proc.pid);
  await saveState(world.env);
}

/**
 * Waits for a controller armed with a fault point to have killed itself there: the point is
 * in its log and the process is gone.
 *
 * @throws {Error} with the log tail when it is still alive after the wait
 */
export async function awaitFaultKill(
  world: ControlWorld,
  c: ControlController,
  point: string,
): Promise<void> {
  await waitFor(async () => {
    const log = await Deno.readTextFile(c.logFile).catch(() => "");
    return log.includes(`fault point reached: ${point}`) && !(await processAlive(c.proc));
  }, { timeoutMs: 30_000, intervalMs: 50, description: `the controller killed at ${point}` })
    .catch(async (err) => {
      throw new Error(`${err}\n${await tailFile(c.logFile, 30).catch(() => "")}`);
    });
  world.env.processes = world.env.processes.filter((p) => p.pid !== c.proc.pid);
  await saveState(world.env);
}

/** The topology pinning a volume to {@link CONTROL_NODE}, as the provisioner sends it. */
export const NODE_TOPOLOGY = [{ segments: { [LABELS.node]: CONTROL_NODE } }];

/**
 * Every drive's free plus allocated bytes are what it had free when initialised (nothing is
 * reserved twice or given back twice; drives initialised later count from their first state).
 */
export async function capacityConservedCheck(
  world: ControlWorld,
  later: readonly DirectPVDrive[] = [],
): Promise<Check> {
  const initial = new Map(
    [...world.drives, ...later].map((d) => [d.metadata.name ?? "", d.status.freeCapacity]),
  );
  const wrong: string[] = [];
  for (const d of await world.kube.drives.listAll()) {
    const name = d.metadata.name ?? "";
    const sum = d.status.freeCapacity + d.status.allocatedCapacity;
    if (sum !== initial.get(name)) {
      wrong.push(`${name}: free + allocated ${sum}, initialised with ${initial.get(name)} free`);
    }
  }
  return {
    name: "free + allocated is what each drive had free when initialised",
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${initial.size} drives` : wrong.join("; "),
  };
}
