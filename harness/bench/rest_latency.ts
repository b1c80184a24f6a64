/**
 * Latency of single REST calls of our KubeClient against a local control plane, sequential,
 * with percentiles and a histogram in 5 ms buckets: GET, POST, and the same change of a
 * DirectPVDrive (which always carries finalizers) written as PUT and as a merge PATCH.
 * kube-apiserver 1.36 spends about 45 ms in every PUT of a custom resource with finalizers;
 * this shows it and that `updateByPatch` does not pay it.
 *
 *   deno run -A harness/bench/rest_latency.ts [--calls=300]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCluster } from "../cluster/mod.ts";
import { removePath } from "../lib/mod.ts";
import { connectKube, type KubeClient, updateByPatch } from "../../lib/k8s/mod.ts";
import type { DirectPVDrive } from "../../lib/types/mod.ts";
import { installBenchCrds, seedDrives } from "./controller_seed.ts";

function summary(name: string, latencies: number[]): string {
  const sorted = latencies.toSorted((a, b) => a - b);
  const at = (p: number) => (sorted[Math.floor(sorted.length * p)] ?? NaN).toFixed(1);
  const buckets = new Map<number, number>();
  for (const l of sorted) {
    const bucket = Math.min(100, Math.floor(l / 5) * 5);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  const histogram = [...buckets].map(([b, n]) => `${b < 100 ? `${b}-${b + 5}` : "100+"}:${n}`);
  return `${name.padEnd(12)} p50 ${at(0.5).padStart(6)}  p90 ${at(0.9).padStart(6)}  ` +
    `p99 ${at(0.99).padStart(6)} ms   ${histogram.join(" ")}`;
}

async function timed(calls: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await fn(i);
    out.push(performance.now() - started);
  }
  return out;
}

function relabelled(drive: DirectPVDrive, i: number): DirectPVDrive {
  const labels = { ...drive.metadata.labels, "bench.directpv.min.io/i": String(i) };
  return { ...drive, metadata: { ...drive.metadata, labels } };
}

async function measure(kube: KubeClient, calls: number): Promise<void> {
  const [first] = await kube.drives.listAll();
  if (!first) throw new Error("no seeded drive");
  const name = first.metadata.name ?? "";
  console.log(summary("GET", await timed(calls, () => kube.drives.get(name))));
  const prefix = name.slice(0, -6);
  console.log(summary(
    "POST",
    await timed(calls, (i) =>
      kube.drives.create({
        ...first,
        metadata: { name: `${prefix}${String(i + 1).padStart(6, "0")}`, labels: {} },
      })),
  ));
  let current = await kube.drives.get(name);
  console.log(summary(
    "PUT",
    await timed(calls, async (i) => {
      current = await kube.drives.update(relabelled(current, i));
    }),
  ));
  console.log(summary(
    "merge PATCH",
    await timed(calls, async (i) => {
      current = await updateByPatch(kube.drives, current, relabelled(current, calls + i));
    }),
  ));
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { calls: { type: "string", default: "300" } } });
  const calls = Number(values.calls);
  if (!Number.isInteger(calls) || calls < 1) throw new Error(`--calls: "${values.calls}"`);
  const base = await Deno.makeTempDir({ prefix: "directpv-rest-" });
  const cluster = await startCluster({ workDir: join(base, "cluster") });
  try {
    const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
    await installBenchCrds(kube);
    await seedDrives(kube, 1, 1);
    await measure(kube, calls);
  } finally {
    await cluster.stop();
    await removePath(base);
  }
}

if (import.meta.main) await main(Deno.args);
