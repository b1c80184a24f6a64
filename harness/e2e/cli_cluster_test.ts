/**
 * The real CLI against the real driver on the local control plane: install, info, discover and
 * init on loop drives, a PVC provisioned and published through the kubelet replay, cordon and
 * uncordon, suspend (the republished volume is the empty read-only tmpfs) and resume, clean
 * of a volume whose PV is gone, remove of an empty drive, uninstall keeping drives and volumes,
 * and a re-install whose node server picks the drives up again.
 *
 * It brings up its own environment (control plane, one node with loop drives) in a temp dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { DirectPVDrive } from "../../lib/types/mod.ts";
import { testGate, waitFor } from "../lib/mod.ts";
import { unmountPodVolume } from "../kubelet/mod.ts";
import { cli, startDriver, startEnv, stopEnv, stopRecorded } from "../sandbox/env.ts";
import { createPod, mountForPod, provisionClaim } from "../sandbox/workload.ts";

const gate = await testGate("CLI cluster scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "csi-provisioner"],
});

Deno.test({
  name: "cli: the real CLI drives the real driver through a drive's and a volume's life",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-cli-cluster-" });
    try {
      const { env, kube } = await startEnv({
        dir,
        nodes: [{
          name: "cli-node",
          drives: [{ name: "d1", size: "1GiB" }, { name: "d2", size: "1GiB" }],
        }],
      });
      const node = env.nodes[0];
      assert.ok(node);
      const run = (...args: string[]) => cli(env, args).then((r) => r.stdout + r.stderr);
      const code = (...args: string[]) =>
        cli(env, args, { allowFailure: true }).then((r) => r.code);
      const drivesYaml = join(dir, "drives.yaml");
      const drives = async () => await kube.drives.listAll() as DirectPVDrive[];

      await t.step("info, discover, init", async () => {
        assert.match(await run("info"), /cli-node/);
        assert.match(await run("discover", "--output-file", drivesYaml), /loop\d+ +│ 1\.0 GiB/);
        assert.match(await run("init", drivesYaml, "--dangerous"), /Success/);
        assert.equal((await drives()).filter((d) => d.status.status === "Ready").length, 2);
      });

      let pvName = "";
      let use: Parameters<typeof unmountPodVolume>[0] | undefined;
      await t.step("a PVC is provisioned and published; list shows it", async () => {
        const { pv } = await provisionClaim(kube, {
          name: "cli-data",
          size: "32Mi",
          node: node.name,
        });
        pvName = pv.metadata.name ?? "";
        const pod = await createPod(kube, { name: "cli-pod", node: node.name, claim: "cli-data" });
        const paths = await mountForPod(node, pv, pod);
        use = { endpoint: `unix://${node.endpoint}`, kubeletDir: node.kubeletDir, pv, pod };
        await Deno.writeTextFile(join(paths.target, "f"), "data");
        assert.match(
          await run("list", "volumes", "--pvc"),
          new RegExp(`${pvName}.*cli-pod.*cli-data`),
        );
      });

      await t.step("cordon and uncordon", async () => {
        const [first] = await drives();
        const id = first?.metadata.name ?? "";
        await run("cordon", id);
        assert.match(await run("list", "drives", id), /SchedulingDisabled/);
        await run("uncordon", id);
        assert.doesNotMatch(await run("list", "drives", id), /SchedulingDisabled/);
      });

      await t.step(
        "suspend serves the volume empty and read-only; resume restores it",
        async () => {
          assert.ok(use);
          assert.equal(await code("suspend", "volumes", pvName), 2, "needs --dangerous");
          await run("suspend", "volumes", pvName, "--dangerous");
          await unmountPodVolume(use);
          const suspended = await mountForPod(node, use.pv, use.pod);
          assert.deepEqual(await Array.fromAsync(Deno.readDir(suspended.target)), []);
          await assert.rejects(Deno.writeTextFile(join(suspended.target, "x"), "x"));
          await unmountPodVolume(use);
          await run("resume", "volumes", pvName);
          const resumed = await mountForPod(node, use.pv, use.pod);
          assert.equal(await Deno.readTextFile(join(resumed.target, "f")), "data");
          await unmountPodVolume(use);
        },
      );

      await t.step("clean removes a volume whose PV is gone", async () => {
        // A PV deleted behind DirectPV's back (reclaim Retain), as after a forced deletion.
        await kube.persistentVolumes.patch(pvName, {
          spec: { persistentVolumeReclaimPolicy: "Retain" },
        });
        await kube.pods.delete("cli-pod", { namespace: "default", gracePeriodSeconds: 0 });
        await kube.persistentVolumeClaims.delete("cli-data", { namespace: "default" });
        await kube.persistentVolumes.patch(pvName, { metadata: { finalizers: null } });
        await kube.persistentVolumes.delete(pvName).catch(() => {});
        await waitFor(
          async () =>
            (await kube.persistentVolumes.get(pvName).then(() => false, () => true)) || undefined,
          { timeoutMs: 30_000, intervalMs: 300, description: "the PV to go" },
        );
        assert.match(await run("clean", "--all"), new RegExp(pvName));
        await waitFor(
          async () => (await kube.volumes.get(pvName).then(() => false, () => true)) || undefined,
          { timeoutMs: 60_000, intervalMs: 300, description: "the volume to be purged" },
        );
        for (const d of await drives()) assert.equal(d.status.allocatedCapacity, 0);
      });

      let kept = "";
      await t.step("remove releases an empty drive", async () => {
        const [gone, stay] = await drives();
        kept = stay?.metadata.name ?? "";
        await run("remove", gone?.metadata.name ?? "");
        await waitFor(async () => (await drives()).length === 1 || undefined, {
          timeoutMs: 60_000,
          intervalMs: 300,
          description: "the removed drive to be deleted",
        });
      });

      await t.step("uninstall keeps drives; re-install picks them up again", async () => {
        assert.match(await run("uninstall"), /uninstalled/i);
        assert.equal((await drives()).length, 1, "drives kept");
        await stopRecorded(env, `node-server-${node.name}`);
        await kube.drives.patch(kept, { status: { status: "Lost" } }, { type: "merge" });
        await waitFor(
          async () =>
            (await kube.namespaces.get("directpv").then(() => false, () => true)) || undefined,
          { timeoutMs: 60_000, intervalMs: 500, description: "the directpv namespace to go" },
        );
        await run("install", "--quiet", "--allow-loop-devices", "--quota=best-effort");
        await startDriver(env, "node-server", node);
        await waitFor(async () => {
          const d = await kube.drives.get(kept);
          return d.status.status === "Ready" || undefined;
        }, { timeoutMs: 60_000, intervalMs: 500, description: "the drive to be Ready again" });
        assert.match(await run("list", "drives"), new RegExp(kept));
      });
    } finally {
      assert.deepEqual(await stopEnv(dir), [], "the environment stopped cleanly");
    }
  },
});
