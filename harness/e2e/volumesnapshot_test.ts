/**
 * Snapshots the Kubernetes way, with the real sidecars as host processes: csi-provisioner
 * (clones and restores from a PVC's dataSource), snapshot-controller and csi-snapshotter (a
 * VolumeSnapshot of a PVC becomes our CreateSnapshot), with the VolumeSnapshot CRDs and the
 * snapshot controller's RBAC that `install` adds to a cluster without them. A PVC cloned from a written
 * PVC and a PVC restored from a VolumeSnapshot hold the source's files as they were, while the
 * source keeps changing.
 *
 * It brings up its own environment (control plane, one node with a loop drive) in a temp dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { cli, saveState, type SimNode, startEnv, stopEnv } from "../sandbox/env.ts";
import { writeServiceAccountKubeconfig } from "../sandbox/service_account.ts";
import { claimObject, createPod, mountForPod, provisionClaim } from "../sandbox/workload.ts";
import { spawnDaemon, testGate, toolsBinDir, waitFor } from "../lib/mod.ts";

const gate = await testGate("VolumeSnapshot scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl", "cp"],
  tools: [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "csi-provisioner",
    "csi-snapshotter",
    "snapshot-controller",
  ],
});

const SNAPSHOT_API = "snapshot.storage.k8s.io/v1";
const NS = { namespace: "default" };

async function digestTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const bytes = await Deno.readFile(join(dir, entry.name));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    out[entry.name] = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return out;
}

/** The VolumeSnapshot CRDs `install` added to this cluster, which has none of its own. */
async function waitForSnapshotCrds(kube: KubeClient): Promise<void> {
  await waitFor(async () => {
    const crds = await kube.customResourceDefinitions.listAll();
    const ours = crds.filter((c) => c.spec?.group === "snapshot.storage.k8s.io");
    return ours.length === 3 &&
        ours.every((c) =>
          (c.status?.conditions ?? []).some((x: AnyObject) =>
            x.type === "Established" && x.status === "True"
          )
        ) || undefined;
  }, { timeoutMs: 60_000, description: "the VolumeSnapshot CRDs to be established" });
}

/** A claim with a dataSource, its node selected like the scheduler does; waits until Bound. */
async function claimFrom(
  kube: KubeClient,
  name: string,
  node: string,
  dataSource: { apiGroup?: string; kind: string; name: string },
): Promise<AnyObject> {
  const claim = claimObject({ name, size: "64Mi" }, { "volume.kubernetes.io/selected-node": node });
  claim.spec.dataSource = dataSource;
  await kube.persistentVolumeClaims.create(claim, NS);
  const bound = await waitFor(async () => {
    const c = await kube.persistentVolumeClaims.get(name, NS);
    return c.status?.phase === "Bound" ? c : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500, description: `PVC "${name}" to be Bound` });
  return await kube.persistentVolumes.get(bound.spec.volumeName);
}

async function mountedTree(
  kube: KubeClient,
  node: SimNode,
  pv: AnyObject,
  claim: string,
): Promise<Record<string, string>> {
  const pod = await createPod(kube, { name: `reader-${claim}`, node: node.name, claim });
  return await digestTree((await mountForPod(node, pv, pod)).target);
}

Deno.test({
  name: "VolumeSnapshot: csi-snapshotter and csi-provisioner clone and restore through our driver",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-volumesnapshot-" });
    try {
      const { env, kube, cluster } = await startEnv({
        dir,
        nodes: [{ name: "vs-node", drives: [{ name: "d1", size: "1GiB" }] }],
        // The driver and csi-snapshotter under our ServiceAccount and RBAC, like a real install.
        serviceAccount: true,
      });
      const node = env.nodes[0] as SimNode;
      const drivesYaml = join(dir, "drives.yaml");
      await cli(env, ["discover", "--quiet", "--output-file", drivesYaml]);
      await cli(env, ["init", "--quiet", "--dangerous", drivesYaml]);
      await waitForSnapshotCrds(kube);
      const bin = await toolsBinDir();
      // The snapshot controller runs as the ServiceAccount install made for it, under the
      // RBAC install applied: a permission it lacks fails this scenario.
      const controllerKubeconfig = await writeServiceAccountKubeconfig(
        env.kubeconfig,
        join(cluster.binDir, "kubectl"),
        dir,
        "snapshot-controller",
      );
      for (
        const [name, args] of [
          ["snapshot-controller", ["--kubeconfig", controllerKubeconfig, "--v=3"]],
          [
            "csi-snapshotter",
            [
              "--kubeconfig",
              env.driverKubeconfig ?? env.kubeconfig,
              "--v=3",
              "--csi-address",
              env.controllerEndpoint,
            ],
          ],
        ] as const
      ) {
        env.processes.push(
          await spawnDaemon({
            name,
            command: join(bin, name),
            args: [...args],
            logFile: join(dir, "logs", `${name}.log`),
          }),
        );
        await saveState(env);
      }
      const classes = kube.resource(SNAPSHOT_API, "VolumeSnapshotClass", {
        plural: "volumesnapshotclasses",
        namespaced: false,
      });
      await classes.create({
        apiVersion: SNAPSHOT_API,
        kind: "VolumeSnapshotClass",
        metadata: { name: "directpv" },
        driver: "directpv-min-io",
        deletionPolicy: "Delete",
      });
      const snapshots = kube.resource(SNAPSHOT_API, "VolumeSnapshot", {
        plural: "volumesnapshots",
        namespaced: true,
      });

      const { pv } = await provisionClaim(kube, { name: "src", size: "64Mi", node: node.name });
      const pod = await createPod(kube, { name: "writer", node: node.name, claim: "src" });
      const source = (await mountForPod(node, pv, pod)).target;
      await Deno.writeTextFile(join(source, "a.txt"), "first\n");
      await Deno.writeFile(join(source, "b.bin"), crypto.getRandomValues(new Uint8Array(65536)));
      const atClone = await digestTree(source);
      let atSnapshot: Record<string, string> = {};

      await t.step("a PVC cloned from the source holds it as it was", async () => {
        const clone = await claimFrom(kube, "clone", node.name, {
          kind: "PersistentVolumeClaim",
          name: "src",
        });
        await Deno.writeTextFile(join(source, "a.txt"), "second\n");
        atSnapshot = await digestTree(source);
        assert.deepEqual(await mountedTree(kube, node, clone, "clone"), atClone);
      });

      await t.step("a VolumeSnapshot becomes ready through csi-snapshotter", async () => {
        await snapshots.create({
          apiVersion: SNAPSHOT_API,
          kind: "VolumeSnapshot",
          metadata: { name: "snap", namespace: "default" },
          spec: {
            volumeSnapshotClassName: "directpv",
            source: { persistentVolumeClaimName: "src" },
          },
        }, NS);
        const ready = await waitFor(async () => {
          const s = await snapshots.get("snap", NS);
          return s.status?.readyToUse === true ? s : undefined;
        }, { timeoutMs: 120_000, intervalMs: 500, description: "the VolumeSnapshot to be ready" });
        const handle = ready.status?.boundVolumeSnapshotContentName;
        assert.ok(handle, "bound to a VolumeSnapshotContent");
        assert.equal((await kube.snapshots.listAll()).length, 1, "one DirectPVSnapshot");
        await Deno.writeTextFile(join(source, "a.txt"), "third\n");
      });

      await t.step(
        "a PVC restored from the VolumeSnapshot holds the source as snapshotted",
        async () => {
          const restored = await claimFrom(kube, "restored", node.name, {
            apiGroup: "snapshot.storage.k8s.io",
            kind: "VolumeSnapshot",
            name: "snap",
          });
          assert.deepEqual(await mountedTree(kube, node, restored, "restored"), atSnapshot);
        },
      );
    } finally {
      await stopEnv(dir);
    }
  },
});
