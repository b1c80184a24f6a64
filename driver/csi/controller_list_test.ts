/**
 * ListVolumes and ControllerGetVolume: paging, bad tokens, the entries' fields and
 * condition, and reads served from a real informer cache that already holds the
 * controller's own writes.
 */
import assert from "node:assert/strict";
import {
  AbortedError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import { Informer } from "../../lib/k8s/mod.ts";
import {
  ANNOTATIONS,
  COPY_CONDITIONS,
  type DirectPVVolume,
  LABELS,
  VOLUME_CONDITIONS,
} from "../../lib/types/mod.ts";
import { createVolume } from "./controller_create.ts";
import { informerVolumeCache } from "./controller_deps.ts";
import { deleteVolume } from "./controller_delete_expand.ts";
import { controllerGetVolume, listVolumes, pageToken } from "./controller_list.ts";
import { callCtx, controllerSetup, drive, GiB, rejects, volume } from "./fixtures_test.ts";
import { createReq } from "./requests_test.ts";
import { Status } from "./status.ts";

const list = (maxEntries = 0, startingToken = "") => ({ maxEntries, startingToken });

/** Controller deps whose volume cache is an informer over the FakeKube, synced. */
async function cachedSetup(volumes: DirectPVVolume[]) {
  const s = controllerSetup(
    [drive("d1", { volumes: volumes.map((v) => v.metadata.name ?? "") })],
    volumes,
  );
  const informer = new Informer<DirectPVVolume>(s.kube.volumes);
  informer.start();
  await informer.waitForSync();
  s.deps.volumes = informerVolumeCache(informer);
  return { ...s, informer };
}

Deno.test("listVolumes() pages in name order and resumes by name", async (t) => {
  const names = ["pvc-a", "pvc-b", "pvc-c", "pvc-d", "pvc-e"];
  const { kube, deps, informer } = await cachedSetup(names.reverse().map((n) => volume(n)));
  try {
    await t.step("max_entries 2 gives two entries and a token", async () => {
      const first = await listVolumes(deps, list(2), callCtx());
      assert.deepEqual(first.entries?.map((e) => e.volume?.volumeId), ["pvc-a", "pvc-b"]);
      assert.equal(first.nextToken, pageToken("pvc-c"));
      const rest = await listVolumes(deps, list(0, first.nextToken), callCtx());
      assert.deepEqual(rest.entries?.map((e) => e.volume?.volumeId), ["pvc-c", "pvc-d", "pvc-e"]);
      assert.equal(rest.nextToken, "", "the last page has no token");
    });
    await t.step("deleting the volume a token names keeps the place", async () => {
      const first = await listVolumes(deps, list(2), callCtx());
      await kube.volumes.patch("pvc-c", { metadata: { finalizers: [] } });
      await kube.volumes.delete("pvc-c");
      deps.volumes?.forget("pvc-c");
      const rest = await listVolumes(deps, list(0, first.nextToken), callCtx());
      assert.deepEqual(rest.entries?.map((e) => e.volume?.volumeId), ["pvc-d", "pvc-e"]);
    });
    await t.step("no max_entries lists everything", async () => {
      const all = await listVolumes(deps, list(), callCtx());
      assert.equal(all.entries?.length, 4);
      assert.equal(all.nextToken, "");
    });
  } finally {
    await informer.stop();
  }
});

Deno.test("listVolumes() refuses a token it did not hand out and a negative max_entries", async () => {
  const { deps } = controllerSetup([drive("d1")], [volume("pvc-a")]);
  for (const token of ["invalid-token", "next:", "3"]) {
    await rejects(
      listVolumes(deps, list(0, token), callCtx()),
      AbortedError,
      Status.ABORTED,
      `Invalid starting token "${token}": it is not a token ListVolumes returned; list again ` +
        `from the start`,
    );
  }
  await rejects(
    listVolumes(deps, list(-1), callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
    "max_entries -1 is negative",
  );
});

Deno.test("listVolumes() is UNAVAILABLE until the volume cache has loaded", async () => {
  const { deps } = controllerSetup([drive("d1")]);
  deps.volumes = {
    list: () => [],
    get: () => undefined,
    apply: () => {},
    forget: () => {},
    synced: () => false,
  };
  await rejects(
    listVolumes(deps, list(), callCtx()),
    UnavailableError,
    Status.UNAVAILABLE,
    "Cannot list volumes yet: the volume cache is still loading",
  );
});

Deno.test("listVolumes() entries carry capacity, topology, content source and condition", async () => {
  const clone = volume("pvc-clone", { size: 3 * GiB });
  clone.metadata.annotations = { [ANNOTATIONS.contentSource]: "volume/pvc-src" };
  const restored = volume("pvc-restored", { drive: "gone", node: "node-7" });
  restored.metadata.annotations = { [ANNOTATIONS.contentSource]: "snapshot/snap-1" };
  const { deps } = controllerSetup([drive("d1")], [clone, restored]);
  const res = await listVolumes(deps, list(), callCtx());
  const [first, second] = res.entries ?? [];
  assert.equal(first?.volume?.capacityBytes, 3 * GiB);
  assert.deepEqual(first?.volume?.contentSource, { volume: { volumeId: "pvc-src" } });
  assert.equal(first?.volume?.accessibleTopology?.[0]?.segments?.[LABELS.node], "node-1");
  assert.equal(first?.volume?.accessibleTopology?.[0]?.segments?.[LABELS.zone], "default");
  assert.deepEqual(first?.status?.volumeCondition, {
    abnormal: false,
    message: "volume is healthy",
  });
  assert.deepEqual(second?.volume?.contentSource, { snapshot: { snapshotId: "snap-1" } });
  assert.deepEqual(
    second?.volume?.accessibleTopology,
    [{ segments: { [LABELS.node]: "node-7" } }],
    "without its drive the node label places the volume",
  );
  assert.deepEqual(second?.status?.volumeCondition, {
    abnormal: true,
    message: "drive gone of volume pvc-restored not found",
  });
  assert.equal(second?.status?.publishedNodeIds, undefined, "never controller-published");
});

Deno.test("controllerGetVolume() reports the volume's condition", async (t) => {
  const cases: [string, () => ReturnType<typeof controllerSetup>, string][] = [
    ["drive Lost", () => {
      const lost = drive("d1", { status: "Lost" });
      return controllerSetup([lost], [volume("pvc-1")]);
    }, "drive d1 of volume pvc-1 is Lost"],
    ["drive in Error with its health trouble", () => {
      const failed = drive("d1", { status: "Error" });
      failed.status.conditions = [{
        type: "IOError",
        status: "True",
        reason: "IOError",
        message: "Drive has I/O error",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      }];
      return controllerSetup([failed], [volume("pvc-1")]);
    }, "drive d1 of volume pvc-1 is Error (IOError: Drive has I/O error)"],
    ["volume Lost", () => {
      const v = volume("pvc-1");
      v.status.conditions = [{
        type: VOLUME_CONDITIONS.lost.type,
        status: "True",
        reason: VOLUME_CONDITIONS.lost.reason,
        message: "Associated drive was removed",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      }];
      return controllerSetup([drive("d1")], [v]);
    }, "volume pvc-1 is Lost (DriveLost: Associated drive was removed)"],
    ["content copy failed", () => {
      const v = volume("pvc-1");
      v.status.conditions = [{
        type: COPY_CONDITIONS.copyFailed,
        status: "True",
        reason: "CopyFailed",
        message: "drive d1 is formatted without reflink",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      }];
      return controllerSetup([drive("d1")], [v]);
    }, "content of volume pvc-1 could not be copied: drive d1 is formatted without reflink"],
  ];
  for (const [name, setup, message] of cases) {
    await t.step(name, async () => {
      const { deps } = setup();
      const res = await controllerGetVolume(deps, { volumeId: "pvc-1" }, callCtx());
      assert.equal(res.volume?.volumeId, "pvc-1");
      assert.deepEqual(res.status?.volumeCondition, { abnormal: true, message });
    });
  }
});

Deno.test("controllerGetVolume() names a missing or deleted volume (NOT_FOUND)", async () => {
  const { kube, deps } = controllerSetup([drive("d1")], [volume("pvc-1")]);
  await rejects(
    controllerGetVolume(deps, { volumeId: "pvc-none" }, callCtx()),
    NotFoundError,
    Status.NOT_FOUND,
    'Volume "pvc-none" not found',
  );
  await kube.volumes.delete("pvc-1");
  await rejects(
    controllerGetVolume(deps, { volumeId: "pvc-1" }, callCtx()),
    NotFoundError,
    Status.NOT_FOUND,
    'Volume "pvc-1" not found: it is being deleted',
  );
  await rejects(
    controllerGetVolume(deps, { volumeId: "" }, callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
  );
});

Deno.test("listVolumes() sees the controller's own create and delete at once", async () => {
  const { deps, kube, informer } = await cachedSetup([]);
  try {
    await informer.stop(); // no watch: only the controller's own writes reach the cache
    await createVolume(deps, createReq({ name: "pvc-new" }), callCtx());
    const after = await listVolumes(deps, list(), callCtx());
    assert.deepEqual(after.entries?.map((e) => e.volume?.volumeId), ["pvc-new"]);
    const listed = await kube.volumes.list();
    assert.equal(listed.items.length, 1, "the volume is stored");
    await deleteVolume(deps, { volumeId: "pvc-new", secrets: {} }, callCtx());
    const gone = await listVolumes(deps, list(), callCtx());
    assert.deepEqual(gone.entries, [], "a deleted volume is left out while the node cleans up");
  } finally {
    await informer.stop();
  }
});
