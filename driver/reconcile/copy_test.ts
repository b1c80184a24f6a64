/**
 * The node server's reflink copies over a FakeHost: clones and restores into volumes,
 * snapshots cut and removed, and drives without reflink refused. `cp` is answered by copying
 * the tree in the fake root (the real `cp --reflink=always` runs in the privileged and e2e
 * layers).
 */
import assert from "node:assert/strict";
import {
  ANNOTATIONS,
  COPY_CONDITIONS,
  copyStateOf,
  type DirectPVSnapshot,
  FINALIZERS,
  newSnapshot,
  snapshotFinalizer,
} from "../../lib/types/mod.ts";
import { reconcileSnapshot } from "./snapshot.ts";
import { reconcileVolume } from "./volume.ts";
import { createFixture, type Fixture, volumeOn } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const GIB = 1024 ** 3;
const REFLINK = true;
const NO_REFLINK = false;

async function copyTreeInFakeRoot(src: string, dst: string): Promise<void> {
  await Deno.mkdir(dst, { recursive: true });
  for await (const entry of Deno.readDir(src)) {
    const [from, to] = [`${src}/${entry.name}`, `${dst}/${entry.name}`];
    if (entry.isDirectory) await copyTreeInFakeRoot(from, to);
    else await Deno.copyFile(from, to);
  }
}

/** A mounted drive (with or without reflink) holding pvc-src with two files. */
async function driveWithSource(reflink: boolean): Promise<{ f: Fixture; mnt: string }> {
  const f = await createFixture();
  f.host.onExec("cp", async (call) => {
    const [src = "", dst = ""] = call.args.slice(-2);
    await copyTreeInFakeRoot(src, dst);
    return {};
  });
  f.host.onExec("rm", async (call) => {
    await Deno.remove(call.args[call.args.length - 1] ?? "", { recursive: true }).catch(() => {});
    return {};
  });
  await f.addDisk({ name: "loop1", uuid: U1, reflink });
  await f.seedDrive(U1, { volumes: ["pvc-src"], allocated: GIB });
  const [device] = (await f.ops.devicesByFsuuid()).get(U1) ?? [];
  assert.ok(device);
  await f.ops.mountDrive(device, U1);
  const mnt = f.host.paths.app("mnt", U1);
  await f.host.fs.mkdir(`${mnt}/pvc-src/dir`, { recursive: true });
  await f.host.fs.writeText(`${mnt}/pvc-src/a.txt`, "version 1");
  await f.host.fs.writeText(`${mnt}/pvc-src/dir/b.txt`, "nested");
  f.kube.seed(volumeOn(U1, "pvc-src", { totalCapacity: GIB }));
  return { f, mnt };
}

async function seedClone(f: Fixture, name: string, source: string): Promise<void> {
  const clone = volumeOn(U1, name, { totalCapacity: GIB });
  clone.metadata.annotations = { [ANNOTATIONS.contentSource]: source };
  f.kube.seed(clone);
  await reconcileVolume({ ...f.deps, getDrive: () => undefined }, await f.kube.volumes.get(name));
}

async function seedSnapshot(f: Fixture, name: string): Promise<DirectPVSnapshot> {
  const [stored] = f.kube.seed(newSnapshot(name, await f.kube.volumes.get("pvc-src")));
  await reconcileSnapshot(f.deps, stored as DirectPVSnapshot);
  return await f.kube.snapshots.get(name);
}

Deno.test("a clone gets its source's files by reflink and is marked ContentCopied", async () => {
  const { f, mnt } = await driveWithSource(REFLINK);
  try {
    await seedClone(f, "pvc-clone", "volume/pvc-src");
    const cp = f.host.execCalls.find((c) => c.command === "cp");
    assert.ok(cp?.args.includes("--reflink=always"), cp?.args.join(" ") ?? "no cp");
    assert.equal(await f.host.fs.readText(`${mnt}/pvc-clone/a.txt`), "version 1");
    assert.equal(await f.host.fs.readText(`${mnt}/pvc-clone/dir/b.txt`), "nested");
    const clone = await f.kube.volumes.get("pvc-clone");
    assert.deepEqual(copyStateOf(clone.status.conditions), { state: "done" });
    const copies = f.host.execCalls.filter((c) => c.command === "cp").length;
    await reconcileVolume({ ...f.deps, getDrive: () => undefined }, clone);
    assert.equal(f.host.execCalls.filter((c) => c.command === "cp").length, copies, "once");
  } finally {
    await f.dispose();
  }
});

Deno.test("a drive without reflink refuses the clone, naming the drive, copying nothing", async () => {
  const { f, mnt } = await driveWithSource(NO_REFLINK);
  try {
    await seedClone(f, "pvc-clone", "volume/pvc-src");
    const clone = await f.kube.volumes.get("pvc-clone");
    const state = copyStateOf(clone.status.conditions);
    assert.equal(state.state, "failed");
    assert.match(
      state.state === "failed" ? state.message : "",
      new RegExp(
        `^Cannot copy volume "pvc-src" into volume "pvc-clone": Drive "${U1}" is ` +
          `formatted without reflink \\(reflink=0\\)`,
      ),
    );
    assert.equal(await f.host.fs.stat(`${mnt}/pvc-clone`), undefined);
    assert.ok(!f.host.execCalls.some((c) => c.command === "cp"));
  } finally {
    await f.dispose();
  }
});

Deno.test("a snapshot keeps the files as cut while the source changes; a restore has them", async () => {
  const { f, mnt } = await driveWithSource(REFLINK);
  try {
    const snap = await seedSnapshot(f, "snap-1");
    assert.ok(snap.status.readyToUse);
    assert.ok(snap.status.creationTime);
    const dir = `${mnt}/.directpv/snapshots/snap-1`;
    assert.equal(((await Deno.stat(dir)).mode ?? 0) & 0o777, 0o555, "read-only");
    await f.host.fs.writeText(`${mnt}/pvc-src/a.txt`, "version 2");
    await seedClone(f, "pvc-restore", "snapshot/snap-1");
    assert.equal(await f.host.fs.readText(`${mnt}/pvc-restore/a.txt`), "version 1");
    assert.equal(await f.host.fs.readText(`${mnt}/pvc-restore/dir/b.txt`), "nested");
    assert.equal(await f.host.fs.readText(`${dir}/a.txt`), "version 1");
  } finally {
    await f.dispose();
  }
});

Deno.test("a deleted snapshot loses its directory and gives its bytes back once", async () => {
  const { f, mnt } = await driveWithSource(REFLINK);
  try {
    await f.kube.drives.patch(U1, {
      metadata: { finalizers: [FINALIZERS.dataProtection, snapshotFinalizer("snap-1")] },
      status: { freeCapacity: 100 * GIB, allocatedCapacity: 2 * GIB },
    });
    await seedSnapshot(f, "snap-1");
    await f.kube.snapshots.delete("snap-1");
    await reconcileSnapshot(f.deps, await f.kube.snapshots.get("snap-1"));
    assert.equal(await f.host.fs.stat(`${mnt}/.directpv/snapshots/snap-1`), undefined);
    const drive = await f.kube.drives.get(U1);
    assert.equal(drive.status.freeCapacity, 101 * GIB);
    assert.equal(drive.status.allocatedCapacity, GIB);
    assert.deepEqual(drive.metadata.finalizers, [FINALIZERS.dataProtection]);
    await assert.rejects(f.kube.snapshots.get("snap-1"), /not found/i, "finalizer dropped");
  } finally {
    await f.dispose();
  }
});

Deno.test("a snapshot whose source volume is gone is marked CopyFailed", async () => {
  const { f } = await driveWithSource(REFLINK);
  try {
    const [stored] = f.kube.seed(newSnapshot("snap-1", await f.kube.volumes.get("pvc-src")));
    await f.kube.volumes.patch("pvc-src", { metadata: { finalizers: [] } });
    await f.kube.volumes.delete("pvc-src");
    await reconcileSnapshot(f.deps, stored as DirectPVSnapshot);
    const snap = await f.kube.snapshots.get("snap-1");
    assert.ok(!snap.status.readyToUse);
    assert.equal(snap.status.conditions?.[0]?.type, COPY_CONDITIONS.copyFailed);
    assert.match(
      snap.status.conditions?.[0]?.message ?? "",
      /"pvc-src" as "snap-1": the volume is gone/,
    );
  } finally {
    await f.dispose();
  }
});
