/**
 * One role of the driver (`driver/main.ts controller|node-server|…`) as a detached process on
 * loopback ports, started and awaited through its readiness endpoint.
 */
import { join } from "node:path";
import { tailFile } from "./files.ts";
import { freeLoopbackPorts } from "./ports.ts";
import { type DaemonProcess, spawnDaemon } from "./process.ts";
import { waitFor } from "./wait.ts";

/** Options of {@link startDriverRole}. */
export interface DriverRoleOptions {
  /** The driver entry point (`driver/main.ts` of a checkout). */
  driver: string;
  /** Working directory of the process (the checkout, so `--frozen` finds deno.lock). */
  cwd: string;
  kubeconfig: string;
  /** The node name the role runs as. */
  nodeName: string;
  /** Where the socket and the log go. */
  dir: string;
  /** The CSI socket path instead of `<dir>/<role>.sock`. */
  socket?: string;
  /** Flags appended to the command line. */
  extraArgs?: readonly string[];
  /** Flags of `deno run` before the script (default `-A`). */
  denoArgs?: readonly string[];
  env?: Record<string, string>;
}

/** A started role. */
export interface DriverRole {
  proc: DaemonProcess;
  /** Spawn to readiness 200, in milliseconds. */
  coldStartMs: number;
  /** The CSI unix socket path. */
  socket: string;
  metricsPort: number;
  logFile: string;
}

/**
 * Starts `role` and waits (up to a minute) for its readiness endpoint to answer 200.
 *
 * @throws {Error} with the tail of its log when it does not become ready
 */
export async function startDriverRole(
  role: string,
  options: DriverRoleOptions,
): Promise<DriverRole> {
  const [readiness = 0, metrics = 0] = freeLoopbackPorts(2);
  const logFile = join(options.dir, `${role}.log`);
  const socket = options.socket ?? join(options.dir, `${role}.sock`);
  const started = performance.now();
  const proc = await spawnDaemon({
    name: role,
    command: Deno.execPath(),
    args: [
      "run",
      ...(options.denoArgs ?? ["-A"]),
      options.driver,
      role,
      `--kubeconfig=${options.kubeconfig}`,
      `--kube-node-name=${options.nodeName}`,
      `--csi-endpoint=unix://${socket}`,
      "--listen-address=127.0.0.1",
      `--readiness-port=${readiness}`,
      `--metrics-port=${metrics}`,
      ...(options.extraArgs ?? []),
    ],
    logFile,
    cwd: options.cwd,
    ...(options.env ? { env: options.env } : {}),
  });
  await waitFor(async () => {
    const res = await fetch(`http://127.0.0.1:${readiness}/ready`).catch(() => undefined);
    await res?.body?.cancel();
    return res?.status === 200;
  }, { timeoutMs: 60_000, intervalMs: 50, description: `${role} readiness` }).catch(async (err) => {
    throw new Error(`${err}\n${await tailFile(logFile, 40).catch(() => "")}`);
  });
  const coldStartMs = performance.now() - started;
  return { proc, coldStartMs, socket, metricsPort: metrics, logFile };
}
