import assert from "node:assert/strict";
import { ANNOTATIONS, type MoveDataProgress, volumeFinalizer } from "../../lib/types/mod.ts";
import { moveDriveData } from "./move_data.ts";
import type { NodeOps } from "./node_ops.ts";
import { type Fixture, volumeOn, withFixture } from "./testing.ts";

const SRC = "11111111-2222-4333-8444-555555555555";
const DST = "66666666-7777-4888-9999-aaaaaaaaaaaa";
const GiB = 1024 ** 3;
const SIZE = 256 * 1024 ** 2;
const small = { totalCapacity: SIZE };

/** The fixture's operations with the data copy scripted (the real one is the e2e scenario's). */
function scriptedOps(f: Fixture, copy: () => Promise<void>): NodeOps {
  const ops = Object.create(f.ops) as NodeOps;
  ops.copyVolumeData = async (_input, onProgress) => {
    onProgress?.(4);
    onProgress?.(4);
    onProgress?.(8);
    await copy();
    return { bytes: 10, files: 1 };
  };
  ops.volumeDataBytes = () => Promise.resolve(10);
  return ops;
}

async function ask(f: Fixture): Promise<void> {
  const src = await f.drive(SRC);
  src.metadata.annotations = { ...src.metadata.annotations, [ANNOTATIONS.moveDataTo]: DST };
  await f.kube.drives.update(src);
}

async function progress(f: Fixture): Promise<MoveDataProgress> {
  const text = (await f.drive(SRC)).metadata.annotations?.[ANNOTATIONS.moveDataProgress];
  return JSON.parse(text ?? "{}") as MoveDataProgress;
}

Deno.test("moveDriveData() finishes when run again after a crash midway", () =>
  withFixture(async (f) => {
    await f.seedDrive(SRC, { volumes: ["pvc-1", "pvc-2"], allocated: 2 * SIZE });
    await f.seedDrive(DST);
    f.kube.seed(volumeOn(SRC, "pvc-1", small), volumeOn(SRC, "pvc-2", small));
    let copies = 0;
    const crashing = scriptedOps(f, () => {
      copies++;
      if (copies === 2) return Promise.reject(new Error("node server killed"));
      return Promise.resolve();
    });
    await ask(f);
    await moveDriveData({ ...f.deps, ops: crashing }, await f.drive(SRC));
    const failed = await progress(f);
    assert.equal(failed.state, "failed");
    assert.match(failed.message, /node server killed/);
    assert.equal((await f.kube.volumes.get("pvc-1")).status.fsuuid, DST, "first one switched");
    assert.equal((await f.kube.volumes.get("pvc-2")).status.fsuuid, SRC, "second one not");
    assert.equal((await f.drive(SRC)).metadata.annotations?.[ANNOTATIONS.moveDataTo], undefined);

    await ask(f);
    await moveDriveData({ ...f.deps, ops: crashing }, await f.drive(SRC));
    assert.equal((await progress(f)).state, "done");
    assert.equal(copies, 3, "the switched volume is not copied again");
    const [src, dst] = [await f.drive(SRC), await f.drive(DST)];
    assert.equal(src.status.allocatedCapacity, 0);
    assert.equal(dst.status.allocatedCapacity, 2 * SIZE, "reserved once per volume");
    assert.deepEqual(
      dst.metadata.finalizers?.filter((x) => x.includes(".volume/")),
      [volumeFinalizer("pvc-1"), volumeFinalizer("pvc-2")],
    );
    assert.ok(!src.metadata.finalizers?.some((x) => x.includes(".volume/")));
    const pvc2 = await f.kube.volumes.get("pvc-2");
    assert.equal(pvc2.status.fsuuid, DST);
    assert.equal(pvc2.metadata.labels?.["directpv.min.io/drive"], DST);
  }));

Deno.test("moveDriveData() never copies a published volume; with wait it waits", () =>
  withFixture(async (f) => {
    await f.seedDrive(SRC, { volumes: ["pvc-1"], allocated: GiB });
    await f.seedDrive(DST);
    f.kube.seed(volumeOn(SRC, "pvc-1", { targetPath: "/pods/x", status: "Ready" }));
    let copies = 0;
    const ops = scriptedOps(f, () => {
      copies++;
      return Promise.resolve();
    });
    await ask(f);
    await moveDriveData({ ...f.deps, ops }, await f.drive(SRC));
    assert.equal((await progress(f)).state, "failed");
    assert.match((await progress(f)).message, /Volume "pvc-1" is in use by a pod/);
    const src = await f.drive(SRC);
    src.metadata.annotations = {
      ...src.metadata.annotations,
      [ANNOTATIONS.moveDataTo]: DST,
      [ANNOTATIONS.moveDataWait]: "true",
    };
    await f.kube.drives.update(src);
    await moveDriveData({ ...f.deps, ops }, await f.drive(SRC));
    assert.equal((await progress(f)).state, "waiting");
    assert.equal(copies, 0);
    assert.equal((await f.drive(DST)).status.allocatedCapacity, 0, "nothing reserved yet");
  }));

Deno.test("moveDriveData() records the bytes copied while a copy runs", () =>
  withFixture(async (f) => {
    await f.seedDrive(SRC, { volumes: ["pvc-1"], allocated: SIZE });
    await f.seedDrive(DST);
    f.kube.seed(volumeOn(SRC, "pvc-1", small));
    await ask(f);
    await moveDriveData(
      { ...f.deps, ops: scriptedOps(f, () => Promise.resolve()) },
      await f.drive(SRC),
    );
    const copied = f.logs
      .filter((r) => r.msg === "Drive data move" && r.fields["state"] === "copying")
      .map((r) => r.fields["copiedBytes"]);
    assert.deepEqual(copied, [undefined, 4, 8], "the start, then each new figure once");
    assert.equal((await progress(f)).state, "done");
  }));
