/**
 * The sandbox: `up` brings a local cluster with DirectPV installed, loop-device drives
 * discovered and initialized and a volume provisioned and written; `down` stops and removes
 * everything it started; `status` prints what is recorded.
 *
 *   deno run -A harness/sandbox/main.ts up [--dir DIR] [--host-processes [--nodes N]]
 *
 * By default it runs a real node (containerd + kubelet, kube-scheduler, our driver image from
 * a loopback registry, harness/node) with a pod on a DirectPV volume. `--host-processes` runs
 * simulated nodes instead, our servers as host processes (default 2 nodes), for topology
 * checks with several DirectPV nodes on one machine.
 */
import { join } from "node:path";
import { cli, readEnvState, startEnv, stopEnv } from "./env.ts";
import { createPod, mountForPod, provisionClaim } from "./workload.ts";
import { pathExists, processAlive } from "../lib/mod.ts";
import { openRealEnv, stopRealEnv } from "../node/mod.ts";
import { upRealNode } from "./real.ts";

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
  const real = env ? undefined : await openRealEnv(dir).catch(() => undefined);
  if (!env && !real) {
    say(`No sandbox recorded in "${dir}"`);
    return;
  }
  const processes = env?.processes ?? [
    ...(real?.cluster.processes ?? []),
    ...(real ? [real.registry.process] : []),
    ...(real?.nodes.flatMap((n) =>
      n.processes.map((p) => ({ ...p, name: `${p.name}-${n.name}` }))
    ) ??
      []),
  ];
  for (const p of processes) {
    say(`${p.name.padEnd(28)} pid ${p.pid} ${(await processAlive(p)) ? "running" : "gone"}`);
  }
  say(`kubeconfig: ${env?.kubeconfig ?? real?.cluster.kubeconfigPath}`);
}

/** Stops whichever sandbox is recorded in `dir` (host-process nodes or real nodes). */
async function down(dir: string): Promise<number> {
  const hostProcesses = await readEnvState(dir);
  const problems = await stopEnv(dir, say);
  const recorded = await pathExists(join(dir, "realnode.json"));
  const real = await stopRealEnv(dir);
  for (const p of real) say(`Cannot undo: ${p}`);
  if (recorded && real.length === 0) say("Sandbox stopped and removed");
  if (!recorded && !hostProcesses) say(`No sandbox recorded in "${dir}"`);
  return problems.length + real.length === 0 ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const [verb = "up", ...rest] = args;
  const dir = flag(rest, "--dir", DEFAULT_DIR);
  if (verb === "up") {
    const real = !rest.includes("--host-processes");
    if (await pathExists(join(dir, "realnode.json"))) {
      say(`A sandbox is already recorded in "${dir}": run "bash harness/sandbox.sh down" first`);
      return 1;
    }
    try {
      const nodes = Number(flag(rest, "--nodes", real ? "1" : "2"));
      if (real && nodes !== 1) {
        say(
          `Invalid --nodes ${nodes}: a real node runs DirectPV on one node per machine; ` +
            "use --host-processes for more",
        );
        return 2;
      }
      await (real ? upRealNode(dir, nodes, say) : up(dir, nodes));
    } catch (err) {
      say(`Sandbox failed: ${err instanceof Error ? err.message : err}`);
      say(`Logs are in ${dir}; stopping what was started`);
      if (!Deno.env.get("DIRECTPV_SANDBOX_KEEP")) await down(dir);
      return 1;
    }
    return 0;
  }
  if (verb === "down") return await down(dir);
  if (verb === "status") {
    await status(dir);
    return 0;
  }
  say(`Unknown command "${verb}": use up, down or status`);
  return 2;
}

Deno.exit(await main(Deno.args));
