/**
 * Claims through the real csi-provisioner and kube-scheduler with capacity tracking (root:
 * loop drives, one per simulated node), on drives that hold only part of them: how long until
 * every claim that fits is Bound, and where the time goes (the provisioner's client-side
 * throttling, the API server's request time, the controller's CreateVolume time). Exits 1
 * when the run was wrong: a claim that fits left unbound, a CreateVolume failure other than
 * RESOURCE_EXHAUSTED, an over-allocated drive or a volume on another node than its pod.
 *
 *   deno run -A harness/bench/provision_load.ts [--claims=500] [--nodes=5] [--drive-size=1GiB]
 *     [--claim-size=16Mi] [--timeout=900] [--provisioner-args="--kube-api-qps=5 …"]
 *   deno task bench:provision --claims=500
 *
 * `--provisioner-args` go after install's flags (the later one wins), e.g. client-go's
 * defaults `--kube-api-qps=5 --kube-api-burst=10 --worker-threads=100` for a before/after.
 */
import { parseArgs } from "node:util";
import { describeLatency, latencyFigures } from "../lib/mod.ts";
import { methodFigures } from "../sandbox/call_logs.ts";
import {
  type ClaimLoadOptions,
  type ClaimLoadResult,
  runClaimLoad,
} from "../sandbox/claim_load.ts";

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: "${text}" is not a count`);
  return n;
}

function options(args: string[], dir: string): ClaimLoadOptions {
  const { values } = parseArgs({
    args,
    options: {
      claims: { type: "string", default: "500" },
      nodes: { type: "string", default: "5" },
      "drive-size": { type: "string", default: "1GiB" },
      "claim-size": { type: "string", default: "16Mi" },
      timeout: { type: "string", default: "900" },
      "provisioner-args": { type: "string", default: "" },
    },
  });
  const extra = values["provisioner-args"].split(/\s+/).filter((a) => a !== "");
  return {
    dir,
    claims: count("claims", values.claims),
    nodes: count("nodes", values.nodes),
    driveSize: values["drive-size"],
    claimSize: values["claim-size"],
    timeoutMs: count("timeout", values.timeout) * 1000,
    ...(extra.length > 0 ? { provisionerArgs: extra } : {}),
    log: (msg) => console.error(`[bench] ${msg}`),
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function print(o: ClaimLoadOptions, r: ClaimLoadResult): void {
  const create = methodFigures(r.calls, "CreateVolume");
  const capacity = methodFigures(r.calls, "GetCapacity");
  const t = r.provisionerThrottling;
  const lines = [
    `claims ${o.claims} x ${o.claimSize} on ${o.nodes} nodes x ${o.driveSize}` +
    (o.provisionerArgs ? ` (provisioner ${o.provisionerArgs.join(" ")})` : " (install's flags)"),
    `  fit ${r.fit}, bound ${r.bound}: all that fit Bound after ${s(r.allBoundMs)} ` +
    `(${(r.bound / (r.allBoundMs / 1000)).toFixed(1)} claims/s); claims+pods created in ` +
    `${s(r.createMs)}`,
    `  time to Bound: ${describeLatency(latencyFigures(r.boundAtMs))}`,
    `  controller CreateVolume: ${create.calls} calls ${JSON.stringify(create.codes)}, ` +
    `${s(create.totalMs)} in calls, first to last ${s(create.spanMs)}; ` +
    describeLatency(create.latency),
    `  controller GetCapacity: ${capacity.calls} calls, ${s(capacity.totalMs)} in calls`,
    `  provisioner client-side throttling (waits > 50 ms): ${t.waits} requests, ` +
    `${s(t.totalMs)} waited, longest ${s(t.maxMs)}`,
    `  API server: ${r.api.requests} requests, ${s(r.api.totalMs)} serving ` +
    `(${(r.api.totalMs / Math.max(1, r.api.requests)).toFixed(1)} ms each)`,
    `  problems: ${r.problems.length === 0 ? "none" : r.problems.slice(0, 10).join("; ")}`,
  ];
  console.log(lines.join("\n"));
}

async function main(): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "directpv-provision-load-" });
  const o = options(Deno.args, dir);
  const result = await runClaimLoad(o);
  print(o, result);
  return result.problems.length === 0 ? 0 : 1;
}

Deno.exit(await main());
