/**
 * The real-node layer of the test command: starts a real-node environment (control plane with
 * kube-scheduler, loopback registry with the standard images and our driver image from
 * `DIRECTPV_IMAGE_ARCHIVE` or dist/, built when missing, a real containerd + kubelet node), runs every `harness/realnode/*_test.ts` scenario against it (DIRECTPV_REALNODE_DIR),
 * stops it and checks that it left no process, mount or loop device. A node that cannot come
 * up fails the layer. Ctrl-C stops the environment too.
 *
 *   deno run -A harness/realnode/run.ts
 */
import { join } from "node:path";
import { errorMessage } from "../../lib/errors/mod.ts";
import { Logger } from "../../lib/log/mod.ts";
import { attachedLoops, mountsUnder } from "../loop/mod.ts";
import { processAlive } from "../lib/mod.ts";
import { interruptOnSignals, type RealEnv, startRealEnv, stopRealEnv } from "../node/mod.ts";
import { pushDriverImage } from "./directpv.ts";

const REPO = new URL("../..", import.meta.url).pathname;

function say(msg: string): void {
  console.error(`[realnode] ${msg}`);
}

async function scenarios(env: RealEnv, signal: AbortSignal): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--frozen", join(REPO, "harness/realnode")],
    env: { DIRECTPV_REALNODE_DIR: env.dir, NO_COLOR: "1" },
    cwd: REPO,
    stdout: "inherit",
    stderr: "inherit",
    signal,
  });
  return (await child.output()).code;
}

/** What the stopped environment left behind; empty when nothing. */
async function leftovers(env: RealEnv): Promise<string[]> {
  const out: string[] = [];
  const procs = [
    ...env.cluster.processes,
    env.registry.process,
    ...env.nodes.flatMap((n) => n.processes),
  ];
  for (const p of procs) if (await processAlive(p)) out.push(`${p.name} (PID ${p.pid}) runs`);
  for (const m of await mountsUnder(env.dir)) out.push(`"${m}" is mounted`);
  for (const l of await attachedLoops()) {
    if (l.backingFile.startsWith(`${env.dir}/`)) out.push(`${l.device} is attached`);
  }
  return out;
}

async function main(): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "directpv-realnode-" });
  // Ctrl-C reaches the scenarios too; this process then stops the environment and cleans up.
  const interrupt = interruptOnSignals(say);
  const log = new Logger({ format: "text", sink: (line) => console.error(line) });
  const started = performance.now();
  let env: RealEnv;
  try {
    env = await startRealEnv({ dir, log, signal: interrupt.signal, stopWithThisProcess: true });
  } catch (err) {
    say(`Cannot bring the real node up: ${errorMessage(err)}`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return interrupt.signal.aborted ? 130 : 1;
  }
  const upMs = Math.round(performance.now() - started);
  say(
    `Environment up in ${upMs} ms: control plane ${env.cluster.startupMs} ms, images ` +
      `${env.imagesMs} ms, ${env.nodes.map((n) => `node "${n.name}" Ready in ${n.startupMs} ms`)}`,
  );
  let code = 1;
  try {
    const image = await pushDriverImage(env, say);
    say(
      `Driver image ${image.archive} (${image.bytes} bytes${
        image.buildMs ? `, built in ${image.buildMs} ms` : ""
      }) pushed in ${image.pushMs} ms`,
    );
    const testsStart = performance.now();
    code = await scenarios(env, interrupt.signal);
    say(`Scenarios ran in ${Math.round(performance.now() - testsStart)} ms`);
  } catch (err) {
    say(`Cannot run the scenarios: ${errorMessage(err)}`);
    code = 1;
  } finally {
    const stopStart = performance.now();
    const problems = await stopRealEnv(dir);
    for (const p of [...problems, ...await leftovers(env)]) {
      say(`Left behind: ${p}`);
      code = 1;
    }
    say(`Stopped in ${Math.round(performance.now() - stopStart)} ms`);
    interrupt.dispose();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return interrupt.signal.aborted ? 130 : code;
}

Deno.exit(await main());
