/** CreateSnapshot, DeleteSnapshot and ListSnapshots over the fake API server. */
import assert from "node:assert/strict";
import {
  AbortedError,
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
} from "../../lib/errors/mod.ts";
import type { FakeKube } from "../../lib/k8s/testing.ts";
import { COPY_CONDITIONS, FINALIZERS, LABELS, snapshotFinalizer } from "../../lib/types/mod.ts";
import type { CreateSnapshotRequest, ListSnapshotsRequest } from "../../proto/mod.ts";
import { createSnapshot, deleteSnapshot } from "./controller_snapshot.ts";
import { getSnapshot, listSnapshots } from "./controller_snapshot_list.ts";
import { callCtx, controllerSetup, drive, GiB, rejects, volume } from "./fixtures_test.ts";
import { writes } from "./requests_test.ts";
import { Status } from "./status.ts";

const FAST = { timeoutMs: 2000, intervalMs: 2 };

function snapReq(name: string, source = "pvc-1"): CreateSnapshotRequest {
  return { name, sourceVolumeId: source, secrets: {}, parameters: {} };
}

function listReq(partial: Partial<ListSnapshotsRequest> = {}): ListSnapshotsRequest {
  return {
    maxEntries: 0,
    startingToken: "",
    sourceVolumeId: "",
    snapshotId: "",
    secrets: {},
    ...partial,
  };
}

/** Plays the node server: cuts snapshot `id` (or fails it) once it appears. */
async function nodeCuts(kube: FakeKube, id: string, failure?: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const found = (await kube.snapshots.list()).items.find((s) => s.metadata.name === id);
    if (found) {
      const now = new Date().toISOString();
      const status = failure
        ? {
          readyToUse: false,
          conditions: [{
            type: COPY_CONDITIONS.copyFailed,
            status: "True" as const,
            reason: "CopyFailed",
            message: failure,
            lastTransitionTime: now,
          }],
        }
        : { readyToUse: true, creationTime: now };
      await kube.snapshots.patch(id, { status });
      return;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`snapshot ${id} never appeared`);
}

function setup(free = 8 * GiB) {
  const s = controllerSetup([drive("d1", { free, volumes: ["pvc-1"] })], [
    volume("pvc-1", { size: 2 * GiB }),
    volume("pvc-2", { size: GiB }),
  ]);
  s.deps.copyWait = FAST;
  return s;
}

Deno.test("createSnapshot() holds the volume's size on its drive and answers once cut", async () => {
  const { kube, deps } = setup();
  const [res] = await Promise.all([
    createSnapshot(deps, snapReq("snap-1"), callCtx()),
    nodeCuts(kube, "snap-1"),
  ]);
  assert.equal(res.snapshot?.snapshotId, "snap-1");
  assert.equal(res.snapshot?.sourceVolumeId, "pvc-1");
  assert.equal(res.snapshot?.sizeBytes, 2 * GiB);
  assert.ok(res.snapshot?.readyToUse);
  assert.ok(res.snapshot?.creationTime instanceof Date);
  const snap = await kube.snapshots.get("snap-1");
  assert.deepEqual(snap.spec, { sourceVolume: "pvc-1", fsuuid: "d1", sizeBytes: 2 * GiB });
  assert.equal(snap.metadata.labels?.[LABELS.node], "node-1");
  assert.deepEqual(snap.metadata.finalizers, [FINALIZERS.snapshotProtection]);
  const d1 = await kube.drives.get("d1");
  assert.ok(d1.metadata.finalizers?.includes(snapshotFinalizer("snap-1")));
  assert.equal(d1.status.freeCapacity, 6 * GiB);

  const again = await createSnapshot(deps, snapReq("snap-1"), callCtx());
  assert.equal(again.snapshot?.snapshotId, "snap-1", "idempotent by name");
  assert.equal((await kube.drives.get("d1")).status.freeCapacity, 6 * GiB, "reserved once");
  await rejects(
    createSnapshot(deps, snapReq("snap-1", "pvc-2"), callCtx()),
    AlreadyExistsError,
    Status.ALREADY_EXISTS,
    'Snapshot "snap-1" already exists for volume "pvc-1", not "pvc-2"',
  );
});

Deno.test("createSnapshot() refuses bad input with the right code, writing nothing", async () => {
  const { kube, deps } = setup();
  await rejects(
    createSnapshot(deps, snapReq("snap-1", "pvc-missing"), callCtx()),
    NotFoundError,
    Status.NOT_FOUND,
    'Cannot create snapshot "snap-1": source volume "pvc-missing" not found',
  );
  await rejects(
    createSnapshot(deps, snapReq(""), callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
  );
  await rejects(
    createSnapshot(deps, snapReq("snap-1", ""), callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
    /Source volume ID is missing for snapshot "snap-1"/,
  );
  assert.deepEqual(writes(kube), []);
});

Deno.test("createSnapshot() on a full drive is RESOURCE_EXHAUSTED", async () => {
  const { kube, deps } = setup(GiB);
  await rejects(
    createSnapshot(deps, snapReq("snap-1"), callCtx()),
    ResourceExhaustedError,
    Status.RESOURCE_EXHAUSTED,
    /drive "d1" has 1073741824 bytes free, the snapshot needs 2147483648/,
  );
  assert.deepEqual(await kube.snapshots.listAll(), []);
});

Deno.test("createSnapshot() whose cut fails deletes it and says why; a slow cut is ABORTED", async () => {
  const { kube, deps } = setup();
  const why = 'Cannot snapshot volume "pvc-1": drive "d1" is formatted without reflink';
  const [err] = await Promise.all([
    createSnapshot(deps, snapReq("snap-1"), callCtx()).then(() => undefined, (e) => e),
    nodeCuts(kube, "snap-1", why),
  ]);
  assert.ok(err instanceof FailedPreconditionError, String(err));
  assert.equal(err.message, why);
  assert.ok((await kube.snapshots.get("snap-1")).metadata.deletionTimestamp);
  deps.copyWait = { timeoutMs: 10, intervalMs: 2 };
  await rejects(
    createSnapshot(deps, snapReq("snap-2"), callCtx()),
    AbortedError,
    Status.ABORTED,
  );
});

Deno.test("deleteSnapshot() deletes the object (the node frees it); a missing one is OK", async () => {
  const { kube, deps } = setup();
  await Promise.all([createSnapshot(deps, snapReq("snap-1"), callCtx()), nodeCuts(kube, "snap-1")]);
  assert.deepEqual(
    await deleteSnapshot(deps, { snapshotId: "snap-1", secrets: {} }, callCtx()),
    {},
  );
  assert.ok((await kube.snapshots.get("snap-1")).metadata.deletionTimestamp, "node's finalizer");
  assert.deepEqual(await deleteSnapshot(deps, { snapshotId: "nope", secrets: {} }, callCtx()), {});
  await rejects(
    deleteSnapshot(deps, { snapshotId: "", secrets: {} }, callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
  );
});

Deno.test("listSnapshots() filters by id and source volume and pages by token", async () => {
  const { kube, deps } = setup(20 * GiB);
  for (const [name, source] of [["snap-a", "pvc-1"], ["snap-b", "pvc-2"], ["snap-c", "pvc-1"]]) {
    await Promise.all([
      createSnapshot(deps, snapReq(name ?? "", source), callCtx()),
      nodeCuts(kube, name ?? ""),
    ]);
  }
  const ids = (r: Awaited<ReturnType<typeof listSnapshots>>) =>
    (r.entries ?? []).map((e) => e.snapshot?.snapshotId);
  assert.deepEqual(ids(await listSnapshots(deps, listReq(), callCtx())), [
    "snap-a",
    "snap-b",
    "snap-c",
  ]);
  assert.deepEqual(ids(await listSnapshots(deps, listReq({ snapshotId: "snap-b" }), callCtx())), [
    "snap-b",
  ]);
  assert.deepEqual(ids(await listSnapshots(deps, listReq({ snapshotId: "none" }), callCtx())), []);
  const byVolume = await listSnapshots(deps, listReq({ sourceVolumeId: "pvc-1" }), callCtx());
  assert.deepEqual(ids(byVolume), ["snap-a", "snap-c"]);
  const first = await listSnapshots(deps, listReq({ maxEntries: 2 }), callCtx());
  assert.deepEqual([ids(first), first.nextToken], [["snap-a", "snap-b"], "2"]);
  const rest = await listSnapshots(deps, listReq({ maxEntries: 2, startingToken: "2" }), callCtx());
  assert.deepEqual([ids(rest), rest.nextToken], [["snap-c"], ""]);
  await rejects(
    listSnapshots(deps, listReq({ startingToken: "bogus" }), callCtx()),
    AbortedError,
    Status.ABORTED,
    /Invalid starting token "bogus"/,
  );
  await rejects(
    listSnapshots(deps, listReq({ maxEntries: -1 }), callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
  );
});

Deno.test("getSnapshot() answers one snapshot; a missing or deleted one is NOT_FOUND by name", async () => {
  const { kube, deps } = setup();
  await Promise.all([createSnapshot(deps, snapReq("snap-1"), callCtx()), nodeCuts(kube, "snap-1")]);
  const got = await getSnapshot(deps, { snapshotId: "snap-1", secrets: {} }, callCtx());
  assert.equal(got.snapshot?.snapshotId, "snap-1");
  assert.equal(got.snapshot?.sourceVolumeId, "pvc-1");
  assert.equal(got.snapshot?.sizeBytes, 2 * GiB);
  assert.ok(got.snapshot?.readyToUse, "ready to use");
  for (const id of ["nope", "..", "a/b"]) {
    await rejects(
      getSnapshot(deps, { snapshotId: id, secrets: {} }, callCtx()),
      NotFoundError,
      Status.NOT_FOUND,
      new RegExp(`Snapshot "${id.replace(/[./]/g, "\\$&")}" not found`),
    );
  }
  await deleteSnapshot(deps, { snapshotId: "snap-1", secrets: {} }, callCtx());
  await rejects(
    getSnapshot(deps, { snapshotId: "snap-1", secrets: {} }, callCtx()),
    NotFoundError,
    Status.NOT_FOUND,
  );
  await rejects(
    getSnapshot(deps, { snapshotId: "", secrets: {} }, callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
  );
});
