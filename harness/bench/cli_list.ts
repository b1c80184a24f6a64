/**
 * Benchmark: `kubectl-directpv list drives` wall time with 1,000 drives on the local control
 * plane, and `kubectl-directpv --version`. Prints the figures; asserts nothing.
 *
 *   deno run -A harness/bench/cli_list.ts [--drives 1000] [--runs 5]
 */
import { join } from "node:path";
import { startCluster } from "../cluster/mod.ts";
import { run } from "../lib/mod.ts";
import { connectKube } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import { API_VERSION, type DirectPVDrive, KINDS, LABELS } from "../../lib/types/mod.ts";

const REPO = new URL("../..", import.meta.url).pathname;
const CLI = join(REPO, "tools/kubectl-directpv");

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

function drive(i: number): DirectPVDrive {
  const uuid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
  const node = `node-${i % 100}`;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name: uuid,
      labels: {
        [LABELS.node]: node,
        [LABELS.driveName]: `sd${i}`,
        [LABELS.accessTier]: "Default",
        [LABELS.version]: "v1beta1",
      },
      finalizers: ["directpv.min.io/data-protection"],
    },
    spec: {},
    status: {
      totalCapacity: 2 ** 40,
      allocatedCapacity: 0,
      freeCapacity: 2 ** 40,
      fsuuid: uuid,
      status: "Ready",
      topology: { [LABELS.node]: node },
    },
  };
}

async function timed(args: string[], runs: number, env: Record<string, string>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run(CLI, args, { env });
    out.push(performance.now() - start);
  }
  return out.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? NaN;

const count = arg("--drives", 1000);
const runs = arg("--runs", 5);
const cluster = await startCluster({ withControllerManager: false });
try {
  const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
  for (const crd of crdObjects()) await kube.customResourceDefinitions.create(crd);
  await new Promise((r) => setTimeout(r, 2000));
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) => kube.drives.create(drive(i + j))),
    );
  }
  const env = { DIRECTPV_DENO: Deno.execPath(), NO_COLOR: "1" };
  const version = await timed(["--version"], runs, env);
  const list = await timed(
    ["--kubeconfig", cluster.kubeconfigPath, "list", "drives", "--no-headers"],
    runs,
    env,
  );
  const json = await timed(
    ["--kubeconfig", cluster.kubeconfigPath, "list", "drives", "-o", "json"],
    runs,
    env,
  );
  const fmt = (xs: number[]) =>
    `median ${median(xs).toFixed(0)} ms (min ${xs[0]?.toFixed(0)}, max ${xs.at(-1)?.toFixed(0)})`;
  console.log(`kubectl-directpv --version: ${fmt(version)} over ${runs} runs`);
  console.log(`list drives, ${count} drives, table: ${fmt(list)} over ${runs} runs`);
  console.log(`list drives, ${count} drives, -o json: ${fmt(json)} over ${runs} runs`);
} finally {
  await cluster.stop();
}
