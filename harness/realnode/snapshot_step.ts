/**
 * The snapshot step of the real-node scenario: VolumeSnapshots through the snapshot controller
 * `install` adds to a cluster without one, on real pods.
 */
import assert from "node:assert/strict";
import { applyObjects, type RealEnv, type RealNode, waitPod } from "../node/mod.ts";
import { deleteQuietly, getJson, waitUntil, writerData, writerPodWithClaim } from "./workloads.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** What the step needs of the scenario: web-0's claim `data-web-0` and its checksum. */
export interface SnapshotScenario {
  env: RealEnv;
  node: RealNode;
  sums: Record<string, string>;
}

function say(msg: string): void {
  console.error(`[realnode] ${msg}`);
}

const SNAPSHOT_API = "snapshot.storage.k8s.io/v1";

/**
 * A VolumeSnapshot of web-0's claim, taken by the snapshot controller install added and our
 * csi-snapshotter sidecar, restored into a new claim whose pod reads web-0's checksum; then
 * the restored claim and the snapshot are deleted and their space goes back to the drive.
 */
export async function snapshotStep(s: SnapshotScenario): Promise<void> {
  const { env, node } = s;
  await applyObjects(env.cluster, {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshotClass",
    metadata: { name: "directpv" },
    driver: "directpv-min-io",
    deletionPolicy: "Delete",
  }, {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshot",
    metadata: { name: "web-0-snap", namespace: "default" },
    spec: {
      volumeSnapshotClassName: "directpv",
      source: { persistentVolumeClaimName: "data-web-0" },
    },
  });
  const start = performance.now();
  await waitUntil(
    "VolumeSnapshot web-0-snap to be ready to use",
    () => getJson(env, ["volumesnapshot", "web-0-snap", "--namespace=default"]),
    (vs) => vs.status?.readyToUse === true,
  );
  say(`VolumeSnapshot created to ready to use: ${Math.round(performance.now() - start)} ms`);
  const [claim, pod] = writerPodWithClaim(env, { name: "restored", size: "64Mi" }) as [
    Json,
    Json,
  ];
  claim.spec.dataSource = {
    apiGroup: "snapshot.storage.k8s.io",
    kind: "VolumeSnapshot",
    name: "web-0-snap",
  };
  await applyObjects(env.cluster, claim, pod);
  const restored = await waitPod(env.cluster, "default", "restored", {
    ready: true,
    timeoutMs: 180_000,
  });
  const data = await writerData(node, restored);
  assert.equal(data.recorded, s.sums["web-0"], "the restored claim holds web-0's file");
  assert.equal(data.actual, s.sums["web-0"], "byte for byte");
  await deleteQuietly(env, "pod", ["restored"]);
  await waitUntil(
    "pod restored to be gone",
    () => getJson(env, ["pods"]),
    (l) => !l.items.some((p: Json) => p.metadata.name === "restored"),
  );
  await deleteQuietly(env, "pvc", ["restored"]);
  await deleteQuietly(env, "volumesnapshot", ["web-0-snap"]);
  await waitUntil(
    "the snapshot's content and our snapshot object to be gone",
    async () => ({
      contents: (await getJson(env, ["volumesnapshotcontents"])).items.length,
      ours: (await getJson(env, ["directpvsnapshots"])).items.length,
    }),
    (n) => n.contents === 0 && n.ours === 0,
  );
}
