/**
 * The record of a running local control plane, `<workDir>/pids.json`: which processes were
 * started (PID and start time), on which ports, and which files belong to it. It is written
 * after every process start so a cluster can be stopped by another process, even one whose
 * start failed halfway.
 */
import type { DaemonProcess } from "../lib/mod.ts";
import { pathExists, removePath, writeJsonAtomic } from "../lib/mod.ts";

/** Loopback ports a cluster listens on. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

/** Contents of `pids.json`. */
export interface ClusterState {
  version: 1;
  workDir: string;
  /** True when the work directory was created for the cluster and is removed with it. */
  ownsWorkDir: boolean;
  binDir: string;
  kubeconfigPath: string;
  /** Bearer token of the admin user (group `system:masters`), accepted besides the certificate. */
  adminToken?: string;
  ports: ClusterPorts;
  /** Started processes in start order. */
  processes: DaemonProcess[];
  /** Spawn of etcd to `/readyz` ok, in milliseconds; absent until ready. */
  startupMs?: number;
  startedAt: string;
}

/** Entries a cluster creates in its work directory; removed when it stops. */
export const STATE_ENTRIES = ["etcd", "pki", "logs", "kubeconfig", "pids.json"];

/** Path of the state file in a work directory. */
export function statePath(workDir: string): string {
  return `${workDir}/pids.json`;
}

/** Saves the state file. */
export async function writeState(state: ClusterState): Promise<void> {
  await writeJsonAtomic(statePath(state.workDir), state);
}

/** Reads the state file, or undefined when there is none. */
export async function readState(workDir: string): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(statePath(workDir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  const state = JSON.parse(text) as ClusterState;
  if (state.version !== 1 || !Array.isArray(state.processes)) {
    throw new SyntaxError(`Invalid cluster state in "${statePath(workDir)}"`);
  }
  return state;
}

/** Removes what a cluster created: the whole work directory when it owns it. */
export async function removeState(
  workDir: string,
  options: { ownsWorkDir: boolean },
): Promise<void> {
  if (options.ownsWorkDir) {
    await removePath(workDir);
    return;
  }
  for (const entry of STATE_ENTRIES) await removePath(`${workDir}/${entry}`);
}

/** Whether a directory is missing or empty (so a cluster may own it). */
export async function isFreshDir(path: string): Promise<boolean> {
  if (!(await pathExists(path))) return true;
  for await (const _ of Deno.readDir(path)) return false;
  return true;
}
