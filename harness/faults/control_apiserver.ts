/**
 * Faults of the API server and its store for the control-plane scenarios: kube-apiserver
 * SIGKILLed and started again on the same etcd (same command line, same ports), and etcd
 * compacted past every revision the informers have seen.
 */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { type ClusterState, readState } from "../cluster/mod.ts";
import {
  type DaemonProcess,
  processAlive,
  run,
  spawnDaemon,
  tailFile,
  waitFor,
  writeJsonAtomic,
} from "../lib/mod.ts";
import type { ControlWorld } from "./control_world.ts";

const APISERVER = "kube-apiserver";

/** The command line of a running process, from /proc. */
async function commandLine(pid: number): Promise<string[]> {
  const raw = await Deno.readTextFile(`/proc/${pid}/cmdline`);
  return raw.split("\0").filter((a) => a !== "");
}

/**
 * SIGKILLs kube-apiserver and returns what starts it again (its recorded command line).
 *
 * @throws {Error} when the cluster records no running kube-apiserver
 */
export async function killApiserver(world: ControlWorld): Promise<() => Promise<void>> {
  const state = await readState(world.env.clusterDir);
  const proc = state?.processes.find((p) => p.name === APISERVER);
  if (!state || !proc) throw new Error(`No ${APISERVER} recorded in "${world.env.clusterDir}"`);
  const [command = "", ...args] = await commandLine(proc.pid);
  Deno.kill(proc.pid, "SIGKILL");
  await waitFor(async () => !(await processAlive(proc)), {
    timeoutMs: 10_000,
    intervalMs: 20,
    description: `${APISERVER} to die`,
  });
  return () => startAgain(world, state, { command, args, logFile: proc.logFile });
}

/**
 * Starts kube-apiserver with its old command line until it serves. Its port was free for a
 * moment, so an outgoing connection of another process may hold it as a local port: that
 * start exits at once ("address already in use") and is tried again.
 */
async function startAgain(
  world: ControlWorld,
  state: ClusterState,
  spec: { command: string; args: string[]; logFile: string },
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    const started: DaemonProcess = await spawnDaemon({
      name: APISERVER,
      ...spec,
      cwd: state.workDir,
    });
    // Recorded in the cluster's state file, so stopping the cluster stops the new one.
    state.processes = state.processes.map((p) => (p.name === APISERVER ? started : p));
    await writeJsonAtomic(`${state.workDir}/pids.json`, state);
    try {
      await awaitReady(world, started);
      await awaitCustomResources(world);
      return;
    } catch (err) {
      if (attempt >= 5 || await processAlive(started)) {
        throw new Error(`${err}\n${await tailFile(spec.logFile, 10).catch(() => "")}`);
      }
    }
  }
}

/** Waits until kube-apiserver's /readyz answers ok; fails at once when `proc` exits. */
export async function awaitReady(world: ControlWorld, proc: DaemonProcess): Promise<void> {
  const kubectl = `${world.cluster.binDir}/kubectl`;
  const args = [`--kubeconfig=${world.env.kubeconfig}`, "--request-timeout=2s", "get", "--raw"];
  await waitFor(async () => {
    if (!(await processAlive(proc))) throw new FailedPreconditionError(`${APISERVER} exited`);
    const res = await run(kubectl, [...args, "/readyz"], { allowFailure: true });
    return res.code === 0 && res.stdout.trim() === "ok";
  }, {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: `${APISERVER} /readyz after restart`,
    fatal: (err) => err instanceof FailedPreconditionError,
  });
}

/** Waits until the DirectPV kinds are served: /readyz says ok before their storage is. */
async function awaitCustomResources(world: ControlWorld): Promise<void> {
  const { drives, volumes, snapshots } = world.kube;
  await waitFor(async () => {
    await Promise.all([drives, volumes, snapshots].map((c) => c.list({ limit: 1 })));
    return true;
  }, { timeoutMs: 30_000, intervalMs: 200, description: "the DirectPV kinds served again" });
}

async function etcdCall(world: ControlWorld, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${world.cluster.ports.etcdClient}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/**
 * Compacts etcd at its current revision (physically), so no watch can resume from an older
 * one; returns that revision.
 */
export async function compactEtcd(world: ControlWorld): Promise<number> {
  // Any range read answers the store's current revision in its header.
  const range = await etcdCall(world, "/v3/kv/range", { key: btoa("/") }) as {
    header?: { revision?: string };
  };
  const revision = Number(range.header?.revision);
  if (!Number.isSafeInteger(revision) || revision <= 0) {
    throw new Error(`etcd answered no revision: ${JSON.stringify(range)}`);
  }
  await etcdCall(world, "/v3/kv/compaction", { revision: String(revision), physical: true });
  return revision;
}
