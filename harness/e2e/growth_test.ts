/**
 * Drive growth on a real loop device: the backing file is made bigger and the loop device
 * told (`losetup -c`); the node server's health check grows the drive's XFS, the drive's
 * capacity follows in `list drives`, and csi-provisioner publishes the new free space in the
 * node's CSIStorageCapacity. The scenario prints the figures before and after.
 */
import assert from "node:assert/strict";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { type DirectPVDrive, LABELS, parseBytes } from "../../lib/types/mod.ts";
import { run, testGate, waitFor } from "../lib/mod.ts";
import { cli, SANDBOX_CAPACITY_POLL, startEnv, stopEnv } from "../sandbox/env.ts";

const gate = await testGate("drive growth scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl", "truncate", "xfs_growfs"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "csi-provisioner", "csi-resizer"],
});

const MiB = 2 ** 20;
const NODE = "grow-node";

async function nodeCapacity(kube: KubeClient): Promise<number | undefined> {
  const items = await kube.resource("storage.k8s.io/v1", "CSIStorageCapacity", {
    plural: "csistoragecapacities",
    namespaced: true,
  }).listAll({ namespace: "directpv" });
  const mine = items.find((i: AnyObject) =>
    i.storageClassName === "directpv-min-io" && i.nodeTopology?.matchLabels?.[LABELS.node] === NODE
  );
  return mine ? parseBytes(String(mine.capacity ?? "0")) : undefined;
}

/** `list drives -o json` for the node, as the user sees it. */
async function listedDrive(env: { kubeconfig: string }): Promise<DirectPVDrive> {
  const out = await cli(env, ["list", "drives", "--nodes", NODE, "-o", "json"]);
  const parsed = JSON.parse(out.stdout) as { items?: DirectPVDrive[] } | DirectPVDrive[];
  const items = Array.isArray(parsed) ? parsed : parsed.items ?? [];
  assert.equal(items.length, 1, "one drive listed");
  return items[0] as DirectPVDrive;
}

Deno.test({
  name: "growth: a grown loop device grows its drive in list drives and CSIStorageCapacity",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-growth-" });
    try {
      const { env, kube } = await startEnv({
        dir,
        nodes: [{ name: NODE, drives: [{ name: "d1", size: "512MiB" }] }],
        nodeServerArgs: ["--health-interval=2"],
      });
      const loop = env.nodes[0]?.drives[0];
      assert.ok(loop);
      await cli(env, ["discover", "--quiet", "--output-file", `${dir}/drives.yaml`]);
      await cli(env, ["init", "--quiet", "--dangerous", `${dir}/drives.yaml`]);
      const before = await waitFor(async () => {
        const [drive] = await kube.drives.listAll();
        const cap = await nodeCapacity(kube);
        return drive && cap === drive.status.freeCapacity ? { drive, cap } : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500, description: "the drive and its capacity object" });
      const listedBefore = await listedDrive(env);
      console.log(
        `[growth] before: device ${loop.device} ${loop.size / MiB} MiB, drive total ` +
          `${before.drive.status.totalCapacity / MiB} MiB, CSIStorageCapacity ${
            before.cap / MiB
          } MiB`,
      );
      const start = performance.now();
      await run("truncate", ["-s", "1GiB", loop.backingFile]);
      await run("losetup", ["-c", loop.device]);
      const grown = await waitFor(async () => {
        const d = await kube.drives.get(before.drive.metadata.name ?? "");
        return d.status.totalCapacity >= 1000 * MiB ? d : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500, description: "the drive to grow" });
      const driveMs = Math.round(performance.now() - start);
      const cap = await waitFor(async () => {
        const c = await nodeCapacity(kube);
        return c !== undefined && c === grown.status.freeCapacity ? c : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500, description: "CSIStorageCapacity to follow" });
      const capMs = Math.round(performance.now() - start);
      const listed = await listedDrive(env);
      console.log(
        `[growth] after: device 1024 MiB, drive total ${grown.status.totalCapacity / MiB} MiB ` +
          `(free ${grown.status.freeCapacity / MiB} MiB) after ${driveMs} ms, ` +
          `CSIStorageCapacity ${cap / MiB} MiB after ${capMs} ms (poll ${SANDBOX_CAPACITY_POLL})`,
      );
      assert.equal(listedBefore.status.totalCapacity, before.drive.status.totalCapacity);
      assert.equal(listed.status.totalCapacity, grown.status.totalCapacity, "list drives shows it");
      assert.ok(grown.status.totalCapacity > before.drive.status.totalCapacity);
      assert.equal(grown.status.status, "Ready");
      const events = await kube.events.listAll({ namespace: "default" });
      assert.ok(
        events.some((e) => e.reason === "DriveGrown"),
        "a DriveGrown event says what happened",
      );
      const df = await run("df", ["-B1", "--output=size", loop.device]);
      const fsBytes = Number(df.stdout.trim().split("\n").pop());
      assert.ok(fsBytes > 900 * MiB, `the mounted XFS itself grew (df says ${fsBytes})`);
    } finally {
      const problems = await stopEnv(dir);
      assert.deepEqual(problems, [], "the environment stopped cleanly");
    }
  },
});
