/**
 * Node loss with the real kube-scheduler and StatefulSet controller: a StatefulSet pod and its
 * volume land on one node; the node then dies (its node server stops, the Node goes NotReady
 * and is cordoned, as the node lifecycle controller would taint it). `remove-node` refuses
 * while the node server is alive, leaves everything as it was in a dry run, and then retires
 * the node: the StatefulSet recreates its claim and pod, which land on the other node with a
 * new volume. The scenario prints the placement before and after.
 */
import assert from "node:assert/strict";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { isLeaseCurrent, LABELS, NAMESPACE, nodeLeaseName } from "../../lib/types/mod.ts";
import { testGate, waitFor } from "../lib/mod.ts";
import { cli, type EnvState, startEnv, stopEnv, stopRecorded } from "../sandbox/env.ts";
import {
  boundClaim,
  reportNodeStatus,
  scheduledNode,
  SCHEDULER_SCENARIO_NEEDS,
} from "../sandbox/scheduling.ts";

const gate = await testGate("node loss scenario", SCHEDULER_SCENARIO_NEEDS);

const LOST = "loss-a";
const SURVIVOR = "loss-b";
const CLAIM = "data-web-0";

function statefulSets(kube: KubeClient) {
  return kube.resource("apps/v1", "StatefulSet", { plural: "statefulsets", namespaced: true });
}

function leases(kube: KubeClient) {
  return kube.resource("coordination.k8s.io/v1", "Lease", { plural: "leases", namespaced: true });
}

async function createStatefulSet(kube: KubeClient): Promise<void> {
  await statefulSets(kube).create({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 1,
      serviceName: "web",
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{
            name: "app",
            image: "example.invalid/app:1",
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          }],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "directpv-min-io",
          resources: { requests: { storage: "256Mi" } },
        },
      }],
    },
  }, { namespace: "default" });
}

/** Where the StatefulSet's pod and volume are. */
async function placement(kube: KubeClient): Promise<{ node: string; pv: string; drive: string }> {
  const claim = await boundClaim(kube, CLAIM, { timeoutMs: 120_000 });
  assert.ok(claim, `PVC "${CLAIM}" is Bound`);
  const node = await scheduledNode(kube, "web-0", { timeoutMs: 60_000 });
  const pv = String(claim.spec.volumeName);
  const volume = await kube.volumes.get(pv);
  return { node, pv, drive: volume.metadata.labels?.[LABELS.node] ?? "" };
}

/** Everything remove-node could touch, except what live processes keep rewriting. */
async function dump(kube: KubeClient): Promise<string> {
  const ownLease = await leases(kube).get(nodeLeaseName(LOST), { namespace: NAMESPACE })
    .catch(() => undefined);
  return JSON.stringify([
    await kube.drives.listAll(),
    await kube.volumes.listAll(),
    await kube.nodes.listAll(),
    await kube.persistentVolumes.listAll(),
    await kube.persistentVolumeClaims.listAll({ namespace: "default" }),
    await kube.pods.listAll({ namespace: "default" }),
    ownLease,
  ]);
}

/** The lost node: node server and node controller stopped, Node NotReady and cordoned. */
async function loseNode(env: EnvState, kube: KubeClient): Promise<void> {
  await stopRecorded(env, `node-server-${LOST}`);
  await stopRecorded(env, `node-controller-${LOST}`);
  await reportNodeStatus(kube, LOST, { ready: false });
  await kube.coreNodes.patch(LOST, { spec: { unschedulable: true } });
  await kube.coreNodes.patch(SURVIVOR, { spec: { unschedulable: false } });
}

async function waitLeaseExpired(kube: KubeClient): Promise<number> {
  const start = performance.now();
  await waitFor(async () => {
    const lease = await leases(kube).get(nodeLeaseName(LOST), { namespace: NAMESPACE });
    return !isLeaseCurrent(lease, new Date()) || undefined;
  }, { timeoutMs: 90_000, intervalMs: 1000, description: "the lost node's lease to expire" });
  return Math.round(performance.now() - start);
}

Deno.test({
  name: "node loss: remove-node lets a StatefulSet pod come back on another node",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-node-loss-" });
    try {
      const { env, kube } = await startEnv({
        dir,
        workloads: true,
        nodes: [
          { name: LOST, drives: [{ name: "d1", size: "1GiB" }] },
          { name: SURVIVOR, drives: [{ name: "d1", size: "1GiB" }] },
        ],
      });
      await cli(env, ["discover", "--quiet", "--output-file", `${dir}/drives.yaml`]);
      await cli(env, ["init", "--quiet", "--dangerous", `${dir}/drives.yaml`]);
      await reportNodeStatus(kube, LOST, { ready: true });
      await reportNodeStatus(kube, SURVIVOR, { ready: true });
      await kube.coreNodes.patch(SURVIVOR, { spec: { unschedulable: true } });
      await createStatefulSet(kube);
      const before = await placement(kube);
      console.log(`[node-loss] before: web-0 on ${before.node}, volume ${before.pv}`);
      assert.equal(before.node, LOST);

      const alive = await cli(env, ["remove-node", LOST, "--dangerous"], { allowFailure: true });
      console.log(`[node-loss] while alive: exit ${alive.code}: ${alive.stderr.trim()}`);
      assert.equal(alive.code, 1);
      assert.match(alive.stderr, new RegExp(`Refusing to remove node "${LOST}"`));

      await loseNode(env, kube);
      console.log(`[node-loss] lease expired ${await waitLeaseExpired(kube)} ms after the stop`);
      const unknown = await cli(env, ["remove-node", "no-such-node", "--dangerous"], {
        allowFailure: true,
      });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /Node "no-such-node" is unknown to DirectPV/);
      const usage = await cli(env, ["remove-node", LOST], { allowFailure: true });
      assert.equal(usage.code, 2, "--dangerous is required");

      const snapshot = await dump(kube);
      const dry = await cli(env, ["remove-node", LOST, "--delete-pvcs", "--dry-run"]);
      assert.match(dry.stderr, /removed \(dry run\): 1 drive\(s\), 1 volume\(s\), 1 PV\(s\)/);
      assert.equal(await dump(kube), snapshot, "the dry run left every object as it was");

      const start = performance.now();
      const done = await cli(env, ["remove-node", LOST, "--delete-pvcs", "--dangerous"]);
      console.log(`[node-loss] ${done.stderr.trim().split("\n").at(-1)}`);
      const after = await waitFor(async () => {
        const p = await placement(kube).catch(() => undefined);
        return p && p.pv !== before.pv ? p : undefined;
      }, { timeoutMs: 120_000, intervalMs: 500, description: "web-0 back with a new volume" });
      const ms = Math.round(performance.now() - start);
      console.log(
        `[node-loss] after: web-0 on ${after.node}, volume ${after.pv} (was ${before.pv} on ` +
          `${before.node}), ${ms} ms after remove-node`,
      );
      assert.equal(after.node, SURVIVOR);
      assert.equal(after.drive, SURVIVOR, "its new volume is on the survivor's drive");
      const left = await kube.drives.listAll();
      assert.deepEqual(
        left.map((d) => d.metadata.labels?.[LABELS.node]),
        [SURVIVOR],
        "no drive of the lost node is left",
      );
      assert.ok(
        !(await kube.nodes.listAll()).some((n: AnyObject) => n.metadata.name === LOST),
        "its DirectPVNode is gone",
      );
    } finally {
      const problems = await stopEnv(dir);
      assert.deepEqual(problems, [], "the environment stopped cleanly");
    }
  },
});
