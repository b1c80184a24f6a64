/**
 * CreateVolume and DeleteVolume through the controller's CSI socket against a real
 * kube-apiserver (a local control plane per size): seeds N drives over M nodes, starts the
 * controller role as a process, runs the calls sequentially and then with C concurrent
 * callers, and prints latency percentiles, calls/s and the controller's CPU seconds and RSS.
 * Afterwards it checks that no drive is over-allocated and that every success left exactly
 * one volume held by exactly one drive (exit 1 otherwise).
 *
 *   deno run -A harness/bench/controller_api.ts [--drives=1000,10000,100000] [--nodes=100]
 *     [--calls=1000] [--concurrency=16] [--driver=OTHER-CHECKOUT/driver/main.ts]
 *     [--v8-flags=FLAGS]   # the controller's V8 flags: the image's by default, "" for V8's own
 *   deno task bench:controller --drives=1000 --calls=200      # the smoke size CI runs
 */
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { startCluster } from "../cluster/mod.ts";
import {
  processCpuSeconds,
  processPeakRss,
  processRss,
  removePath,
  startDriverRole,
  stopProcess,
  tailFile,
} from "../lib/mod.ts";
import { DRIVER_V8_FLAGS } from "../../lib/install/mod.ts";
import { connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { ControllerClient } from "../../proto/mod.ts";
import { checkAllocation, installBenchCrds, seedDrives } from "./controller_seed.ts";
import { type CallFigures, runCalls } from "./controller_calls.ts";

const REPO = new URL("../..", import.meta.url).pathname;

interface BenchOptions {
  drives: number[];
  nodes: number;
  calls: number;
  concurrency: number;
  /** The driver entry point to measure (another checkout's, for before/after figures). */
  driver: string;
  /** V8 flags of the controller process (`deno run --v8-flags=…`); empty for V8's own. */
  v8Flags: string;
}

function options(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      drives: { type: "string", default: "1000,10000,100000" },
      nodes: { type: "string", default: "100" },
      calls: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "16" },
      driver: { type: "string", default: join(REPO, "driver", "main.ts") },
      "v8-flags": { type: "string", default: DRIVER_V8_FLAGS },
    },
  });
  const count = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: "${text}" is not a count`);
    return n;
  };
  return {
    drives: values.drives.split(",").map((d) => count("drives", d)),
    nodes: count("nodes", values.nodes),
    calls: count("calls", values.calls),
    concurrency: count("concurrency", values.concurrency),
    driver: values.driver,
    v8Flags: values["v8-flags"],
  };
}

function say(msg: string): void {
  console.error(`[bench] ${msg}`);
}

interface SizeFigures {
  drives: number;
  seedSeconds: number;
  rows: CallFigures[];
  cpuSeconds: number;
  /** RSS once the controller is ready (its drive cache loaded), before any call. */
  idleRssBytes: number;
  rssBytes: number;
  peakRssBytes: number;
  problems: string[];
}

/** Creates then deletes with one caller, then with `o.concurrency`, checking each step. */
async function callRounds(
  client: ControllerClient,
  kube: KubeClient,
  o: BenchOptions,
): Promise<{ rows: CallFigures[]; problems: string[] }> {
  const rows: CallFigures[] = [];
  const problems: string[] = [];
  for (const callers of [1, o.concurrency]) {
    const plan = { prefix: `pvc-c${callers}`, calls: o.calls, callers, nodes: o.nodes };
    const created = await runCalls(client, "create", plan);
    rows.push(created.figures);
    problems.push(...await checkAllocation(kube, new Set(created.ids)));
    const deleted = await runCalls(client, "delete", plan, created.ids);
    rows.push(deleted.figures);
    problems.push(...await checkAllocation(kube, new Set()));
  }
  return { rows, problems };
}

async function benchSize(base: string, drives: number, o: BenchOptions): Promise<SizeFigures> {
  const dir = join(base, `n${drives}`);
  await Deno.mkdir(dir, { recursive: true });
  const cluster = await startCluster({ workDir: join(dir, "cluster") });
  try {
    const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
    await installBenchCrds(kube);
    const seedStart = performance.now();
    await seedDrives(kube, drives, o.nodes);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    say(`${drives} drives over ${o.nodes} nodes seeded in ${seedSeconds.toFixed(1)} s`);
    const role = await startDriverRole("controller", {
      driver: o.driver,
      cwd: join(dirname(o.driver), ".."),
      kubeconfig: cluster.kubeconfigPath,
      nodeName: "bench-node-0",
      dir,
      ...(o.v8Flags ? { denoArgs: ["-A", `--v8-flags=${o.v8Flags}`] } : {}),
    });
    try {
      const idleRssBytes = await processRss(role.proc.pid) ?? NaN;
      const client = new ControllerClient(`unix:${role.socket}`, grpc.credentials.createInsecure());
      const { rows, problems } = await callRounds(client, kube, o);
      const cpuSeconds = await processCpuSeconds(role.proc.pid) ?? NaN;
      const rssBytes = await processRss(role.proc.pid) ?? NaN;
      const peakRssBytes = await processPeakRss(role.proc.pid) ?? NaN;
      if (Number.isNaN(rssBytes)) {
        problems.push(`the controller is gone:\n${await tailFile(role.logFile, 20)}`);
      }
      client.close();
      // Deno's node:http2 can abort the whole process inside nghttp2 while it handles the
      // GOAWAY a closing client sends (denoland/deno#36788); say so when it happens.
      await new Promise((r) => setTimeout(r, 500));
      if (await processRss(role.proc.pid) === undefined) {
        say(`the controller died when the client closed its connection (nghttp2 abort on GOAWAY):`);
        say(await tailFile(role.logFile, 1));
      }
      const memory = { idleRssBytes, rssBytes, peakRssBytes };
      return { drives, seedSeconds, rows, cpuSeconds, ...memory, problems };
    } finally {
      await stopProcess(role.proc);
    }
  } finally {
    await cluster.stop();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function ms(value: number): string {
  return value.toFixed(1).padStart(7);
}

function print(all: SizeFigures[]): void {
  console.log(
    "drives  op      callers  calls   ok  failed  calls/s      p50      p90      p99      max",
  );
  for (const size of all) {
    for (const r of size.rows) {
      console.log(
        `${String(size.drives).padEnd(7)} ${r.op.padEnd(7)} ${String(r.callers).padStart(7)} ` +
          `${String(r.calls).padStart(6)} ${String(r.ok).padStart(4)} ${
            String(r.failed).padStart(7)
          } ` +
          `${r.perSecond.toFixed(1).padStart(8)}  ${ms(r.p50)}  ${ms(r.p90)}  ${ms(r.p99)}  ${
            ms(r.max)
          }`,
      );
    }
    console.log(
      `${size.drives} drives: controller ${size.cpuSeconds.toFixed(1)} CPU s, RSS ` +
        `${mib(size.idleRssBytes)} ready, ${mib(size.rssBytes)} after the calls, ` +
        `${mib(size.peakRssBytes)} peak; seeding took ` +
        `${size.seedSeconds.toFixed(1)} s; allocation check: ` +
        (size.problems.length === 0 ? "ok" : `${size.problems.length} problems`),
    );
    for (const p of size.problems.slice(0, 20)) console.log(`  ${p}`);
    for (const r of size.rows) for (const e of r.errors) console.log(`  ${e}`);
  }
}

async function main(args: string[]): Promise<number> {
  const o = options(args);
  const base = await Deno.makeTempDir({ prefix: "directpv-bench-" });
  const all: SizeFigures[] = [];
  try {
    for (const drives of o.drives) all.push(await benchSize(base, drives, o));
  } finally {
    await removePath(base);
  }
  console.log(`controller: ${o.driver}, V8 flags: ${o.v8Flags || "V8's defaults"}`);
  print(all);
  const failed = all.some((s) => s.problems.length > 0 || s.rows.some((r) => r.failed > 0));
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
