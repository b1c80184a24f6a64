/**
 * The provisioning path end to end with the real sidecars: a WaitForFirstConsumer PVC is
 * provisioned by csi-provisioner through our controller, bound by kube-controller-manager,
 * staged and published through the kubelet replay, written to, expanded online through
 * csi-resizer and NodeExpandVolume, then deleted: the PV goes away, the volume's data
 * directory is purged and the drive gets its capacity back.
 *
 * It brings up its own environment (control plane, one node with loop drives) in a temp dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NotFoundError } from "../../lib/errors/mod.ts";
import { APP_ROOT_DIR, type DirectPVDrive } from "../../lib/types/mod.ts";
import { pathExists, testGate, waitFor } from "../lib/mod.ts";
import { expandPodVolume, unmountPodVolume } from "../kubelet/mod.ts";
import { cli, startEnv, stopEnv } from "../sandbox/env.ts";
import { createPod, mountForPod, provisionClaim } from "../sandbox/workload.ts";

const gate = await testGate("provisioning scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "csi-provisioner", "csi-resizer"],
});

const MiB = 2 ** 20;

/** Where a path recorded in a CR (under /var/lib/directpv) lives for a node with --app-dir. */
function hostPath(appDir: string, recorded: string): string {
  assert.ok(recorded.startsWith(`${APP_ROOT_DIR}/`), `"${recorded}" is under ${APP_ROOT_DIR}`);
  return join(appDir, recorded.slice(APP_ROOT_DIR.length));
}

Deno.test({
  name: "provisioning: PVC → PV → publish → write → expand → delete releases everything",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-provision-" });
    try {
      const { env, kube } = await startEnv({
        dir,
        nodes: [{ name: "prov-node", drives: [{ name: "d1", size: "1GiB" }] }],
      });
      const node = env.nodes[0];
      assert.ok(node);
      const drivesYaml = join(dir, "drives.yaml");
      await cli(env, ["discover", "--quiet", "--output-file", drivesYaml]);
      await cli(env, ["init", "--quiet", "--dangerous", drivesYaml]);
      const drives = await kube.drives.listAll();
      assert.equal(drives.length, 1, "one drive initialized");
      const drive = drives[0] as DirectPVDrive;
      const driveName = drive.metadata.name ?? "";
      const freeBefore = drive.status.freeCapacity;

      let pvName = "";
      let use: Parameters<typeof unmountPodVolume>[0] | undefined;
      await t.step("provision and bind", async () => {
        const { pv } = await provisionClaim(kube, { name: "data", size: "64Mi", node: node.name });
        pvName = pv.metadata.name ?? "";
        assert.equal(pv.spec.csi.driver, "directpv-min-io");
        const volume = await kube.volumes.get(pvName);
        assert.equal(volume.status.totalCapacity, 64 * MiB);
        const after = await kube.drives.get(driveName);
        assert.equal(after.status.freeCapacity, freeBefore - 64 * MiB);
        const pod = await createPod(kube, { name: "writer", node: node.name, claim: "data" });
        const paths = await mountForPod(node, pv, pod);
        use = { endpoint: `unix://${node.endpoint}`, kubeletDir: node.kubeletDir, pv, pod };
        await Deno.writeTextFile(join(paths.target, "hello.txt"), "hello\n");
        const published = await kube.volumes.get(pvName);
        assert.equal(published.status.targetPath, paths.target);
        assert.equal(published.metadata.labels?.["directpv.min.io/pod.name"], "writer");
        assert.equal(
          await Deno.readTextFile(
            join(hostPath(node.appDir, published.status.dataPath), "hello.txt"),
          ),
          "hello\n",
          "the write landed in the volume's data directory on the drive",
        );
      });

      await t.step("expand online to 128 MiB", async () => {
        assert.ok(use);
        await kube.persistentVolumeClaims.patch("data", {
          spec: { resources: { requests: { storage: "128Mi" } } },
        }, { namespace: "default" });
        await waitFor(async () => {
          const pv = await kube.persistentVolumes.get(pvName);
          return pv.spec.capacity?.storage === "128Mi" || undefined;
        }, { timeoutMs: 60_000, intervalMs: 500, description: "csi-resizer to resize the PV" });
        assert.equal(await expandPodVolume(use, 128 * MiB), 128 * MiB);
        const volume = await kube.volumes.get(pvName);
        assert.equal(volume.status.totalCapacity, 128 * MiB);
        const after = await kube.drives.get(driveName);
        assert.equal(after.status.freeCapacity, freeBefore - 128 * MiB);
      });

      await t.step("delete releases the PV, the data and the capacity", async () => {
        assert.ok(use);
        const dataPath = hostPath(node.appDir, (await kube.volumes.get(pvName)).status.dataPath);
        await unmountPodVolume(use);
        await kube.pods.delete("writer", { namespace: "default", gracePeriodSeconds: 0 });
        await kube.persistentVolumeClaims.delete("data", { namespace: "default" });
        await waitFor(async () => {
          try {
            await kube.persistentVolumes.get(pvName);
            return undefined;
          } catch (err) {
            return err instanceof NotFoundError || undefined;
          }
        }, { timeoutMs: 90_000, intervalMs: 500, description: `PV "${pvName}" to be deleted` });
        await waitFor(async () => {
          try {
            await kube.volumes.get(pvName);
            return undefined;
          } catch (err) {
            return err instanceof NotFoundError || undefined;
          }
        }, { timeoutMs: 60_000, intervalMs: 500, description: "the DirectPVVolume to be purged" });
        assert.ok(!(await pathExists(dataPath)), "data directory removed");
        const after = await kube.drives.get(driveName);
        assert.equal(after.status.freeCapacity, freeBefore);
        assert.equal(after.status.allocatedCapacity, 0);
      });
    } finally {
      const problems = await stopEnv(dir);
      assert.deepEqual(problems, [], "the environment stopped cleanly");
    }
  },
});
