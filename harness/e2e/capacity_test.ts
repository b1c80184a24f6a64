/**
 * Capacity-aware scheduling with the real kube-scheduler and csi-provisioner: two nodes, the
 * one the scheduler's scores prefer (more CPU) has too little room for the claim. With
 * capacity tracking the provisioner publishes CSIStorageCapacity per node, the scheduler
 * skips the small node and the volume is created at the first attempt. Without it the
 * scheduler picks the small node and CreateVolume fails. The same workload runs both ways;
 * the scenario prints CreateVolume failures and the time to a bound claim for each.
 */
import assert from "node:assert/strict";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { LABELS, parseBytes } from "../../lib/types/mod.ts";
import { testGate, waitFor } from "../lib/mod.ts";
import { cli, startEnv, stopEnv } from "../sandbox/env.ts";
import { createPod } from "../sandbox/workload.ts";
import {
  boundClaim,
  createClaim,
  provisioningFailures,
  reportNodeStatus,
  scheduledNode,
  SCHEDULER_SCENARIO_NEEDS,
} from "../sandbox/scheduling.ts";

const gate = await testGate("capacity scenario", SCHEDULER_SCENARIO_NEEDS);

const MiB = 2 ** 20;
const SMALL = "cap-small";
const BIG = "cap-big";
/** The claim: more than the small node's drive holds, well within the big one's. */
const CLAIM_SIZE = "1Gi";
/** How long the run without capacity tracking may try before it is reported as stuck. */
const OFF_BUDGET_MS = 45_000;

/** The namespaced CSIStorageCapacity client. */
function capacities(kube: KubeClient) {
  return kube.resource("storage.k8s.io/v1", "CSIStorageCapacity", {
    plural: "csistoragecapacities",
    namespaced: true,
  });
}

/** `node → {capacity, maximum}` of one class's CSIStorageCapacity objects. */
async function capacityByNode(
  kube: KubeClient,
  storageClass: string,
): Promise<Map<string, { capacity: number; maximum: number }>> {
  const out = new Map<string, { capacity: number; maximum: number }>();
  const items = await capacities(kube).listAll({ namespace: "directpv" });
  for (const item of items.filter((i: AnyObject) => i.storageClassName === storageClass)) {
    const node = item.nodeTopology?.matchLabels?.[LABELS.node];
    if (typeof node !== "string") continue;
    out.set(node, {
      capacity: parseBytes(String(item.capacity ?? "0")),
      maximum: parseBytes(String(item.maximumVolumeSize ?? "0")),
    });
  }
  return out;
}

interface RunFigures {
  node: string;
  bound: boolean;
  failures: number;
  ms: number;
  capacity: Map<string, { capacity: number; maximum: number }>;
  hotCapacity: Map<string, { capacity: number; maximum: number }>;
}

async function freeByNode(kube: KubeClient): Promise<Map<string, number>> {
  const free = new Map<string, number>();
  for (const d of await kube.drives.listAll()) {
    const node = d.status.topology[LABELS.node] ?? "";
    free.set(node, (free.get(node) ?? 0) + d.status.freeCapacity);
  }
  return free;
}

/** Brings up the two nodes, runs the workload once, and returns what happened. */
async function runWorkload(
  options: { capacityTracking: boolean; budgetMs: number },
): Promise<RunFigures> {
  const { capacityTracking, budgetMs } = options;
  const dir = await Deno.makeTempDir({ prefix: "directpv-capacity-" });
  try {
    const { env, kube } = await startEnv({
      dir,
      workloads: true,
      capacityTracking,
      nodes: [
        { name: SMALL, drives: [{ name: "d1", size: "640MiB" }] },
        { name: BIG, drives: [{ name: "d1", size: "2GiB" }] },
      ],
    });
    await cli(env, ["discover", "--quiet", "--output-file", `${dir}/drives.yaml`]);
    await cli(env, ["init", "--quiet", "--dangerous", `${dir}/drives.yaml`]);
    await waitFor(async () => (await kube.drives.listAll()).length === 2 || undefined, {
      timeoutMs: 60_000,
      description: "both drives initialized",
    });
    // The small node looks the better place to the scheduler's resource scores.
    await reportNodeStatus(kube, SMALL, { ready: true, cpu: 64 });
    await reportNodeStatus(kube, BIG, { ready: true, cpu: 2 });
    await createHotClass(kube);
    const free = await freeByNode(kube);
    if (capacityTracking) await waitForCapacities(kube, free);
    const capacity = await capacityByNode(kube, "directpv-min-io");
    const hotCapacity = await capacityByNode(kube, "directpv-hot");
    const start = performance.now();
    await createClaim(kube, { name: "data", size: CLAIM_SIZE });
    await createPod(kube, { name: "app", claim: "data" });
    const bound = await boundClaim(kube, "data", { timeoutMs: budgetMs });
    const ms = Math.round(performance.now() - start);
    const node = bound ? await scheduledNode(kube, "app", { timeoutMs: 30_000 }) : "";
    const failures = await provisioningFailures(kube, "data");
    return { node, bound: bound !== undefined, failures, ms, capacity, hotCapacity };
  } finally {
    const problems = await stopEnv(dir);
    assert.deepEqual(problems, [], "the environment stopped cleanly");
  }
}

/** A class that asks for the Hot access tier, which no drive here has. */
async function createHotClass(kube: KubeClient): Promise<void> {
  await kube.storageClasses.create({
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "directpv-hot" },
    provisioner: "directpv-min-io",
    parameters: { "csi.storage.k8s.io/fstype": "xfs", [LABELS.accessTier]: "Hot" },
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  });
}

/** Waits until both classes have a CSIStorageCapacity per node with the drives' free bytes. */
async function waitForCapacities(kube: KubeClient, free: Map<string, number>): Promise<void> {
  await waitFor(async () => {
    const main = await capacityByNode(kube, "directpv-min-io");
    const hot = await capacityByNode(kube, "directpv-hot");
    const current = [SMALL, BIG].every((n) =>
      main.get(n)?.capacity === free.get(n) && hot.get(n)?.capacity === 0
    );
    return current || undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, description: "CSIStorageCapacity for both nodes" });
}

function describe(figures: RunFigures): string {
  const caps = [...figures.capacity].map(([n, c]) =>
    `${n}=${Math.round(c.capacity / MiB)}MiB(max ${Math.round(c.maximum / MiB)}MiB)`
  );
  return `${figures.bound ? `bound on ${figures.node}` : "NOT bound"} after ${figures.ms} ms, ` +
    `${figures.failures} CreateVolume failure(s); CSIStorageCapacity: ${
      caps.length > 0 ? caps.join(", ") : "none"
    }`;
}

Deno.test({
  name: "capacity: the scheduler skips the node without room only with capacity tracking",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    let off: RunFigures | undefined;
    let on: RunFigures | undefined;
    await t.step("capacity tracking off: the scheduler picks the small node", async () => {
      off = await runWorkload({ capacityTracking: false, budgetMs: OFF_BUDGET_MS });
      console.log(`[capacity] off: ${describe(off)}`);
      assert.equal(off.capacity.size, 0, "no CSIStorageCapacity without capacity tracking");
      assert.ok(off.failures >= 1, "the small node was tried and CreateVolume failed");
    });
    await t.step("capacity tracking on: bound on the big node at the first attempt", async () => {
      on = await runWorkload({ capacityTracking: true, budgetMs: 120_000 });
      console.log(`[capacity] on:  ${describe(on)}`);
      assert.ok(on.bound, "the claim is Bound");
      assert.equal(on.node, BIG, "the pod is on the node with room");
      assert.equal(on.failures, 0, "CreateVolume never failed");
      const small = on.capacity.get(SMALL);
      assert.ok(small && small.capacity < parseBytes(CLAIM_SIZE), "small node published as small");
      assert.ok((on.capacity.get(BIG)?.maximum ?? 0) >= parseBytes(CLAIM_SIZE));
      assert.deepEqual(
        [...on.hotCapacity.values()].map((c) => c.capacity),
        [0, 0],
        "a class asking for the Hot tier gets no capacity on drives without it",
      );
    });
    if (off && on) {
      console.log(
        `[capacity] CreateVolume failures off/on: ${off.failures}/${on.failures}; ` +
          `time to Bound off/on: ${off.bound ? `${off.ms} ms` : `>${OFF_BUDGET_MS} ms`}/` +
          `${on.ms} ms`,
      );
    }
  },
});
