/** Stopping a local control plane recorded in `<workDir>/pids.json`, from any process. */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { errorMessage } from "../../lib/errors/mod.ts";
import { processAlive, processRss, stopProcess } from "../lib/mod.ts";
import { type ClusterState, readState, removeState } from "./state.ts";

/** Options of {@link stopCluster}. */
export interface StopClusterOptions {
  /** Time between SIGTERM and SIGKILL per process. Default 10 s. */
  graceMs?: number;
}

/**
 * Stops the processes recorded in `workDir` (last started first) by PID, then removes the
 * cluster's state (the whole directory when the cluster created it). Does nothing when no
 * cluster is recorded there; safe to call twice.
 *
 * @throws {FailedPreconditionError} when a process cannot be stopped (the state is kept)
 */
export async function stopCluster(
  workDir: string,
  options: StopClusterOptions = {},
): Promise<void> {
  const state = await readState(workDir);
  if (!state) return;
  const failures: string[] = [];
  for (const proc of [...state.processes].reverse()) {
    try {
      await stopProcess(proc, { graceMs: options.graceMs ?? 10_000 });
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  if (failures.length > 0) {
    throw new FailedPreconditionError(
      `Cannot stop the cluster in "${workDir}": ${failures.join("; ")}`,
    );
  }
  await removeState(workDir, { ownsWorkDir: state.ownsWorkDir });
}

/** One process of {@link ClusterStatus}. */
export interface ProcessStatus {
  name: string;
  pid: number;
  alive: boolean;
  /** Resident set size in bytes while it runs. */
  rssBytes?: number;
  logFile: string;
}

/** What `status` reports about a recorded cluster. */
export interface ClusterStatus {
  workDir: string;
  kubeconfigPath: string;
  ports: ClusterState["ports"];
  startupMs?: number;
  processes: ProcessStatus[];
}

/** The recorded cluster in `workDir` and which of its processes run, or undefined. */
export async function clusterStatus(workDir: string): Promise<ClusterStatus | undefined> {
  const state = await readState(workDir);
  if (!state) return undefined;
  const processes: ProcessStatus[] = [];
  for (const p of state.processes) {
    const alive = await processAlive(p);
    const rss = alive ? await processRss(p.pid) : undefined;
    processes.push({
      name: p.name,
      pid: p.pid,
      alive,
      ...(rss === undefined ? {} : { rssBytes: rss }),
      logFile: p.logFile,
    });
  }
  return {
    workDir: state.workDir,
    kubeconfigPath: state.kubeconfigPath,
    ports: state.ports,
    ...(state.startupMs === undefined ? {} : { startupMs: state.startupMs }),
    processes,
  };
}
