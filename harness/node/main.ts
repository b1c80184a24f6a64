/**
 * Command line of the real-node environment (control plane + kube-scheduler, loopback
 * registry, real nodes).
 *
 *   deno run -A harness/node/main.ts up --dir DIR [--nodes N]
 *   deno run -A harness/node/main.ts down --dir DIR
 *   deno run -A harness/node/main.ts reap --dir DIR --owner PID:STARTTIME   (started by the harness)
 *
 * `up` prints the kubeconfig path on stdout and leaves everything running; `down` stops it by
 * the recorded PIDs, unmounts and removes the directory.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../../lib/errors/mod.ts";
import { Logger } from "../../lib/log/mod.ts";
import { interruptOnSignals, reap, startRealEnv, stopRealEnv } from "./env.ts";

const USAGE = `Usage: harness/node/main.ts <up|down> --dir DIR [--nodes N]`;

function say(line: string): void {
  console.error(`[node] ${line}`);
}

async function up(dir: string, count: number): Promise<void> {
  const log = new Logger({ format: "text", sink: (line) => console.error(line) });
  const nodes = Array.from({ length: count }, (_, i) => `node-${i + 1}`);
  const started = performance.now();
  const interrupt = interruptOnSignals(say);
  const env = await startRealEnv({ dir, nodes, log, signal: interrupt.signal })
    .finally(() => interrupt.dispose());
  say(`Control plane ready in ${env.cluster.startupMs} ms; images pushed in ${env.imagesMs} ms`);
  for (const node of env.nodes) say(`Node "${node.name}" Ready in ${node.startupMs} ms`);
  say(`Up in ${Math.round(performance.now() - started)} ms; stop with: down --dir ${env.dir}`);
  console.log(env.cluster.kubeconfigPath);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: "string" },
      nodes: { type: "string", default: "1" },
      owner: { type: "string" },
    },
  });
  const [command] = positionals;
  const dir = values.dir;
  const count = Number(values.nodes);
  if (!dir || !Number.isInteger(count) || count < 1) {
    say(!dir ? "--dir is required" : `Invalid --nodes "${values.nodes}": expected a count`);
    say(USAGE);
    return 2;
  }
  if (command === "up") {
    await up(dir, count);
    return 0;
  }
  if (command === "down" || command === "reap") {
    const [pid, startTime] = (values.owner ?? "").split(":").map(Number);
    const problems = command === "reap" && pid && startTime
      ? await reap(dir, { pid, startTime })
      : await stopRealEnv(dir);
    for (const p of problems) say(`Cannot undo: ${p}`);
    return problems.length === 0 ? 0 : 1;
  }
  say(command ? `Unknown command "${command}"` : "A command is required");
  say(USAGE);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    say(`Error: ${errorMessage(err)}`);
    Deno.exit(1);
  }
}
