/**
 * The raw block step of the real-node scenario: a `volumeMode: Block` claim through the real
 * csi-provisioner and kubelet, written with dd in one pod and read back by checksum in the
 * next, then expanded while in use until the pod's device grows; deleting it frees its space.
 */
import assert from "node:assert/strict";
import { applyObjects, execInContainer, shellPod, waitPod } from "../node/mod.ts";
import type { SnapshotScenario } from "./snapshot_step.ts";
import { deleteQuietly, getJson, mustGetPod, STORAGE_CLASS, waitUntil } from "./workloads.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CLAIM = "raw";
const DEVICE = "/dev/raw";
const MiB = 1024 * 1024;

function say(msg: string): void {
  console.error(`[realnode] ${msg}`);
}

function blockClaim(size: string): Json {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: CLAIM, namespace: "default" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      volumeMode: "Block",
      storageClassName: STORAGE_CLASS,
      resources: { requests: { storage: size } },
    },
  };
}

/** A pod with the claim as the raw device {@link DEVICE}; Ready once the device is there. */
function blockPod(s: SnapshotScenario, name: string): Json {
  const pod = shellPod(s.env, {
    name,
    script: "exec sleep 86400",
    container: {
      volumeDevices: [{ name: "data", devicePath: DEVICE }],
      readinessProbe: { exec: { command: ["test", "-b", DEVICE] }, periodSeconds: 1 },
    },
  }) as Json;
  pod.spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName: CLAIM } }];
  return pod;
}

async function sh(s: SnapshotScenario, pod: string, script: string): Promise<string> {
  const object = await mustGetPod(s.env, pod);
  return (await execInContainer(s.node, object, "main", ["sh", "-c", script])).trim();
}

/** The checksum of the device's first MiB, read with direct I/O past any page cache. */
const READ_SUM = `dd if=${DEVICE} bs=1048576 count=1 iflag=direct 2>/dev/null | sha256sum`;

async function startPod(s: SnapshotScenario, name: string): Promise<void> {
  await applyObjects(s.env.cluster, blockPod(s, name));
  const pod = await waitPod(s.env.cluster, "default", name, { ready: true, timeoutMs: 180_000 });
  assert.equal(pod.spec?.nodeName, s.node.name);
}

async function stopPod(s: SnapshotScenario, name: string): Promise<void> {
  await deleteQuietly(s.env, "pod", [name]);
  await waitUntil(
    `pod ${name} to be gone`,
    () => getJson(s.env, ["pods"]),
    (l) => !l.items.some((p: Json) => p.metadata.name === name),
  );
}

export async function blockStep(s: SnapshotScenario): Promise<void> {
  const start = performance.now();
  await applyObjects(s.env.cluster, blockClaim("64Mi"));
  await startPod(s, "raw-writer");
  say(`block claim created to its pod Ready: ${Math.round(performance.now() - start)} ms`);
  const written = await sh(
    s,
    "raw-writer",
    `head -c 1048576 /dev/urandom >/tmp/data && ` +
      `dd if=/tmp/data of=${DEVICE} bs=1048576 count=1 oflag=direct conv=fsync 2>/dev/null && ` +
      `sha256sum </tmp/data`,
  );
  assert.equal(await sh(s, "raw-writer", `blockdev --getsize64 ${DEVICE}`), String(64 * MiB));
  await stopPod(s, "raw-writer");
  await startPod(s, "raw-reader");
  assert.equal(await sh(s, "raw-reader", READ_SUM), written, "a new pod reads what was written");

  await s.env.cluster.kubectl([
    "patch",
    "pvc",
    CLAIM,
    "--namespace=default",
    "--type=merge",
    `--patch={"spec":{"resources":{"requests":{"storage":"128Mi"}}}}`,
  ]);
  await waitUntil(
    "the device in the pod to grow to 128 MiB",
    () => sh(s, "raw-reader", `blockdev --getsize64 ${DEVICE}`),
    (size) => size === String(128 * MiB),
  );
  assert.equal(await sh(s, "raw-reader", READ_SUM), written, "expansion keeps the data");
  await stopPod(s, "raw-reader");
  await deleteQuietly(s.env, "pvc", [CLAIM]);
  await waitUntil(
    "the block claim's PV and DirectPVVolume to be deleted",
    async () => ({
      pvs:
        (await getJson(s.env, ["pv"])).items.filter((pv: Json) => pv.spec?.claimRef?.name === CLAIM)
          .length,
      volumes: (await getJson(s.env, ["directpvvolumes"])).items.length,
    }),
    // Only the StatefulSet's two volumes stay.
    (n) => n.pvs === 0 && n.volumes === 2,
  );
}
