/**
 * The record of a real node, `<dir>/node.json`: its processes (PID and start time) and ports.
 * It is written before anything is mounted or started, and again after each process starts, so
 * a node whose start failed halfway can still be stopped from it (its mounts are all under its
 * directory, its containers in its runc state directory).
 */
import type { DaemonProcess } from "../lib/mod.ts";
import { writeJsonAtomic } from "../lib/mod.ts";

/** Contents of `node.json`. */
export interface NodeState {
  version: 1;
  name: string;
  dir: string;
  /** True when the directory was created for the node and is removed with it. */
  ownsDir: boolean;
  binDir: string;
  kubeconfig: string;
  ports: { kubelet: number; healthz: number };
  processes: DaemonProcess[];
  /** Spawn of containerd to the Node object's Ready condition, in milliseconds. */
  startupMs?: number;
  startedAt: string;
}

/** Saves the state file. */
export async function writeNodeState(path: string, state: NodeState): Promise<void> {
  await writeJsonAtomic(path, state);
}

/** Reads a node's state file, or undefined when there is none. */
export async function readNodeState(path: string): Promise<NodeState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  const state = JSON.parse(text) as NodeState;
  if (state.version !== 1 || !Array.isArray(state.processes)) {
    throw new SyntaxError(`Invalid node state in "${path}"`);
  }
  return state;
}
