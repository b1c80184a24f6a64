/**
 * Command line of the local control plane.
 *
 *   deno run -A harness/cluster/main.ts up [--work-dir DIR] [--no-controller-manager]
 *   deno run -A harness/cluster/main.ts status --work-dir DIR [--json]
 *   deno run -A harness/cluster/main.ts down --work-dir DIR
 *
 * `up` prints the kubeconfig path on stdout and leaves the processes running after it exits;
 * `down` stops them by their recorded PIDs and removes the cluster's state. `--work-dir`
 * defaults to `$DIRECTPV_CLUSTER_DIR`.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../../lib/errors/mod.ts";
import { Logger } from "../../lib/log/mod.ts";
import { clusterStatus, startCluster, stopCluster } from "./mod.ts";

const USAGE = `Usage: harness/cluster/main.ts <up|down|status> [options]
  up      start etcd, kube-apiserver, kube-controller-manager; print the kubeconfig path
  down    stop the cluster recorded in the work directory and remove its state
  status  show the recorded processes and whether they run (exit 1 unless all run)
Options:
  --work-dir DIR             state directory (default $DIRECTPV_CLUSTER_DIR; up: a temp dir)
  --no-controller-manager    up: run etcd and kube-apiserver only
  --timeout SECONDS          up: readiness bound (default 120)
  --json                     status: print JSON`;

function stderr(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

function stdout(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function requireWorkDir(value: string | undefined): string {
  if (!value) throw new UsageError("--work-dir (or $DIRECTPV_CLUSTER_DIR) is required");
  return value;
}

class UsageError extends Error {}

async function up(workDir: string | undefined, noKcm: boolean, timeout: string | undefined) {
  const log = new Logger({ format: "text", sink: (line) => stderr(line) });
  const seconds = timeout === undefined ? 120 : Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`Invalid --timeout "${timeout}": expected seconds`);
  }
  const cluster = await startCluster({
    ...(workDir ? { workDir } : {}),
    withControllerManager: !noKcm,
    readyTimeoutMs: seconds * 1000,
    log,
  });
  const pids = Object.entries(cluster.pids).map(([n, p]) => `${n}=${p}`).join(" ");
  stderr(`Control plane ready in ${cluster.startupMs} ms (spawn to /readyz ok); ${pids}`);
  stderr(`Work directory: ${cluster.workDir}; stop with: down --work-dir ${cluster.workDir}`);
  stdout(cluster.kubeconfigPath);
}

async function status(workDir: string, json: boolean): Promise<number> {
  const st = await clusterStatus(workDir);
  if (json) stdout(JSON.stringify(st ?? null, null, 2));
  if (!st) {
    if (!json) stderr(`No cluster recorded in "${workDir}"`);
    return 1;
  }
  if (!json) {
    stdout(`kubeconfig: ${st.kubeconfigPath}`);
    stdout(`apiserver:  https://127.0.0.1:${st.ports.apiserver}`);
    for (const p of st.processes) {
      const rss = p.rssBytes === undefined ? "" : ` rss=${Math.round(p.rssBytes / 2 ** 20)}MiB`;
      stdout(`${p.name.padEnd(24)} pid=${p.pid} ${p.alive ? "running" : "stopped"}${rss}`);
    }
  }
  return st.processes.every((p) => p.alive) ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "work-dir": { type: "string" },
      "no-controller-manager": { type: "boolean", default: false },
      timeout: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const workDir = values["work-dir"] ?? Deno.env.get("DIRECTPV_CLUSTER_DIR");
  const [command, ...rest] = positionals;
  if (values.help) {
    stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`);
  switch (command) {
    case "up":
      await up(workDir, values["no-controller-manager"], values.timeout);
      return 0;
    case "down":
      await stopCluster(requireWorkDir(workDir));
      return 0;
    case "status":
      return await status(requireWorkDir(workDir), values.json);
    default:
      throw new UsageError(command ? `Unknown command "${command}"` : "A command is required");
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (err) {
    stderr(`Error: ${errorMessage(err)}`);
    if (err instanceof UsageError || (err instanceof TypeError && "code" in err)) {
      stderr(USAGE);
      code = 2;
    } else {
      code = 1;
    }
  }
  Deno.exit(code);
}
