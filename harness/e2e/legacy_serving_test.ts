/**
 * Serving DirectCSI volumes under the legacy identity, against a running API server
 * (DIRECTPV_E2E_KUBECONFIG), root, on a real XFS loop drive. A drive laid out as DirectCSI
 * wrote it (its own UUID, the volume directory at the filesystem root, data in it) and the
 * DirectPVDrive/DirectPVVolume the migration makes of it (lib/legacy mapping); the
 * `node-server` of the node mounts the drive, and the `legacy-node-server` and
 * `legacy-controller` roles (`deno run -A driver/main.ts <role>`) serve the volume through
 * their own CSI sockets as the kubelet and the sidecars call them: stage and publish (data
 * intact, by checksum), stats, expansion, unpublish/unstage, delete (the data purged) — and
 * CreateVolume is refused with INVALID_ARGUMENT.
 */
import assert from "node:assert/strict";
import { AlreadyExistsError } from "../../lib/errors/mod.ts";
import { type AnyObject, connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import { legacyDrive, legacyVolume } from "../../lib/legacy/testing.ts";
import { toDirectPVDrive, toDirectPVVolume } from "../../lib/legacy/mod.ts";
import { LEGACY_GROUP, LEGACY_IDENTITY } from "../../lib/types/mod.ts";
import { CreateVolumeRequest, NodeGetVolumeStatsRequest } from "../../proto/mod.ts";
import {
  connectCsi,
  CsiCallError,
  expandPodVolume,
  mountPodVolume,
  podVolumeOf,
  unary,
  unmountPodVolume,
} from "../kubelet/mod.ts";
import {
  type DaemonProcess,
  freeLoopbackPorts,
  pathExists,
  removePath,
  run,
  spawnDaemon,
  stopProcess,
  tailFile,
  testGate,
  waitFor,
} from "../lib/mod.ts";
import { cleanupLoopDrives, createLoopDrives, type LoopDrive } from "../loop/mod.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG") ?? "";
const RUN = crypto.randomUUID().slice(0, 8);
const NODE = `legacy-${RUN}`;
const MIB = 1024 ** 2;
const gate = await testGate("legacy serving", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount"],
});
const missing = KUBECONFIG ? [] : ["DIRECTPV_E2E_KUBECONFIG is not set"];

/** The scenario's processes, files and objects. */
class LegacyNode {
  readonly procs: DaemonProcess[] = [];
  constructor(readonly dir: string) {}

  get appDir(): string {
    return `${this.dir}/app`;
  }

  socket(role: string): string {
    return `${this.dir}/${role}.sock`;
  }

  async start(role: "node-server" | "legacy-node-server" | "legacy-controller"): Promise<void> {
    const [readiness = 0, metrics = 0] = freeLoopbackPorts(2);
    const args = [
      "run",
      "-A",
      `${ROOT}driver/main.ts`,
      role,
      `--kubeconfig=${KUBECONFIG}`,
      `--kube-node-name=${NODE}`,
      "--allow-loop-devices",
      `--app-dir=${this.appDir}`,
      `--kubelet-dir=${this.dir}/kubelet`,
      `--loop-backing-dir=${this.dir}/loops`,
      "--quota=best-effort",
      `--csi-endpoint=unix://${this.socket(role)}`,
      "--listen-address=127.0.0.1",
      `--readiness-port=${readiness}`,
      `--metrics-port=${metrics}`,
    ];
    this.procs.push(
      await spawnDaemon({
        name: role,
        command: Deno.execPath(),
        args,
        logFile: `${this.dir}/${role}.log`,
        cwd: ROOT,
      }),
    );
  }

  async logs(): Promise<string> {
    const parts = [];
    for (const role of ["node-server", "legacy-node-server", "legacy-controller"]) {
      parts.push(`--- ${role}\n${await tailFile(`${this.dir}/${role}.log`, 30).catch(() => "")}`);
    }
    return parts.join("\n");
  }
}

function until<T>(what: string, probe: () => Promise<T | undefined | false>) {
  return waitFor(probe, { timeoutMs: 90_000, intervalMs: 200, description: what });
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Formats the loop drive as DirectCSI did and writes a volume's data at the filesystem root. */
async function directCsiDrive(loop: LoopDrive, fsuuid: string, volume: string, dir: string) {
  await run("mkfs.xfs", [
    "-q",
    "-f",
    "-i",
    "maxpct=50",
    "-m",
    `uuid=${fsuuid}`,
    "-L",
    "DIRECTCSI",
    loop.device,
  ]);
  const seed = `${dir}/seed`;
  await Deno.mkdir(seed, { recursive: true });
  await run("mount", [loop.device, seed]);
  try {
    await Deno.mkdir(`${seed}/${volume}`);
    const data = new Uint8Array(MIB / 2);
    for (let at = 0; at < data.length; at += 65536) {
      crypto.getRandomValues(data.subarray(at, at + 65536));
    }
    await Deno.writeFile(`${seed}/${volume}/data.bin`, data);
    return await sha256(`${seed}/${volume}/data.bin`);
  } finally {
    await run("umount", [seed]);
  }
}

/** The objects the migration writes for that drive and volume (lib/legacy mapping). */
async function migratedObjects(kube: KubeClient, loop: LoopDrive, fsuuid: string, name: string) {
  const device = loop.device.replace(/^\/dev\//, "");
  const topology = {
    [`${LEGACY_GROUP}/identity`]: LEGACY_IDENTITY,
    [`${LEGACY_GROUP}/node`]: NODE,
    [`${LEGACY_GROUP}/rack`]: "default",
    [`${LEGACY_GROUP}/zone`]: "default",
    [`${LEGACY_GROUP}/region`]: "default",
  };
  const legacy = legacyDrive(`legacy-${RUN}`, {
    path: loop.device,
    filesystemUUID: fsuuid,
    nodeName: NODE,
    driveStatus: "InUse",
    filesystem: "xfs",
    totalCapacity: loop.size,
    allocatedCapacity: 64 * MIB,
    freeCapacity: loop.size - 64 * MIB,
    accessTier: "Unknown",
    topology,
  }, { finalizers: [`${LEGACY_GROUP}/data-protection`, `${LEGACY_GROUP}.volume/${name}`] });
  const drive = await kube.drives.create(toDirectPVDrive(legacy));
  const volume = legacyVolume(name, fsuuid, { labels: { [`${LEGACY_GROUP}/drive-path`]: device } });
  if (volume.status) volume.status.totalCapacity = 64 * MIB;
  await kube.volumes.create(toDirectPVVolume(volume, drive));
}

async function installCrds(kube: KubeClient): Promise<void> {
  for (const crd of crdObjects()) {
    await kube.customResourceDefinitions.create(crd as AnyObject).catch((err) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  }
  await until("the DirectPV CRDs", async () => {
    await kube.drives.list({ limit: 1 });
    await kube.volumes.list({ limit: 1 });
    return true;
  });
}

async function isMounted(path: string): Promise<boolean> {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  return text.split("\n").some((l) => l.split(" ")[4] === path);
}

async function cleanup(kube: KubeClient, node: LegacyNode, loops: LoopDrive[], fsuuid: string) {
  for (const proc of node.procs) await stopProcess(proc, { graceMs: 10_000 });
  for (const client of [kube.volumes, kube.drives]) {
    const c = client as unknown as KubeClient["drives"];
    const selector = { labelSelector: { "directpv.min.io/node": NODE } };
    for (const obj of await c.listAll(selector).catch(() => [])) {
      const name = obj.metadata.name ?? "";
      await c.patch(name, { metadata: { finalizers: null } }).catch(() => {});
      await c.delete(name).catch(() => {});
    }
  }
  const mounts = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
    .map((l) => l.split(" ")[4] ?? "").filter((p) => p.startsWith(node.dir)).reverse();
  for (const path of mounts) await run("umount", ["--lazy", path], { allowFailure: true });
  await cleanupLoopDrives(loops);
  await kube.nodes.delete(NODE).catch(() => {});
  await removePath(node.dir);
  void fsuuid;
}

Deno.test({
  name: "legacy serving: a DirectCSI volume staged, published, measured, grown and deleted",
  ignore: gate.ignore || missing.length > 0,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    gate.assert();
    const kube = await connectKube({ kubeconfig: KUBECONFIG });
    const node = new LegacyNode(await Deno.makeTempDir({ prefix: "directpv-legacy-" }));
    const fsuuid = crypto.randomUUID();
    const name = `pvc-${RUN}`;
    let loops: LoopDrive[] = [];
    try {
      await installCrds(kube);
      loops = await createLoopDrives([{ name: "legacy", size: 512 * MIB }], {
        dir: `${node.dir}/loops`,
      });
      const loop = loops[0] as LoopDrive;
      const checksum = await directCsiDrive(loop, fsuuid, name, node.dir);
      await migratedObjects(kube, loop, fsuuid, name);
      await node.start("node-server");
      await node.start("legacy-node-server");
      await node.start("legacy-controller");
      const driveRoot = `${node.appDir}/mnt/${fsuuid}`;
      await until(
        "the migrated drive mounted with its .FSUUID. link",
        async () =>
          await isMounted(driveRoot) && await pathExists(`${driveRoot}/.FSUUID.${fsuuid}`),
      );
      const nodeCsi = connectCsi(node.socket("legacy-node-server"));
      const controller = connectCsi(node.socket("legacy-controller"));
      for (const csi of [nodeCsi, controller]) {
        // The socket file exists from bind(); calls succeed once the server listens.
        await until(
          "the legacy servers answering",
          () =>
            unary("Probe", csi.identity.probe.bind(csi.identity), {}, 2_000).then(
              () => true,
              () => false,
            ),
        );
      }
      const use = podVolumeOf({
        endpoint: node.socket("legacy-node-server"),
        kubeletDir: `${node.dir}/kubelet`,
        driver: LEGACY_IDENTITY,
        volume: name,
      });
      try {
        await t.step("both plugins name the legacy identity and its topology keys", async () => {
          for (const csi of [nodeCsi, controller]) {
            const info = await unary(
              "GetPluginInfo",
              csi.identity.getPluginInfo.bind(csi.identity),
              {},
            );
            assert.equal(info.name, LEGACY_IDENTITY);
          }
          const info = await unary("NodeGetInfo", nodeCsi.node.nodeGetInfo.bind(nodeCsi.node), {});
          assert.deepEqual(info.accessibleTopology?.segments, {
            [`${LEGACY_GROUP}/identity`]: LEGACY_IDENTITY,
            [`${LEGACY_GROUP}/node`]: NODE,
            [`${LEGACY_GROUP}/rack`]: "default",
            [`${LEGACY_GROUP}/zone`]: "default",
            [`${LEGACY_GROUP}/region`]: "default",
          });
        });

        await t.step("CreateVolume under the legacy identity is refused", async () => {
          const request = CreateVolumeRequest.fromPartial({
            name: "pvc-new",
            capacityRange: { requiredBytes: 16 * MIB },
            volumeCapabilities: [{ mount: { fsType: "xfs" }, accessMode: { mode: 1 } }],
          });
          const err = await unary(
            "CreateVolume",
            controller.controller.createVolume.bind(controller.controller),
            request,
          ).then(() => undefined, (e: unknown) => e);
          assert.ok(err instanceof CsiCallError, String(err));
          assert.equal(err.code, 3, "INVALID_ARGUMENT");
          assert.match(err.details, /Cannot create volume "pvc-new" under the legacy driver/);
          assert.equal(await kube.volumes.get("pvc-new").catch(() => undefined), undefined);
        });

        await t.step("stage and publish: the data DirectCSI wrote is there", async () => {
          const paths = await mountPodVolume(use);
          assert.equal(await sha256(`${paths.target}/data.bin`), checksum);
          await Deno.writeTextFile(
            `${paths.target}/after.txt`,
            "written through the legacy plugin",
          );
          assert.equal(
            await Deno.readTextFile(`${driveRoot}/${name}/after.txt`),
            "written through the legacy plugin",
          );
          const v = await kube.volumes.get(name);
          assert.equal(v.status.stagingTargetPath, paths.staging);
          assert.equal(v.status.targetPath, paths.target);
          const stats = await unary(
            "NodeGetVolumeStats",
            nodeCsi.node.nodeGetVolumeStats.bind(nodeCsi.node),
            NodeGetVolumeStatsRequest.fromPartial({ volumeId: name, volumePath: paths.target }),
          );
          assert.ok(stats.volumeCondition, "a volume condition");
          assert.ok(!stats.volumeCondition.abnormal, stats.volumeCondition.message);
          assert.ok((stats.usage[0]?.total ?? 0) > 0, JSON.stringify(stats.usage));
        });

        await t.step("expand: the controller reserves, the node applies", async () => {
          const grown = await unary(
            "ControllerExpandVolume",
            controller.controller.controllerExpandVolume.bind(controller.controller),
            {
              volumeId: name,
              capacityRange: { requiredBytes: 96 * MIB, limitBytes: 0 },
              secrets: {},
              volumeCapability: undefined,
            },
          );
          assert.equal(grown.capacityBytes, 96 * MIB);
          assert.equal(await expandPodVolume(use, 96 * MIB), 96 * MIB);
          assert.equal((await kube.volumes.get(name)).status.totalCapacity, 96 * MIB);
        });

        await t.step("unpublish, unstage, delete: the data is purged", async () => {
          await unmountPodVolume(use);
          const v = await kube.volumes.get(name);
          assert.deepEqual([v.status.stagingTargetPath, v.status.targetPath], ["", ""]);
          assert.equal(
            await sha256(`${driveRoot}/${name}/data.bin`),
            checksum,
            "unstage keeps data",
          );
          await unary(
            "DeleteVolume",
            controller.controller.deleteVolume.bind(controller.controller),
            { volumeId: name, secrets: {} },
          );
          await until(
            "the volume gone",
            async () => (await kube.volumes.get(name).catch(() => undefined)) === undefined,
          );
          await until(
            "its directory purged",
            async () => !(await pathExists(`${driveRoot}/${name}`)),
          );
        });
      } finally {
        nodeCsi.close();
        controller.close();
      }
    } catch (err) {
      throw new Error(`${err}\n${await node.logs()}`, { cause: err });
    } finally {
      await cleanup(kube, node, loops, fsuuid);
    }
  },
});
