/**
 * Drive replacement with the data, on real loop drives: two volumes on one drive hold files,
 * directories, owners, modes, extended attributes, hard links, a symlink and a sparse file.
 * `move-data` refuses bad input and a volume in use and changes nothing in a dry run; then the
 * node server copies, verifies and switches both volumes to the other drive. Every file's
 * checksum and metadata are identical afterwards, the sparse file is still sparse, and the old
 * drive can be removed. The scenario prints its figures.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { type DirectPVDrive, LABELS } from "../../lib/types/mod.ts";
import { run, testGate, waitFor } from "../lib/mod.ts";
import { unmountPodVolume } from "../kubelet/mod.ts";
import { cli, type EnvState, type SimNode, startEnv, stopEnv } from "../sandbox/env.ts";
import { createPod, mountForPod, provisionClaim } from "../sandbox/workload.ts";

const gate = await testGate("move-data scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl", "cp", "getfattr", "setfattr"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "csi-provisioner", "csi-resizer"],
});

const MiB = 2 ** 20;
const NODE = "move-node";

type PodUse = Parameters<typeof unmountPodVolume>[0];

/** The host directory of a volume's data on a drive of the node. */
function dataDir(node: SimNode, fsuuid: string, volume: string): string {
  return join(node.appDir, "mnt", fsuuid, volume);
}

/** Fills a volume directory with every kind of thing a faithful copy must keep. */
async function fill(dir: string, seed: string): Promise<void> {
  await Deno.mkdir(join(dir, "sub/deeper"), { recursive: true });
  const random = new Uint8Array(3 * MiB);
  for (let i = 0; i < random.length; i += 65536) {
    crypto.getRandomValues(random.subarray(i, i + 65536));
  }
  await Deno.writeFile(join(dir, "sub/random.bin"), random);
  await Deno.writeTextFile(join(dir, "sub/deeper/notes.txt"), `notes of ${seed}\n`);
  await Deno.link(join(dir, "sub/random.bin"), join(dir, "hardlink.bin"));
  await Deno.symlink("sub/deeper/notes.txt", join(dir, "notes-link"));
  const sparse = join(dir, "sparse.img");
  await run("truncate", ["-s", "64M", sparse]);
  await run("dd", [
    `of=${sparse}`,
    "bs=4096",
    "seek=8000",
    "count=1",
    "conv=notrunc",
    "if=/dev/urandom",
  ]);
  await run("chown", ["-h", "1234:5678", join(dir, "sub/deeper/notes.txt")]);
  await Deno.chmod(join(dir, "sub/deeper/notes.txt"), 0o640);
  await Deno.chmod(join(dir, "sub"), 0o750);
  await run("setfattr", ["-n", "user.origin", "-v", seed, join(dir, "sub/random.bin")]);
  await run("setfattr", ["-n", "trusted.note", "-v", "kept", join(dir, "sub")]);
}

/** Checksums, metadata, hard-link counts and xattrs of every entry, as one comparable text. */
async function fingerprint(dir: string): Promise<string> {
  const listing = await run("find", [".", "-printf", "%p %y %m %U:%G %s %n %l\\n"], { cwd: dir });
  const sums = await run("bash", ["-c", "find . -type f -print0 | sort -z | xargs -0 sha256sum"], {
    cwd: dir,
  });
  const attrs = await run("getfattr", ["-R", "-P", "-d", "-m", "-", "."], { cwd: dir });
  const lines = (t: string) => t.split("\n").filter((l) => l !== "").sort().join("\n");
  return [lines(listing.stdout), lines(sums.stdout), lines(attrs.stdout)].join("\n--\n");
}

async function allocatedKiB(path: string): Promise<number> {
  return Number((await run("du", ["-k", path])).stdout.split("\t")[0]);
}

async function dump(kube: KubeClient): Promise<string> {
  return JSON.stringify([await kube.drives.listAll(), await kube.volumes.listAll()]);
}

function driveOf(drives: DirectPVDrive[], size: number): DirectPVDrive {
  const d = drives.find((x) => Math.abs(x.status.totalCapacity - size) < 64 * MiB);
  assert.ok(d, `a drive of about ${size / MiB} MiB`);
  return d;
}

/** Writes the data of each volume through a pod mount; the first one stays published. */
async function writeVolumes(
  kube: KubeClient,
  node: SimNode,
  pvs: AnyObject[],
  oldId: string,
): Promise<{ before: string[]; inUse: PodUse }> {
  const before: string[] = [];
  const uses: PodUse[] = [];
  for (const pv of pvs) {
    const name = String(pv.metadata.name);
    const claim = String(pv.spec.claimRef.name);
    const pod = await createPod(kube, { name: `writer-${claim}`, node: NODE, claim });
    const paths = await mountForPod(node, pv, pod);
    assert.equal((await kube.volumes.get(name)).status.fsuuid, oldId, "on the old drive");
    await fill(paths.target, name);
    before.push(await fingerprint(dataDir(node, oldId, name)));
    uses.push({ endpoint: `unix://${node.endpoint}`, kubeletDir: node.kubeletDir, pv, pod });
  }
  const [inUse, ...rest] = uses;
  assert.ok(inUse);
  for (const use of rest) await release(kube, use);
  return { before, inUse };
}

async function release(kube: KubeClient, use: PodUse): Promise<void> {
  await unmountPodVolume(use);
  await kube.pods.delete(String(use.pod.metadata.name), {
    namespace: "default",
    gracePeriodSeconds: 0,
  });
}

async function setUp(dir: string) {
  const { env, kube } = await startEnv({
    dir,
    nodes: [
      {
        name: NODE,
        drives: [
          { name: "old", size: "1GiB" },
          { name: "new", size: "1536MiB" },
          { name: "small", size: "640MiB" },
        ],
      },
      { name: "move-other", drives: [{ name: "far", size: "2GiB" }] },
    ],
  });
  await cli(env, ["discover", "--quiet", "--output-file", `${dir}/drives.yaml`]);
  await cli(env, ["init", "--quiet", "--dangerous", `${dir}/drives.yaml`]);
  const drives = await waitFor(async () => {
    const all = await kube.drives.listAll();
    return all.length === 4 ? all : undefined;
  }, { timeoutMs: 60_000, description: "four drives" });
  const mine = drives.filter((d) => d.metadata.labels?.[LABELS.node] === NODE);
  const [oldDrive, newDrive, small] = [1024, 1536, 640].map((m) => driveOf(mine, m * MiB));
  const far = drives.find((d) => d.metadata.labels?.[LABELS.node] === "move-other");
  const node = env.nodes.find((n) => n.name === NODE);
  assert.ok(oldDrive && newDrive && small && far && node);
  return { env, kube, node, oldDrive, newDrive, small, far };
}

async function badInput(
  env: EnvState,
  kube: KubeClient,
  args: string[],
  pattern: RegExp,
): Promise<void> {
  const snapshot = await dump(kube);
  const res = await cli(env, ["move-data", ...args], { allowFailure: true });
  assert.equal(res.code, 1, `${args.join(" ")}: ${res.stderr}`);
  assert.match(res.stderr, pattern);
  assert.equal(await dump(kube), snapshot, `${args.join(" ")} changed nothing`);
}

Deno.test({
  name: "move-data: volumes move with their data; checksums identical; old drive removable",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-move-data-" });
    try {
      const { env, kube, node, oldDrive, newDrive, small, far } = await setUp(dir);
      const [oldId, newId] = [oldDrive.metadata.name ?? "", newDrive.metadata.name ?? ""];
      const smallId = small.metadata.name ?? "";
      await cli(env, ["cordon", newId, smallId]);
      const pvs: AnyObject[] = [];
      for (const [name, size] of [["data-a", "400Mi"], ["data-b", "200Mi"]] as const) {
        pvs.push((await provisionClaim(kube, { name, size, node: NODE })).pv);
      }
      await cli(env, ["uncordon", newId, smallId]);
      const { before, inUse } = await writeVolumes(kube, node, pvs, oldId);

      const unknown = "00000000-0000-4000-8000-00000000dead";
      await badInput(
        env,
        kube,
        [unknown, newId],
        new RegExp(`Source drive "${unknown}" not found`),
      );
      await badInput(env, kube, [oldId, far.metadata.name ?? ""], /is on node "move-other"/);
      await badInput(env, kube, [oldId, smallId], /is too small: .* free, the volumes need/);
      await badInput(env, kube, [oldId, newId], /Volume\(s\) in use by pods: "pvc-/);
      await release(kube, inUse);

      const snapshot = await dump(kube);
      const dry = await cli(env, ["move-data", oldId, newId, "--dry-run"]);
      assert.match(dry.stderr, /Moving 2 volume\(s\) from move-node\/\S+ to move-node\/\S+/);
      assert.equal(await dump(kube), snapshot, "the dry run left the cluster as it was");

      const [oldBefore, newBefore] = [await kube.drives.get(oldId), await kube.drives.get(newId)];
      const start = performance.now();
      const moved = await cli(env, ["move-data", oldId, newId]);
      const ms = Math.round(performance.now() - start);
      for (const line of moved.stderr.trim().split("\n")) console.log(`[move-data] ${line}`);
      for (const [i, pv] of pvs.entries()) {
        const name = String(pv.metadata.name);
        assert.equal((await kube.volumes.get(name)).status.fsuuid, newId, "switched");
        const data = dataDir(node, newId, name);
        assert.equal(await fingerprint(data), before[i], `${name}: identical`);
        const sparse = await allocatedKiB(join(data, "sparse.img"));
        assert.ok(sparse < 1024, `the sparse file stays sparse (${sparse} KiB allocated)`);
        const old = await fingerprint(dataDir(node, oldId, name));
        assert.equal(old, before[i], `${name}: the old drive's copy untouched`);
      }
      const [oldAfter, newAfter] = [await kube.drives.get(oldId), await kube.drives.get(newId)];
      console.log(
        `[move-data] ${ms} ms; allocated: old drive ${
          oldBefore.status.allocatedCapacity / MiB
        } → ` +
          `${oldAfter.status.allocatedCapacity / MiB} MiB, new drive ` +
          `${newBefore.status.allocatedCapacity / MiB} → ${
            newAfter.status.allocatedCapacity / MiB
          } MiB`,
      );
      assert.equal(oldAfter.status.allocatedCapacity, 0);
      assert.equal(newAfter.status.allocatedCapacity, 600 * MiB);
      await cli(env, ["remove", oldId]);
      await waitFor(
        async () => (await kube.drives.get(oldId).catch(() => undefined)) ? undefined : true,
        {
          timeoutMs: 60_000,
          description: "the old drive to be removed",
        },
      );
    } finally {
      const problems = await stopEnv(dir);
      assert.deepEqual(problems, [], "the environment stopped cleanly");
    }
  },
});
