/**
 * Drive health with a real fault: two loop drives whose backing files are served by
 * directpv-faultfs, a volume on each, the node server checking every 2 s. Reads of one
 * drive's backing file are made to fail with EIO: that drive turns Error with IOError, gets a
 * DriveHasIOError event, its metrics show it unhealthy and its volume's VolumeCondition is
 * abnormal, while the other drive and volume stay healthy. Once reads work again the drive is
 * Ready and healthy everywhere.
 *
 * It brings up its own environment (control plane, one node, sidecars) in a temp dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { type DirectPVDrive, LABELS } from "../../lib/types/mod.ts";
import { NodeGetVolumeStatsRequest } from "../../proto/mod.ts";
import { type FaultFs, startFaultFs } from "../faultfs/mod.ts";
import { connectCsi, unary, volumePaths } from "../kubelet/mod.ts";
import { removePath, run, testGate, waitFor } from "../lib/mod.ts";
import { cli, type EnvState, type SimNode, startEnv, stopEnv } from "../sandbox/env.ts";
import { createPod, mountForPod, provisionClaim } from "../sandbox/workload.ts";

const gate = await testGate("drive health scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl", "blockdev"],
  tools: [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "csi-provisioner",
    "csi-resizer",
    "directpv-faultfs",
  ],
});

/** Seconds between health checks of the node server. */
const INTERVAL_S = 2;
/** A change must show within this long: a few health intervals plus a watch round trip. */
const WITHIN_MS = 5 * INTERVAL_S * 1000;

interface Placed {
  drive: DirectPVDrive;
  pv: AnyObject;
  pod: AnyObject;
}

async function metricsOf(env: EnvState, node: SimNode): Promise<string> {
  const proc = env.processes.find((p) => p.name === `node-server-${node.name}`);
  assert.ok(proc, "the node server runs");
  const args = (await Deno.readTextFile(`/proc/${proc.pid}/cmdline`)).split("\0");
  const port = args[args.indexOf("--metrics-port") + 1];
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return await res.text();
}

function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${metric}{`)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

async function volumeCondition(node: SimNode, placed: Placed) {
  const handle: string = placed.pv.spec.csi.volumeHandle;
  const paths = await volumePaths(
    node.kubeletDir,
    handle,
    placed.pod.metadata.uid ?? "",
    placed.pv.metadata.name ?? "",
  );
  const csi = connectCsi(`unix://${node.endpoint}`);
  try {
    const res = await unary(
      "NodeGetVolumeStats",
      csi.node.nodeGetVolumeStats.bind(csi.node),
      NodeGetVolumeStatsRequest.fromPartial({ volumeId: handle, volumePath: paths.target }),
    );
    return res.volumeCondition;
  } finally {
    csi.close();
  }
}

async function eventsOf(kube: KubeClient, drive: string): Promise<string[]> {
  const events = await kube.events.listAll({
    namespace: "default",
    fieldSelector: `involvedObject.name=${drive}`,
  });
  return events.map((e) => `${e.reason}: ${e.message}`);
}

async function placeVolumes(kube: KubeClient, node: SimNode): Promise<Placed[]> {
  const placed: Placed[] = [];
  for (const name of ["first", "second"]) {
    const { pv } = await provisionClaim(kube, { name, size: "64Mi", node: node.name });
    const pod = await createPod(kube, { name, node: node.name, claim: name });
    await mountForPod(node, pv, pod);
    const volume = await kube.volumes.get(pv.metadata.name ?? "");
    const drive = await kube.drives.get(volume.status.fsuuid);
    placed.push({ drive, pv, pod });
  }
  return placed;
}

function until<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  return waitFor(probe, { timeoutMs: WITHIN_MS, intervalMs: 200, description: what });
}

async function expectHealthy(env: EnvState, node: SimNode, kube: KubeClient, p: Placed) {
  const id = p.drive.metadata.name ?? "";
  const drive = await kube.drives.get(id);
  assert.equal(drive.status.status, "Ready");
  assert.equal(drive.status.conditions, undefined);
  const metrics = await metricsOf(env, node);
  assert.equal(sample(metrics, "directpv_drive_healthy", { drive: id }), 1, metrics);
  assert.equal(sample(metrics, "directpv_drive_status", { drive: id, status: "Ready" }), 1);
  assert.equal(sample(metrics, "directpv_drive_condition", { drive: id }), undefined);
  assert.deepEqual(await volumeCondition(node, p), {
    abnormal: false,
    message: "volume is healthy",
  });
}

Deno.test({
  name: "health: a drive whose device fails turns Error everywhere and Ready again",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-health-" });
    let faults: FaultFs | undefined;
    try {
      faults = await startFaultFs(join(dir, "faultfs"));
      const { env, kube } = await startEnv({
        dir: join(dir, "env"),
        nodes: [{
          name: "health-node",
          drives: [{ name: "d1", size: "512MiB" }, { name: "d2", size: "512MiB" }],
          loopDir: faults.mountPoint,
        }],
        nodeServerArgs: [`--health-interval=${INTERVAL_S}`],
      });
      const node = env.nodes[0] as SimNode;
      const drivesYaml = join(dir, "drives.yaml");
      await cli(env, ["discover", "--quiet", "--output-file", drivesYaml]);
      await cli(env, ["init", "--quiet", "--dangerous", drivesYaml]);
      const placed = await placeVolumes(kube, node);
      const [bad, good] = placed as [Placed, Placed];
      assert.notEqual(bad.drive.metadata.name, good.drive.metadata.name, "one volume per drive");
      const badId = bad.drive.metadata.name ?? "";
      const badDevice = node.drives.find((d) =>
        d.device.endsWith(`/${bad.drive.metadata.labels?.[LABELS.driveName]}`)
      );
      assert.ok(badDevice, "the loop device of the failing drive");
      const badFile = badDevice.backingFile.slice(faults.mountPoint.length + 1);

      await t.step("both drives and volumes start healthy", async () => {
        for (const p of placed) await expectHealthy(env, node, kube, p);
      });

      await t.step("reads failing on one device turn its drive Error", async () => {
        await faults?.fail(badFile, "read");
        // Drop the device's cached pages so the node's superblock scan reads the media.
        await run("blockdev", ["--flushbufs", badDevice.device]);
        const started = Date.now();
        const drive = await until("the drive to be Error", async () => {
          const d = await kube.drives.get(badId);
          return d.status.status === "Error" ? d : undefined;
        });
        console.error(`[health] Error after ${Date.now() - started} ms`);
        assert.deepEqual(drive.status.conditions?.map((c) => [c.type, c.reason, c.message]), [
          ["IOError", "DriveHasIOError", "Drive has I/O error"],
        ]);
        const events = await until("the DriveHasIOError event", async () => {
          const all = await eventsOf(kube, badId);
          return all.some((e) => e.startsWith("DriveHasIOError")) ? all : undefined;
        });
        assert.ok(events.some((e) => /Input\/output error/.test(e)), events.join("\n"));
        const metrics = await metricsOf(env, node);
        assert.equal(sample(metrics, "directpv_drive_healthy", { drive: badId }), 0, metrics);
        assert.equal(
          sample(metrics, "directpv_drive_status", { drive: badId, status: "Error" }),
          1,
        );
        assert.equal(
          sample(metrics, "directpv_drive_condition", { drive: badId, type: "IOError" }),
          1,
        );
        const condition = await volumeCondition(node, bad);
        assert.ok(condition?.abnormal, "the volume is abnormal");
        assert.match(condition?.message ?? "", new RegExp(`drive ${badId} .* is Error`));
        await expectHealthy(env, node, kube, good);
      });

      await t.step("reads working again make the drive Ready and healthy", async () => {
        await faults?.heal();
        const started = Date.now();
        await until(
          "the drive to be Ready",
          async () => (await kube.drives.get(badId)).status.status === "Ready",
        );
        console.error(`[health] Ready after ${Date.now() - started} ms`);
        await until(
          "the DriveRecovered event",
          async () => (await eventsOf(kube, badId)).some((e) => e.startsWith("DriveRecovered")),
        );
        for (const p of placed) await expectHealthy(env, node, kube, p);
      });
    } finally {
      await faults?.heal().catch(() => {});
      const problems = await stopEnv(join(dir, "env"));
      await faults?.stop();
      await removePath(dir);
      assert.deepEqual(problems, []);
    }
  },
});
