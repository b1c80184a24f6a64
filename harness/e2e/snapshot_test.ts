/**
 * Clones and snapshots on real XFS loop drives, on the local control plane with our controller
 * and node servers as host processes, driven through the CSI sockets as csi-provisioner,
 * csi-snapshotter and kubelet call them: a source volume is written, cloned, snapshotted and
 * changed after each; the clone and a volume restored from the snapshot hold the source's
 * files byte for byte as they were at that moment, even after the source is deleted. Bad input
 * gets its gRPC code: a clone onto another node INVALID_ARGUMENT, a snapshot of a missing
 * volume NOT_FOUND naming it, a clone smaller than its source OUT_OF_RANGE.
 *
 * It brings up its own environment (control plane, two nodes with loop drives) in a temp dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type DirectPVDrive, LABELS } from "../../lib/types/mod.ts";
import {
  CreateSnapshotRequest,
  CreateVolumeRequest,
  DeleteSnapshotRequest,
  DeleteVolumeRequest,
  ListSnapshotsRequest,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";
import { testGate, waitFor } from "../lib/mod.ts";
import {
  connectCsi,
  CsiCallError,
  mountPodVolume,
  podVolumeOf,
  unary,
  unmountPodVolume,
} from "../kubelet/mod.ts";
import { cli, type SimNode, startEnv, stopEnv } from "../sandbox/env.ts";

const gate = await testGate("snapshot scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl", "cp"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager"],
});

const MiB = 2 ** 20;
const CAPABILITY = {
  mount: { fsType: "xfs", mountFlags: [] },
  accessMode: { mode: Mode.SINGLE_NODE_WRITER },
};
/** gRPC codes the scenario expects. */
const CODE = { invalidArgument: 3, notFound: 5, outOfRange: 11 };

type Tree = Map<string, string>;

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every regular file under `dir` with its SHA-256, by relative path. */
async function treeOf(dir: string, prefix = ""): Promise<Tree> {
  const out: Tree = new Map();
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) { for (const [k, v] of await treeOf(dir, rel)) out.set(k, v); }
    else if (entry.isFile) out.set(rel, await sha256(join(dir, rel)));
  }
  return new Map([...out].sort(([a], [b]) => a < b ? -1 : 1));
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** Changes the source in every way a copy must not follow: rewrite, append, add, remove. */
async function changeSource(dir: string, round: number): Promise<void> {
  await Deno.writeFile(join(dir, "a.bin"), randomBytes(3 * MiB));
  await Deno.writeTextFile(join(dir, "log.txt"), `round ${round}\n`, { append: true });
  await Deno.writeTextFile(join(dir, `added-${round}.txt`), `added in round ${round}\n`);
  await Deno.remove(join(dir, round === 1 ? "nested/b.bin" : "nested/c.bin"));
}

async function expectCode(call: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof CsiCallError, `expected a CSI error, got ${String(err)}`);
  assert.equal(err.code, code, err.details);
  assert.match(err.details, message);
}

function createReq(
  name: string,
  node: string,
  bytes: number,
  source?: { volume?: { volumeId: string }; snapshot?: { snapshotId: string } },
) {
  const topology = [{ segments: { [LABELS.node]: node } }];
  return CreateVolumeRequest.fromPartial({
    name,
    capacityRange: { requiredBytes: bytes },
    volumeCapabilities: [CAPABILITY],
    accessibilityRequirements: { requisite: topology, preferred: topology },
    ...(source ? { volumeContentSource: source } : {}),
  });
}

Deno.test({
  name: "snapshots: clones and restores hold the source as it was, on real XFS reflink",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-snapshot-" });
    try {
      const { env, kube } = await startEnv({
        dir,
        nodes: [
          { name: "snap-a", drives: [{ name: "a1", size: "2GiB" }] },
          { name: "snap-b", drives: [{ name: "b1", size: "2GiB" }] },
        ],
        sidecars: false,
      });
      const [nodeA, nodeB] = env.nodes as [SimNode, SimNode];
      const drivesYaml = join(dir, "drives.yaml");
      await cli(env, ["discover", "--quiet", "--output-file", drivesYaml]);
      await cli(env, ["init", "--quiet", "--dangerous", drivesYaml]);
      await waitFor(async () => (await kube.drives.listAll()).length === 2 || undefined, {
        timeoutMs: 60_000,
        description: "both drives initialized",
      });
      const csi = connectCsi(`unix://${env.controllerEndpoint}`);
      const controller = csi.controller;
      const create = (req: CreateVolumeRequest) =>
        unary("CreateVolume", controller.createVolume.bind(controller), req);
      const snapshot = (name: string, sourceVolumeId: string) =>
        unary(
          "CreateSnapshot",
          controller.createSnapshot.bind(controller),
          CreateSnapshotRequest.fromPartial({ name, sourceVolumeId }),
        );
      const use = (volume: string) =>
        podVolumeOf({
          endpoint: `unix://${nodeA.endpoint}`,
          kubeletDir: nodeA.kubeletDir,
          driver: "directpv-min-io",
          volume,
        });
      const trees = new Map<string, Tree>();
      let source = "";
      try {
        await t.step("a source volume is written through its published path", async () => {
          await create(createReq("pvc-src", nodeA.name, 256 * MiB));
          source = (await mountPodVolume(use("pvc-src"))).target;
          await Deno.mkdir(join(source, "nested"));
          await Deno.writeFile(join(source, "a.bin"), randomBytes(4 * MiB));
          await Deno.writeFile(join(source, "nested/b.bin"), randomBytes(2 * MiB + 17));
          await Deno.writeFile(join(source, "nested/c.bin"), randomBytes(MiB));
          await Deno.writeTextFile(join(source, "log.txt"), "round 0\n");
          trees.set("clone", await treeOf(source));
        });

        await t.step("a clone is cut at CreateVolume, then the source changes", async () => {
          const res = await create(
            createReq("pvc-clone", nodeA.name, 256 * MiB, { volume: { volumeId: "pvc-src" } }),
          );
          assert.equal(res.volume?.contentSource?.volume?.volumeId, "pvc-src");
          await changeSource(source, 1);
          trees.set("snapshot", await treeOf(source));
          assert.notDeepEqual(trees.get("snapshot"), trees.get("clone"));
        });

        await t.step("a snapshot is cut at CreateSnapshot, then the source changes", async () => {
          const res = await snapshot("snap-1", "pvc-src");
          assert.ok(res.snapshot?.readyToUse);
          assert.equal(res.snapshot?.sourceVolumeId, "pvc-src");
          assert.equal(res.snapshot?.sizeBytes, 256 * MiB);
          await changeSource(source, 2);
          const list = await unary(
            "ListSnapshots",
            controller.listSnapshots.bind(controller),
            ListSnapshotsRequest.fromPartial({ sourceVolumeId: "pvc-src" }),
          );
          assert.deepEqual(list.entries.map((e) => e.snapshot?.snapshotId), ["snap-1"]);
          const drive = (await kube.drives.listAll()).find((d: DirectPVDrive) =>
            d.status.topology[LABELS.node] === nodeA.name
          );
          assert.ok(
            drive?.metadata.finalizers?.includes("directpv.min.io.snapshot/snap-1"),
            "the snapshot holds its bytes on the drive",
          );
        });

        await t.step("the clone holds the source as it was when cloned", async () => {
          const paths = await mountPodVolume(use("pvc-clone"));
          assert.deepEqual(await treeOf(paths.target), trees.get("clone"));
          await unmountPodVolume(use("pvc-clone"));
        });

        await t.step("bad input gets its code and writes nothing", async () => {
          const volumesBefore = (await kube.volumes.listAll()).length;
          await expectCode(
            create(
              createReq("pvc-far", nodeB.name, 256 * MiB, { volume: { volumeId: "pvc-src" } }),
            ),
            CODE.invalidArgument,
            /from volume "pvc-src": its data is on drive "[^"]+" on node "snap-a", outside/,
          );
          await expectCode(
            create(
              createReq("pvc-small", nodeA.name, 64 * MiB, { volume: { volumeId: "pvc-src" } }),
            ),
            CODE.outOfRange,
            /required bytes 67108864 are below the source's 268435456 bytes/,
          );
          await expectCode(
            snapshot("snap-x", "pvc-missing"),
            CODE.notFound,
            /source volume "pvc-missing" not found/,
          );
          await expectCode(
            create(createReq("pvc-x", nodeA.name, 256 * MiB, { snapshot: { snapshotId: "nope" } })),
            CODE.notFound,
            /from snapshot "nope": snapshot not found/,
          );
          assert.equal((await kube.volumes.listAll()).length, volumesBefore);
          assert.deepEqual((await kube.snapshots.listAll()).map((s) => s.metadata.name), [
            "snap-1",
          ]);
        });

        await t.step("with the source deleted, a restore holds the snapshot's files", async () => {
          await unmountPodVolume(use("pvc-src"));
          await unary(
            "DeleteVolume",
            controller.deleteVolume.bind(controller),
            DeleteVolumeRequest.fromPartial({ volumeId: "pvc-src" }),
          );
          await waitFor(
            async () =>
              (await kube.volumes.listAll()).every((v) => v.metadata.name !== "pvc-src") ||
              undefined,
            { timeoutMs: 60_000, description: "the source volume to be purged" },
          );
          await create(
            createReq("pvc-restore", nodeA.name, 512 * MiB, { snapshot: { snapshotId: "snap-1" } }),
          );
          const paths = await mountPodVolume(use("pvc-restore"));
          assert.deepEqual(await treeOf(paths.target), trees.get("snapshot"));
          await unmountPodVolume(use("pvc-restore"));
        });

        await t.step("DeleteSnapshot gives the snapshot's bytes back", async () => {
          await unary(
            "DeleteSnapshot",
            controller.deleteSnapshot.bind(controller),
            DeleteSnapshotRequest.fromPartial({ snapshotId: "snap-1" }),
          );
          await waitFor(async () => (await kube.snapshots.listAll()).length === 0 || undefined, {
            timeoutMs: 60_000,
            description: "the node server to remove the snapshot",
          });
          const drive = (await kube.drives.listAll()).find((d: DirectPVDrive) =>
            d.status.topology[LABELS.node] === nodeA.name
          );
          assert.ok(
            !drive?.metadata.finalizers?.some((f) => f.startsWith("directpv.min.io.snapshot/")),
          );
        });
      } finally {
        csi.close();
      }
    } finally {
      await stopEnv(dir);
    }
  },
});
