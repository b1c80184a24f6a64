/**
 * Benchmark: wall time of `kubectl-directpv list drives` and `list volumes` (table and
 * `-o json`) with N drives and N volumes on the local control plane, and of
 * `kubectl-directpv --version`. Prints the figures; asserts nothing but the row counts.
 *
 *   deno run -A harness/bench/cli_list.ts [--drives=10000] [--nodes=100] [--runs=5]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { startCluster } from "../cluster/mod.ts";
import { run } from "../lib/mod.ts";
import { benchVolume, installBenchCrds, seedDrives } from "./controller_seed.ts";

const REPO = new URL("../..", import.meta.url).pathname;
const CLI = join(REPO, "tools/kubectl-directpv");
const GIB = 1024 ** 3;
const WRITERS = 32;

/** One volume on each drive, as CreateVolume would write it. */
async function seedVolumes(kube: KubeClient): Promise<number> {
  const drives = await kube.drives.listAll();
  let next = 0;
  const writer = async () => {
    while (next < drives.length) {
      const i = next++;
      const drive = drives[i];
      if (drive) await kube.volumes.create(benchVolume(drive, `pvc-bench-${i}`, GIB));
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  return drives.length;
}

async function timed(args: string[], runs: number, rows?: number): Promise<number[]> {
  const env = { DIRECTPV_DENO: Deno.execPath(), NO_COLOR: "1" };
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = await run(CLI, args, { env });
    out.push(performance.now() - start);
    // Table rows are the lines between the box borders.
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("│")).length;
    if (rows !== undefined && lines !== rows) {
      throw new Error(`${args.join(" ")}: ${lines} rows, expected ${rows}`);
    }
  }
  return out.sort((a, b) => a - b);
}

function figures(xs: number[]): string {
  const median = xs[Math.floor(xs.length / 2)] ?? NaN;
  return `median ${median.toFixed(0)} ms (min ${xs[0]?.toFixed(0)}, max ${xs.at(-1)?.toFixed(0)})`;
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      drives: { type: "string", default: "10000" },
      nodes: { type: "string", default: "100" },
      runs: { type: "string", default: "5" },
    },
  });
  const [count, nodes, runs] = [values.drives, values.nodes, values.runs].map(Number);
  if (!count || !nodes || !runs) throw new Error("--drives, --nodes and --runs take counts");
  const cluster = await startCluster({ withControllerManager: false });
  try {
    const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
    await installBenchCrds(kube);
    await seedDrives(kube, count, nodes);
    await seedVolumes(kube);
    const kc = ["--kubeconfig", cluster.kubeconfigPath];
    console.log(`kubectl-directpv --version: ${figures(await timed(["--version"], runs))}`);
    for (const kind of ["drives", "volumes"]) {
      const table = await timed([...kc, "list", kind, "--all", "--no-headers"], runs, count);
      console.log(`list ${kind}, ${count} ${kind}, table: ${figures(table)} over ${runs} runs`);
      const json = await timed([...kc, "list", kind, "--all", "-o", "json"], runs);
      console.log(`list ${kind}, ${count} ${kind}, -o json: ${figures(json)} over ${runs} runs`);
    }
  } finally {
    await cluster.stop();
  }
}

if (import.meta.main) await main(Deno.args);
