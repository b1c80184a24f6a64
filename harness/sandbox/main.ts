/**
 * The sandbox: `up` brings a local loopback-device cluster with DirectPV installed, drives
 * discovered and initialized and a volume provisioned and written; `down` stops and removes
 * everything it started; `status` prints what is recorded.
 *
 *   deno run -A harness/sandbox/main.ts up [--dir DIR] [--nodes N]
 */
import { join } from "node:path";
import { cli, readEnvState, startEnv, stopEnv } from "./env.ts";
import { createPod, mountForPod, provisionClaim } from "./workload.ts";
import { processAlive } from "../lib/mod.ts";

const DEFAULT_DIR = Deno.env.get("DIRECTPV_SANDBOX_DIR") ?? "/var/tmp/directpv-sandbox";

function say(msg: string): void {
  console.error(`[sandbox] ${msg}`);
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] as string : fallback;
}

async function up(dir: string, nodeCount: number): Promise<void> {
  const existing = await readEnvState(dir);
  if (existing) {
    throw new Error(
      `A sandbox is already recorded in "${dir}": run "bash harness/sandbox.sh down" first`,
    );
  }
  const started = Date.now();
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    name: `node-${i + 1}`,
    drives: [{ name: "disk-a", size: "1GiB" }, { name: "disk-b", size: "1GiB" }, {
      name: "tiny",
      size: "256MiB",
    }],
  }));
  const { env, kube } = await startEnv({ dir, nodes, log: say });
  say("Discovering drives");
  const drivesYaml = join(dir, "drives.yaml");
  await cli(env, ["discover", "--all", "--output-file", drivesYaml]).then((r) =>
    console.log(r.stdout)
  );
  say("Initializing the selected drives");
  await cli(env, ["init", drivesYaml, "--dangerous"]).then((r) => console.log(r.stdout));
  say("Provisioning a 64 MiB volume for a pod on node-1");
  const { pv } = await provisionClaim(kube, { name: "sandbox-data", size: "64Mi", node: "node-1" });
  const pod = await createPod(kube, {
    name: "sandbox-writer",
    node: "node-1",
    claim: "sandbox-data",
    labels: { "directpv.min.io/tenant": "sandbox" },
  });
  const node1 = env.nodes[0];
  if (!node1) throw new Error("No node was started");
  const paths = await mountForPod(node1, pv, pod);
  const file = join(paths.target, "hello.txt");
  await Deno.writeTextFile(file, `written by the sandbox at ${new Date().toISOString()}\n`);
  say(`Wrote ${file}: ${(await Deno.readTextFile(file)).trim()}`);
  console.log((await cli(env, ["list", "drives", "--all"])).stdout);
  console.log((await cli(env, ["list", "volumes", "--all"])).stdout);
  say(`Sandbox up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`kubeconfig: ${env.kubeconfig}`);
  say(`Try: tools/kubectl-directpv --kubeconfig ${env.kubeconfig} info`);
  say("Stop it with: bash harness/sandbox.sh down");
}

async function status(dir: string): Promise<void> {
  const env = await readEnvState(dir);
  if (!env) {
    say(`No sandbox recorded in "${dir}"`);
    return;
  }
  for (const p of env.processes) {
    say(`${p.name.padEnd(28)} pid ${p.pid} ${(await processAlive(p)) ? "running" : "gone"}`);
  }
  say(`kubeconfig: ${env.kubeconfig}`);
}

async function main(args: string[]): Promise<number> {
  const [verb = "up", ...rest] = args;
  const dir = flag(rest, "--dir", DEFAULT_DIR);
  if (verb === "up") {
    try {
      await up(dir, Number(flag(rest, "--nodes", "2")));
    } catch (err) {
      say(`Sandbox failed: ${err instanceof Error ? err.message : err}`);
      say(`Logs are in ${join(dir, "logs")}; stopping what was started`);
      if (!Deno.env.get("DIRECTPV_SANDBOX_KEEP")) await stopEnv(dir, say);
      return 1;
    }
    return 0;
  }
  if (verb === "down") return (await stopEnv(dir, say)).length === 0 ? 0 : 1;
  if (verb === "status") {
    await status(dir);
    return 0;
  }
  say(`Unknown command "${verb}": use up, down or status`);
  return 2;
}

Deno.exit(await main(Deno.args));
