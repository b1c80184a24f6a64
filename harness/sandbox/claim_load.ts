/**
 * Many claims at once through the real csi-provisioner and kube-scheduler, with capacity
 * tracking, on simulated nodes whose drives hold only part of them. Every claim has a pod,
 * so WaitForFirstConsumer is resolved by the scheduler as in a cluster (the nodes have no
 * kubelet: their status is reported for them). The driver and sidecars run as install's
 * ServiceAccount. Returns what happened and what was wrong; the benchmark prints the
 * figures, the e2e smoke asserts there is nothing wrong.
 */
import { join } from "node:path";
import { errorMessage } from "../../lib/errors/mod.ts";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { LABELS, parseBytes } from "../../lib/types/mod.ts";
import { checkAllocation } from "../bench/controller_seed.ts";
import { run, waitFor } from "../lib/mod.ts";
import { type LoggedCall, parseCalls, parseThrottling, type ThrottleFigures } from "./call_logs.ts";
import { cli, type EnvState, startEnv, stopEnv } from "./env.ts";
import { reportNodeStatus } from "./scheduling.ts";
import { claimObject, createPod } from "./workload.ts";

/** What to run. */
export interface ClaimLoadOptions {
  dir: string;
  claims: number;
  nodes: number;
  /** Size of each node's one loop drive (`1GiB`). */
  driveSize: string;
  /** Size every claim asks for (`16Mi`). */
  claimSize: string;
  /** How long the claims that fit may take to be Bound. */
  timeoutMs: number;
  /** Extra csi-provisioner flags (after install's), to compare settings. */
  provisionerArgs?: string[];
  log?: (msg: string) => void;
}

/** Client-side requests the API server answered during the run, and how long they took. */
export interface ApiFigures {
  requests: number;
  totalMs: number;
}

/** What a run produced. */
export interface ClaimLoadResult {
  /** Claims the drives can hold: the sum over drives of floor(free / claim size). */
  fit: number;
  bound: number;
  /** Milliseconds from the first claim's creation until `fit` claims were Bound. */
  allBoundMs: number;
  /** Milliseconds the test client took to create the claims and pods. */
  createMs: number;
  /** When each claim was seen Bound, in milliseconds from the start, ascending. */
  boundAtMs: number[];
  calls: LoggedCall[];
  provisionerThrottling: ThrottleFigures;
  api: ApiFigures;
  /** Everything that was wrong: empty when the run was correct. */
  problems: string[];
}

const NAMESPACE = "default";
const CREATE_WRITERS = 16;

/** The apiserver's request count and duration sum (all non-watch requests), from /metrics. */
async function apiTotals(env: EnvState, kubectl: string): Promise<ApiFigures> {
  const res = await run(kubectl, ["--kubeconfig", env.kubeconfig, "get", "--raw", "/metrics"]);
  let requests = 0;
  let seconds = 0;
  for (const line of res.stdout.split("\n")) {
    if (!line.startsWith("apiserver_request_duration_seconds_")) continue;
    if (/verb="(WATCH|CONNECT)"/.test(line)) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (line.startsWith("apiserver_request_duration_seconds_count")) requests += value;
    else if (line.startsWith("apiserver_request_duration_seconds_sum")) seconds += value;
  }
  return { requests, totalMs: seconds * 1000 };
}

/** Drives initialized on every node, and the claims of `claimBytes` they can hold. */
async function prepareDrives(env: EnvState, kube: KubeClient, options: ClaimLoadOptions) {
  await cli(env, ["discover", "--quiet", "--output-file", join(options.dir, "drives.yaml")]);
  await cli(env, ["init", "--quiet", "--dangerous", join(options.dir, "drives.yaml")]);
  const drives = await waitFor(async () => {
    const all = await kube.drives.listAll();
    return all.length === options.nodes && all.every((d) => d.status.status === "Ready") && all;
  }, { timeoutMs: 120_000, description: "every node's drive initialized" });
  const claimBytes = parseBytes(options.claimSize);
  return drives.reduce((n, d) => n + Math.floor(d.status.freeCapacity / claimBytes), 0);
}

/** Waits until the provisioner has published every node's free capacity. */
async function waitForCapacity(kube: KubeClient, nodes: number): Promise<void> {
  const capacities = kube.resource("storage.k8s.io/v1", "CSIStorageCapacity", {
    plural: "csistoragecapacities",
    namespaced: true,
  });
  await waitFor(async () => {
    const items = await capacities.listAll({ namespace: "directpv" });
    const ours = items.filter((i: AnyObject) =>
      i.storageClassName === "directpv-min-io" && parseBytes(String(i.capacity ?? "0")) > 0
    );
    return ours.length === nodes || undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, description: "CSIStorageCapacity of every node" });
}

/** Creates claim i and its pod for every i, `CREATE_WRITERS` at a time. */
async function createClaims(kube: KubeClient, options: ClaimLoadOptions): Promise<void> {
  let next = 0;
  const writer = async () => {
    while (next < options.claims) {
      const name = `load-${next++}`;
      await kube.persistentVolumeClaims.create(
        claimObject({ name, size: options.claimSize }),
        { namespace: NAMESPACE },
      );
      await createPod(kube, { name, claim: name });
    }
  };
  await Promise.all(Array.from({ length: CREATE_WRITERS }, writer));
}

/** Polls the claims until `fit` are Bound (or the time is up); when each was first seen Bound. */
async function watchBound(
  kube: KubeClient,
  fit: number,
  started: number,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  while (seen.size < fit && performance.now() - started < timeoutMs) {
    for (const pvc of await kube.persistentVolumeClaims.listAll({ namespace: NAMESPACE })) {
      const name = pvc.metadata.name ?? "";
      if (pvc.status?.phase === "Bound" && !seen.has(name)) {
        seen.set(name, performance.now() - started);
      }
    }
    if (seen.size < fit) await new Promise((r) => setTimeout(r, 250));
  }
  return seen;
}

/** Waits until the scheduler has bound the pod of every Bound claim (it binds after PreBind). */
async function podsPlaced(kube: KubeClient, bound: ReadonlyMap<string, number>): Promise<string[]> {
  try {
    await waitFor(async () => {
      const pods = await kube.pods.listAll({ namespace: NAMESPACE });
      const placed = pods.filter((p) => bound.has(p.metadata.name ?? "") && p.spec?.nodeName);
      return placed.length === bound.size || undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, description: "the pods of the Bound claims placed" });
    return [];
  } catch (err) {
    return [errorMessage(err)];
  }
}

/** What is wrong with the bound claims' volumes and the CreateVolume answers. */
async function checkOutcome(
  kube: KubeClient,
  calls: readonly LoggedCall[],
  bound: ReadonlyMap<string, number>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const c of calls.filter((c) => c.method === "CreateVolume")) {
    if (c.code !== "OK" && c.code !== "RESOURCE_EXHAUSTED") {
      problems.push(`CreateVolume ${c.volume}: ${c.code} ${c.error ?? ""}`);
    }
  }
  const volumes = new Set<string>();
  for (const pvc of await kube.persistentVolumeClaims.listAll({ namespace: NAMESPACE })) {
    if (!bound.has(pvc.metadata.name ?? "")) continue;
    const pv = await kube.persistentVolumes.get(pvc.spec.volumeName);
    volumes.add(pv.metadata.name ?? "");
    const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
    const pvNode = terms[0]?.matchExpressions?.find((e: AnyObject) => e.key === LABELS.node)
      ?.values?.[0];
    const volume = await kube.volumes.get(pv.metadata.name ?? "");
    const pod = await kube.pods.get(pvc.metadata.name ?? "", { namespace: NAMESPACE });
    if (volume.metadata.labels?.[LABELS.node] !== pvNode || pod.spec?.nodeName !== pvNode) {
      problems.push(
        `claim ${pvc.metadata.name}: PV on "${pvNode}", volume on ` +
          `"${volume.metadata.labels?.[LABELS.node]}", pod on "${pod.spec?.nodeName}"`,
      );
    }
  }
  problems.push(...await checkAllocation(kube, volumes));
  const stored = await kube.volumes.listAll();
  for (const v of stored.filter((v) => !volumes.has(v.metadata.name ?? ""))) {
    problems.push(`volume ${v.metadata.name} belongs to no Bound claim`);
  }
  return problems;
}

/** Brings the environment up and runs the load in it (left running for the caller to stop). */
async function measure(options: ClaimLoadOptions, log: (msg: string) => void) {
  const nodes = Array.from({ length: options.nodes }, (_, i) => ({
    name: `load-${i + 1}`,
    drives: [{ name: "d1", size: options.driveSize }],
  }));
  const { env, kube, cluster } = await startEnv({
    dir: options.dir,
    nodes,
    workloads: true,
    serviceAccount: true,
    log,
    ...(options.provisionerArgs ? { provisionerArgs: options.provisionerArgs } : {}),
  });
  const kubectl = join(cluster.binDir, "kubectl");
  const fit = await prepareDrives(env, kube, options);
  for (const n of nodes) await reportNodeStatus(kube, n.name, { ready: true });
  await waitForCapacity(kube, options.nodes);
  log(`${options.claims} claims of ${options.claimSize}; the drives hold ${fit}`);
  const apiBefore = await apiTotals(env, kubectl);
  const started = performance.now();
  await createClaims(kube, options);
  const createMs = performance.now() - started;
  const bound = await watchBound(kube, fit, started, options.timeoutMs);
  const allBoundMs = performance.now() - started;
  const apiAfter = await apiTotals(env, kubectl);
  const calls = parseCalls(await Deno.readTextFile(join(env.dir, "logs", "controller.log")));
  const problems = await podsPlaced(kube, bound);
  problems.push(...await checkOutcome(kube, calls, bound));
  if (bound.size !== fit) {
    problems.unshift(`${bound.size} of the ${fit} claims that fit were Bound in time`);
  }
  const provisionerLog = await Deno.readTextFile(join(env.dir, "logs", "csi-provisioner.log"));
  return {
    fit,
    bound: bound.size,
    allBoundMs,
    createMs,
    boundAtMs: [...bound.values()].toSorted((a, b) => a - b),
    calls,
    provisionerThrottling: parseThrottling(provisionerLog),
    api: {
      requests: apiAfter.requests - apiBefore.requests,
      totalMs: apiAfter.totalMs - apiBefore.totalMs,
    },
    problems,
  };
}

/** Runs the load once, in a fresh environment that it stops again. */
export async function runClaimLoad(options: ClaimLoadOptions): Promise<ClaimLoadResult> {
  const log = options.log ?? (() => {});
  let result: ClaimLoadResult;
  let left: string[] = [];
  try {
    result = await measure(options, log);
  } finally {
    left = await stopEnv(options.dir, log);
  }
  if (left.length > 0) result.problems.push(`the environment did not stop cleanly: ${left}`);
  return result;
}
