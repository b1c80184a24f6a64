/**
 * Node and drive lifecycle scenarios against a running API server (DIRECTPV_E2E_KUBECONFIG)
 * with real loop devices, mkfs.xfs and mounts (root). The node server and node controller run
 * as `deno run -A driver/main.ts node-server|node-controller` processes of a simulated node
 * that sees only the loop devices backed under its own directory (`--loop-backing-dir`).
 *
 * Scenarios, in order, sharing one node: discover (denied reasons of an ext4 and a mounted
 * device), init, a device detached and re-attached under the running node server (Lost →
 * Ready), the node controller killed during init and restarted (every drive Ready once),
 * volume deletion (data purged, capacity back), drive removal refused with volumes and done
 * without (unmounted).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AlreadyExistsError, NotFoundError } from "../../lib/errors/mod.ts";
import {
  type AnyObject,
  connectKube,
  type KubeClient,
  updateWithRetry,
} from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DirectPVNode,
  FINALIZERS,
  KINDS,
  LABELS,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import {
  type DaemonProcess,
  freeLoopbackPorts,
  pathExists,
  processAlive,
  removePath,
  run,
  spawnDaemon,
  stopProcess,
  tailFile,
  testGate,
  waitFor,
} from "../lib/mod.ts";
import { cleanupLoopDrives, createLoopDrives, type LoopDrive, reattach } from "../loop/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG") ?? "";
/** The driver entry point; DIRECTPV_E2E_DRIVER may point at another build of it. */
const DRIVER = Deno.env.get("DIRECTPV_E2E_DRIVER") ?? join(ROOT, "driver", "main.ts");
const RUN = crypto.randomUUID().slice(0, 8);
const NODE = `lifecycle-${RUN}`;
/** The node's app dir (`--app-dir`), so the scenario leaves the host's /var/lib/directpv alone. */
const APP_DIR = `/tmp/directpv-lifecycle-app-${RUN}`;
/** Where drives are really mounted. */
const MOUNT_ROOT = `${APP_DIR}/mnt`;
/** The same place as recorded in CRs (paths are always written under /var/lib/directpv). */
const RECORDED_MOUNT_ROOT = "/var/lib/directpv/mnt";
const GIB = 1024 ** 3;

const gate = await testGate("lifecycle scenarios", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mkfs.ext4", "mount", "umount"],
});
const missing = [
  ...(KUBECONFIG ? [] : ["DIRECTPV_E2E_KUBECONFIG is not set"]),
  ...(await pathExists(DRIVER) ? [] : [`"${DRIVER}" does not exist yet`]),
];
if (missing.length > 0 && !gate.ignore) {
  // deno-lint-ignore no-console
  console.error(`Skipping lifecycle scenarios: ${missing.join("; ")}`);
}

/** One simulated node: its loop directory, processes and logs. */
class SimNode {
  readonly dir: string;
  readonly procs = new Map<string, DaemonProcess>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Starts `driver/main.ts <role>` for this node. */
  async start(role: "node-server" | "node-controller"): Promise<void> {
    const [readiness = 0, metrics = 0] = freeLoopbackPorts(2);
    const args = [
      "run",
      "-A",
      DRIVER,
      role,
      `--kubeconfig=${KUBECONFIG}`,
      `--kube-node-name=${NODE}`,
      "--allow-loop-devices",
      `--app-dir=${APP_DIR}`,
      `--loop-backing-dir=${this.dir}/loops`,
      "--quota=best-effort",
      `--csi-endpoint=unix://${this.dir}/${role}.sock`,
      `--readiness-port=${readiness}`,
      ...(role === "node-server" ? [`--metrics-port=${metrics}`] : []),
    ];
    const proc = await spawnDaemon({
      name: role,
      command: Deno.execPath(),
      args,
      logFile: `${this.dir}/${role}.log`,
      cwd: ROOT,
    });
    this.procs.set(role, proc);
  }

  /** SIGKILLs a process (a crash). */
  async kill(role: string): Promise<void> {
    const proc = this.procs.get(role);
    if (proc && (await processAlive(proc))) Deno.kill(proc.pid, "SIGKILL");
    this.procs.delete(role);
  }

  async stopAll(): Promise<void> {
    for (const proc of this.procs.values()) await stopProcess(proc, { graceMs: 5_000 });
    this.procs.clear();
  }

  async logs(): Promise<string> {
    const parts = [];
    for (const role of ["node-server", "node-controller"]) {
      parts.push(`--- ${role}\n${await tailFile(`${this.dir}/${role}.log`, 40).catch(() => "")}`);
    }
    return parts.join("\n");
  }
}

function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000) {
  return waitFor(probe, { timeoutMs, intervalMs: 250, description: what });
}

async function installCrds(kube: KubeClient): Promise<void> {
  for (const crd of crdObjects()) {
    await kube.customResourceDefinitions.create(crd as AnyObject).catch((err) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  }
  await until("the DirectPV CRDs to be established", async () => {
    await kube.drives.list({ limit: 1 });
    await kube.initRequests.list({ limit: 1 });
    return true;
  });
}

async function nodeDevices(kube: KubeClient): Promise<DirectPVNode["status"]["devices"]> {
  const node = await kube.nodes.get(NODE).catch(() => undefined);
  return node && node.spec.refresh === false ? node.status.devices : [];
}

/** Asks for a fresh device list and waits for it. */
async function discover(kube: KubeClient): Promise<DirectPVNode["status"]["devices"]> {
  await until("the DirectPVNode", () => kube.nodes.get(NODE).catch(() => undefined));
  // The node controller writes this object too: retry on conflict.
  await updateWithRetry(kube.nodes, NODE, (node) => {
    node.spec.refresh = true;
  });
  return await until("the refreshed devices", async () => {
    const devices = await nodeDevices(kube);
    return devices.length > 0 ? devices : undefined;
  });
}

async function init(kube: KubeClient, name: string, devices: { id: string; name: string }[]) {
  await kube.initRequests.create({
    apiVersion: API_VERSION,
    kind: KINDS.initRequest,
    metadata: { name, labels: { [LABELS.node]: NODE } },
    spec: { devices: devices.map((d) => ({ ...d, force: true })) },
    status: { status: "Pending", results: [] },
  });
}

async function processed(kube: KubeClient, name: string) {
  return await until(`init request "${name}" to be processed`, async () => {
    const r = await kube.initRequests.get(name);
    return r.status.status === "Pending" ? undefined : r;
  });
}

async function nodeDrives(kube: KubeClient): Promise<DirectPVDrive[]> {
  return await kube.drives.listAll({ labelSelector: { [LABELS.node]: NODE } });
}

function baseName(device: string): string {
  return device.split("/").pop() ?? device;
}

async function driveOf(kube: KubeClient, loop: LoopDrive): Promise<DirectPVDrive> {
  const name = baseName(loop.device);
  const drive = (await nodeDrives(kube)).find((d) =>
    d.metadata.labels?.[LABELS.driveName] === name
  );
  assert.ok(drive, `a drive on ${name}`);
  return drive;
}

async function isMounted(fsuuid: string): Promise<boolean> {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  return text.split("\n").some((l) => l.split(" ")[4] === `${MOUNT_ROOT}/${fsuuid}`);
}

/** A Released-to-be volume on `drive`, as CreateVolume and NodeStage would leave it. */
async function addVolume(kube: KubeClient, drive: DirectPVDrive, name: string): Promise<string> {
  const fsuuid = drive.status.fsuuid;
  const dataPath = `${MOUNT_ROOT}/${fsuuid}/.FSUUID.${fsuuid}/${name}`;
  const recordedDataPath = `${RECORDED_MOUNT_ROOT}/${fsuuid}/.FSUUID.${fsuuid}/${name}`;
  await Deno.mkdir(dataPath, { recursive: true });
  await Deno.writeTextFile(`${dataPath}/data`, "payload");
  await kube.volumes.create({
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name,
      labels: { [LABELS.node]: NODE, [LABELS.drive]: fsuuid, [LABELS.createdBy]: "e2e" },
      finalizers: [FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: recordedDataPath,
      stagingTargetPath: "",
      targetPath: "",
      fsuuid,
      totalCapacity: 64 * 1024 ** 2,
      availableCapacity: 64 * 1024 ** 2,
      usedCapacity: 0,
      status: "Ready",
    },
  });
  await updateWithRetry(kube.drives, fsuuid, (fresh) => {
    fresh.metadata.finalizers = [...(fresh.metadata.finalizers ?? []), volumeFinalizer(name)];
    fresh.status.allocatedCapacity += 64 * 1024 ** 2;
    fresh.status.freeCapacity -= 64 * 1024 ** 2;
  });
  return dataPath;
}

/** What DeleteVolume does: drop pv-protection, then delete. */
async function deleteVolume(kube: KubeClient, name: string): Promise<void> {
  // The node server may be updating the volume too (drive-name label): retry on conflict.
  await updateWithRetry(kube.volumes, name, (volume) => {
    volume.metadata.finalizers = [FINALIZERS.purgeProtection];
  });
  await kube.volumes.delete(name);
}

/** Deletes this node's objects (finalizers dropped) and returns its drives' FSUUIDs. */
async function removeLeftovers(kube: KubeClient): Promise<string[]> {
  const selector = { labelSelector: { [LABELS.node]: NODE } };
  const fsuuids = (await nodeDrives(kube).catch(() => [])).map((d) => d.status.fsuuid);
  for (const client of [kube.volumes, kube.drives, kube.initRequests, kube.nodes]) {
    const c = client as unknown as KubeClient["drives"];
    for (const obj of await c.listAll(selector).catch(() => [])) {
      const name = obj.metadata.name ?? "";
      await c.patch(name, { metadata: { finalizers: null } }).catch(() => {});
      await c.delete(name).catch((err) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }
  }
  return fsuuids;
}

Deno.test({
  name: "lifecycle: discover, init, lose and regain, crash during init, delete, remove",
  ignore: gate.ignore || missing.length > 0,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const kube = await connectKube({ kubeconfig: KUBECONFIG });
    const node = new SimNode(await Deno.makeTempDir({ prefix: "directpv-lifecycle-" }));
    let loops: LoopDrive[] = [];
    let failed = false;
    const removedDrives: string[] = [];
    /** A scenario step; later ones are skipped after a failure, which shows the node logs. */
    const step = (name: string, fn: () => Promise<void>) =>
      t.step({
        name,
        ignore: failed,
        fn: async () => {
          try {
            await fn();
          } catch (err) {
            failed = true;
            throw new Error(`${err instanceof Error ? err.message : err}\n${await node.logs()}`, {
              cause: err,
            });
          }
        },
      });
    try {
      await Deno.mkdir(APP_DIR, { recursive: true });
      await installCrds(kube);
      loops = await createLoopDrives(
        ["plain", "ext4", "mounted", "crash1", "crash2"].map((name) => ({ name, size: GIB })),
        { dir: `${node.dir}/loops` },
      );
      const [plain, ext4, mounted, crash1, crash2] = loops as [
        LoopDrive,
        LoopDrive,
        LoopDrive,
        LoopDrive,
        LoopDrive,
      ];
      await run("mkfs.ext4", ["-q", ext4.device]);
      await run("mkfs.ext4", ["-q", mounted.device]);
      await Deno.mkdir(`${node.dir}/mnt`);
      await run("mount", [mounted.device, `${node.dir}/mnt`]);
      await node.start("node-controller");
      await node.start("node-server");

      await step("discover shows the loop drives with their denied reasons", async () => {
        const devices = await discover(kube);
        const byName = new Map(devices.map((d) => [d.name, d]));
        assert.equal(devices.length, 5, JSON.stringify(devices));
        assert.equal(byName.get(baseName(plain.device))?.deniedReason, undefined);
        assert.equal(byName.get(baseName(ext4.device))?.fsType, "ext4");
        assert.equal(byName.get(baseName(ext4.device))?.deniedReason, undefined);
        assert.equal(byName.get(baseName(mounted.device))?.deniedReason, "Mounted");
      });

      await step("init formats the selected drives and they are Ready", async () => {
        const devices = await discover(kube);
        const chosen = devices.filter((d) =>
          [plain, ext4].map((l) => baseName(l.device)).includes(d.name)
        );
        await init(kube, `init-${RUN}-1`, chosen);
        const done = await processed(kube, `init-${RUN}-1`);
        assert.equal(done.status.status, "Processed");
        assert.deepEqual(done.status.results.filter((r) => r.error), []);
        for (const loop of [plain, ext4]) {
          const drive = await driveOf(kube, loop);
          assert.equal(drive.status.status, "Ready");
          assert.ok(await isMounted(drive.status.fsuuid));
        }
      });

      await t.step(
        "a detached device turns its drive Lost, re-attaching makes it Ready",
        async () => {
          const drive = await driveOf(kube, plain);
          const fsuuid = drive.status.fsuuid;
          await run("losetup", ["-d", plain.device], { allowFailure: true });
          await run("umount", ["--lazy", `${MOUNT_ROOT}/${fsuuid}`], { allowFailure: true });
          await until(
            "the drive to be Lost",
            async () => (await kube.drives.get(fsuuid)).status.status === "Lost",
          );
          const again = await reattach(plain);
          loops = loops.map((l) => (l === plain ? again : l));
          const back = await until("the drive to be Ready again", async () => {
            const d = await kube.drives.get(fsuuid);
            return d.status.status === "Ready" ? d : undefined;
          });
          assert.equal(back.metadata.labels?.[LABELS.driveName], baseName(again.device));
          assert.ok(await isMounted(fsuuid));
        },
      );

      await step("a node controller killed during init finishes after restart", async () => {
        const devices = await discover(kube);
        const chosen = devices.filter((d) =>
          [crash1, crash2].map((l) => baseName(l.device)).includes(d.name)
        );
        const before = (await nodeDrives(kube)).length;
        const name = `init-${RUN}-2`;
        await init(kube, name, chosen);
        await until("the init FSUUIDs to be recorded", async () => {
          const r = await kube.initRequests.get(name);
          return Object.keys(r.metadata.annotations ?? {}).some((k) => k.includes("/init-"));
        }, 30_000);
        await node.kill("node-controller");
        await node.start("node-controller");
        const done = await processed(kube, name);
        assert.equal(done.status.status, "Processed", JSON.stringify(done.status));
        assert.deepEqual(done.status.results.filter((r) => r.error), []);
        const drives = await nodeDrives(kube);
        assert.equal(drives.length, before + 2, "exactly one drive per device");
        for (const loop of [crash1, crash2]) {
          assert.equal((await driveOf(kube, loop)).status.status, "Ready");
        }
      });

      await step("deleting a volume purges its data and gives the capacity back", async () => {
        const drive = await driveOf(kube, ext4);
        const dataPath = await addVolume(kube, drive, `pvc-${RUN}-a`);
        await deleteVolume(kube, `pvc-${RUN}-a`);
        await until(
          "the volume to be gone",
          async () => !(await kube.volumes.get(`pvc-${RUN}-a`).then(() => true, () => false)),
        );
        assert.ok(!(await pathExists(dataPath)));
        assert.ok(!(await pathExists(`${dataPath}.deleted`)));
        const after = await kube.drives.get(drive.status.fsuuid);
        assert.equal(after.status.allocatedCapacity, drive.status.allocatedCapacity);
        assert.equal(after.status.freeCapacity, drive.status.freeCapacity);
      });

      await step("removing a drive with volumes is refused, without succeeds", async () => {
        const drive = await driveOf(kube, ext4);
        const fsuuid = drive.status.fsuuid;
        removedDrives.push(fsuuid);
        await addVolume(kube, drive, `pvc-${RUN}-b`);
        await updateWithRetry(kube.drives, fsuuid, (removed) => {
          removed.status.status = "Removed";
        });
        await until("the refusal event", async () => {
          const events = await kube.events.listAll({ namespace: "default" });
          return events.some((e) =>
            e.involvedObject?.name === fsuuid && /still contains 1 volumes/.test(e.message ?? "")
          );
        });
        assert.equal((await kube.drives.get(fsuuid)).status.status, "Removed");
        assert.ok(await isMounted(fsuuid));
        await deleteVolume(kube, `pvc-${RUN}-b`);
        await until(
          "the drive to be deleted",
          async () => !(await kube.drives.get(fsuuid).then(() => true, () => false)),
        );
        assert.ok(!(await isMounted(fsuuid)), "unmounted");
      });
    } finally {
      await node.stopAll();
      const fsuuids = await removeLeftovers(kube);
      await run("umount", ["--lazy", `${node.dir}/mnt`], { allowFailure: true });
      await cleanupLoopDrives(loops);
      for (const fsuuid of [...fsuuids, ...removedDrives]) {
        await Deno.remove(`${MOUNT_ROOT}/${fsuuid}`).catch(() => {});
      }
      await run("umount", ["--lazy", `${APP_DIR}/tmp`], { allowFailure: true });
      await removePath(APP_DIR);
      await removePath(node.dir);
    }
  },
});
