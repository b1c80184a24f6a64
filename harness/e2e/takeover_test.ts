/**
 * Taking over a MinIO DirectPV v4.1 cluster, on the local control plane, root, real XFS loop
 * drives. The state DirectPV's `uninstall` leaves behind is built by hand from what DirectPV
 * v4.1.x writes: its drives formatted (label `DIRECTPV`, its filesystem UUID) and still mounted
 * at `<app>/mnt/<fsuuid>` with the `.FSUUID.<fsuuid>` link and `.directpv/meta.info`, volume
 * directories with data, one volume still staged and published (the pod kept running), and its
 * DirectPVDrive, DirectPVVolume and DirectPVNode objects with DirectPV's labels, finalizers and
 * status (written here as literal values, not from our constants). A second drive is left
 * unmounted, as after a reboot. The namespace, RBAC,
 * CSIDriver, StorageClass and workloads are gone (our own `uninstall`, which deletes the same
 * set). Then `install` of ours and our driver processes: every drive is mounted and Ready, every
 * object keeps its fields, every volume is served (data by SHA-256), and a new claim is placed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { NodeGetVolumeStatsRequest } from "../../proto/mod.ts";
import {
  connectCsi,
  mountPodVolume,
  podVolumeOf,
  unary,
  unmountPodVolume,
  volumePaths,
} from "../kubelet/mod.ts";
import { run, testGate, toolsBinDir, waitFor } from "../lib/mod.ts";
import { cli, type SimNode, startAll, startEnv, stopAll, stopEnv } from "../sandbox/env.ts";
import { provisionClaim } from "../sandbox/workload.ts";
import { sha256 } from "./directcsi_fixture.ts";

const gate = await testGate("DirectPV v4 takeover", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "csi-provisioner"],
});
const MIB = 1024 ** 2;
const P = "directpv.min.io";

/** One DirectPV v4 drive: its loop device, UUID and volumes (name → bytes). */
interface V4Drive {
  device: string;
  size: number;
  fsuuid: string;
  volumes: Record<string, number>;
}

/** Formats and mounts a drive as DirectPV's init and node server left it. */
async function layOut(node: SimNode, drive: V4Drive): Promise<Record<string, string>> {
  await run("mkfs.xfs", [
    "-q",
    "-f",
    "-i",
    "maxpct=50",
    "-m",
    `uuid=${drive.fsuuid}`,
    "-L",
    "DIRECTPV",
    drive.device,
  ]);
  const mnt = join(node.appDir, "mnt", drive.fsuuid);
  await Deno.mkdir(mnt, { recursive: true });
  await run("mount", ["-o", "noatime", drive.device, mnt]);
  await Deno.symlink(".", join(mnt, `.FSUUID.${drive.fsuuid}`));
  await Deno.mkdir(join(mnt, ".directpv"), { mode: 0o750 });
  await Deno.writeTextFile(
    join(mnt, ".directpv", "meta.info"),
    `APP_NAME=directpv\nAPP_VERSION=v1beta1\nFSUUID=${drive.fsuuid}\n`,
    { mode: 0o640 },
  );
  const sums: Record<string, string> = {};
  for (const volume of Object.keys(drive.volumes)) {
    const dir = join(mnt, `.FSUUID.${drive.fsuuid}`, volume);
    await Deno.mkdir(dir, { mode: 0o755 });
    await Deno.writeFile(
      join(dir, "data.bin"),
      new Uint8Array(96 * 1024).map((_, i) => (i * 31 + volume.length) & 0xff),
    );
    sums[volume] = await sha256(join(dir, "data.bin"));
  }
  return sums;
}

function driveObject(node: string, drive: V4Drive): AnyObject {
  const allocated = Object.values(drive.volumes).reduce((a, b) => a + b, 0);
  return {
    apiVersion: `${P}/v1beta1`,
    kind: "DirectPVDrive",
    metadata: {
      name: drive.fsuuid,
      labels: {
        [`${P}/node`]: node,
        [`${P}/drive-name`]: drive.device.replace("/dev/", ""),
        [`${P}/access-tier`]: "Default",
        [`${P}/version`]: "v1beta1",
        [`${P}/created-by`]: "directpv-driver",
      },
      finalizers: [
        `${P}/data-protection`,
        ...Object.keys(drive.volumes).map((v) => `${P}.volume/${v}`),
      ],
    },
    spec: {},
    status: {
      totalCapacity: drive.size,
      allocatedCapacity: allocated,
      freeCapacity: drive.size - allocated,
      fsuuid: drive.fsuuid,
      status: "Ready",
      topology: {
        [`${P}/identity`]: "directpv-min-io",
        [`${P}/node`]: node,
        [`${P}/rack`]: "default",
        [`${P}/zone`]: "default",
        [`${P}/region`]: "default",
      },
      make: "",
    },
  };
}

function volumeObject(
  node: string,
  drive: V4Drive,
  name: string,
  paths: { staging: string; target: string } | undefined,
): AnyObject {
  const size = drive.volumes[name] ?? 0;
  return {
    apiVersion: `${P}/v1beta1`,
    kind: "DirectPVVolume",
    metadata: {
      name,
      labels: {
        [`${P}/drive`]: drive.fsuuid,
        [`${P}/node`]: node,
        [`${P}/drive-name`]: drive.device.replace("/dev/", ""),
        [`${P}/version`]: "v1beta1",
        [`${P}/created-by`]: "directpv-controller",
        ...(paths ? { [`${P}/pod.name`]: `pod-${name}`, [`${P}/pod.namespace`]: "default" } : {}),
      },
      finalizers: [`${P}/pv-protection`, `${P}/purge-protection`],
    },
    status: {
      dataPath: `/var/lib/directpv/mnt/${drive.fsuuid}/.FSUUID.${drive.fsuuid}/${name}`,
      stagingTargetPath: paths?.staging ?? "",
      targetPath: paths?.target ?? "",
      fsuuid: drive.fsuuid,
      totalCapacity: size,
      availableCapacity: size,
      usedCapacity: 0,
      status: paths ? "Ready" : "Pending",
    },
  };
}

/** A staged and published volume as DirectPV left it: two bind mounts of the volume directory. */
async function publishedByDirectPV(node: SimNode, drive: V4Drive, volume: string) {
  const paths = await volumePaths(node.kubeletDir, volume, `uid-${volume}`, volume);
  const dir = join(node.appDir, "mnt", drive.fsuuid, `.FSUUID.${drive.fsuuid}`, volume);
  await Deno.mkdir(paths.staging, { recursive: true });
  await run("mount", ["--bind", dir, paths.staging]);
  await Deno.mkdir(paths.target, { recursive: true });
  await run("mount", ["--bind", paths.staging, paths.target]);
  return paths;
}

function kept(o: AnyObject) {
  return { labels: o.metadata.labels, finalizers: o.metadata.finalizers, status: o.status };
}

async function objects(kube: KubeClient) {
  const out: Record<string, unknown> = {};
  for (const o of await kube.drives.listAll()) {
    out[`drive/${o.metadata.name}`] = kept(o as AnyObject);
  }
  for (const o of await kube.volumes.listAll()) {
    out[`volume/${o.metadata.name}`] = kept(o as AnyObject);
  }
  return out;
}

async function isMounted(path: string): Promise<boolean> {
  return (await Deno.readTextFile("/proc/self/mountinfo")).split("\n").some((l) =>
    l.split(" ")[4] === path
  );
}

Deno.test({
  name:
    "takeover: DirectPV v4.1's drives and volumes after its uninstall are mounted and served by ours",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-takeover-" });
    try {
      const { env, kube } = await startEnv({
        dir,
        nodes: [{
          name: "v4-node",
          drives: ["a", "b", "c"].map((name) => ({ name, size: "1GiB" })),
        }],
      });
      const node = env.nodes[0] as SimNode;
      // What DirectPV's uninstall leaves: no workloads, CRDs and objects kept, mounts in place.
      await stopAll(env);
      await cli(env, ["uninstall"]);
      await waitFor(
        () => kube.namespaces.get("directpv").then(() => undefined, () => true),
        { timeoutMs: 120_000, intervalMs: 500, description: "the directpv namespace gone" },
      );
      const [a, b] = node.drives;
      assert.ok(a && b);
      const drives: V4Drive[] = [
        {
          device: a.device,
          size: a.size,
          fsuuid: crypto.randomUUID(),
          volumes: { "pvc-v4-published": 32 * MIB, "pvc-v4-pending": 16 * MIB },
        },
        { device: b.device, size: b.size, fsuuid: crypto.randomUUID(), volumes: {} },
      ];
      const sums: Record<string, string> = {};
      for (const d of drives) Object.assign(sums, await layOut(node, d));
      const [first, second] = drives as [V4Drive, V4Drive];
      const published = await publishedByDirectPV(node, first, "pvc-v4-published");
      // The second drive as after a reboot: not mounted; our node server must mount it.
      await run("umount", [join(node.appDir, "mnt", second.fsuuid)]);
      for (const d of drives) await kube.drives.create(driveObject(node.name, d) as never);
      await kube.volumes.create(
        volumeObject(node.name, first, "pvc-v4-published", published) as never,
      );
      await kube.volumes.create(
        volumeObject(node.name, first, "pvc-v4-pending", undefined) as never,
      );
      const before = await objects(kube);

      await t.step("our install and driver take the drives over", async () => {
        const out =
          (await cli(env, ["install", "--allow-loop-devices", "--quota=best-effort"])).stdout;
        assert.doesNotMatch(out, /Error/);
        await startAll(env, kube, {
          binDir: await toolsBinDir(),
          controller: true,
          sidecars: true,
        });
        for (const d of drives) {
          const mnt = join(node.appDir, "mnt", d.fsuuid);
          await waitFor(async () => await isMounted(mnt) || undefined, {
            timeoutMs: 60_000,
            intervalMs: 200,
            description: `${mnt} mounted`,
          });
          assert.equal((await kube.drives.get(d.fsuuid)).status.status, "Ready");
          assert.equal(
            await Deno.readTextFile(join(mnt, ".directpv", "meta.info")),
            `APP_NAME=directpv\nAPP_VERSION=v1beta1\nFSUUID=${d.fsuuid}\n`,
          );
        }
        assert.deepEqual(
          await objects(kube),
          before,
          "every object keeps its labels, finalizers and status",
        );
      });

      await t.step("every volume is served", async () => {
        assert.equal(await sha256(join(published.target, "data.bin")), sums["pvc-v4-published"]);
        const csi = connectCsi(`unix://${node.endpoint}`);
        try {
          const stats = await unary(
            "NodeGetVolumeStats",
            csi.node.nodeGetVolumeStats.bind(csi.node),
            NodeGetVolumeStatsRequest.fromPartial({
              volumeId: "pvc-v4-published",
              volumePath: published.target,
            }),
          );
          assert.ok(
            stats.volumeCondition && !stats.volumeCondition.abnormal,
            stats.volumeCondition?.message ?? "no condition",
          );
        } finally {
          csi.close();
        }
        for (const name of ["pvc-v4-published", "pvc-v4-pending"]) {
          const use = podVolumeOf({
            endpoint: `unix://${node.endpoint}`,
            kubeletDir: node.kubeletDir,
            driver: "directpv-min-io",
            volume: name,
          });
          if (name === "pvc-v4-published") await unmountPodVolume(use);
          const paths = await mountPodVolume(use);
          assert.equal(await sha256(join(paths.target, "data.bin")), sums[name], `${name} data`);
          assert.equal((await kube.volumes.get(name)).status.status, "Ready");
          await unmountPodVolume(use);
        }
        const fresh = await provisionClaim(kube, {
          name: "after-takeover",
          size: "16Mi",
          node: node.name,
        });
        const volume = await kube.volumes.get(fresh.pv.spec.csi.volumeHandle);
        assert.ok(
          [first.fsuuid, second.fsuuid].includes(volume.status.fsuuid),
          "placed on a taken-over drive",
        );
      });
    } finally {
      const problems = await stopEnv(dir);
      assert.deepEqual(problems, []);
    }
  },
});
