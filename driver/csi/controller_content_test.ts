/**
 * CreateVolume from a volume or a snapshot: placement on the source's drive, sizes, the
 * wait for the node server's copy, and a failed copy taking the volume back.
 */
import assert from "node:assert/strict";
import {
  AbortedError,
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import type { FakeKube } from "../../lib/k8s/testing.ts";
import {
  ANNOTATIONS,
  COPY_CONDITIONS,
  type DirectPVSnapshot,
  LABELS,
  newSnapshot,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { createVolume } from "./controller_create.ts";

import { callCtx, controllerSetup, drive, GiB, rejects, volume } from "./fixtures_test.ts";
import { createReq, writes } from "./requests_test.ts";
import { Status } from "./status.ts";

const FAST = { timeoutMs: 2000, intervalMs: 2 };

/** Plays the node server: marks volume `id` copied (or failed) once it appears. */
async function nodeCopies(kube: FakeKube, id: string, outcome: "done" | string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const found = (await kube.volumes.list()).items.find((v) => v.metadata.name === id);
    if (found) {
      const type = outcome === "done" ? COPY_CONDITIONS.contentCopied : COPY_CONDITIONS.copyFailed;
      const condition = {
        type,
        status: "True" as const,
        reason: outcome === "done" ? "Copied" : "CopyFailed",
        message: outcome === "done" ? "copied" : outcome,
        lastTransitionTime: new Date().toISOString(),
      };
      await kube.volumes.patch(id, { status: { conditions: [condition] } });
      return;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`volume ${id} never appeared`);
}

function cloneReq(source: string, partial: Parameters<typeof createReq>[0] = {}) {
  return createReq({
    name: "pvc-clone",
    volumeContentSource: { volume: { volumeId: source } },
    accessibilityRequirements: { requisite: [], preferred: [] },
    capacityRange: { requiredBytes: 2 * GiB, limitBytes: 0 },
    ...partial,
  });
}

function setup() {
  const src = volume("pvc-src", { drive: "d1", size: 2 * GiB });
  const drives = [
    drive("d1", { free: 8 * GiB, volumes: ["pvc-src"] }),
    drive("d2", { node: "node-2", free: 10 * GiB }),
  ];
  const s = controllerSetup(drives, [src]);
  s.deps.copyWait = FAST;
  return s;
}

Deno.test("createVolume() clones onto the source's drive at the source's size", async () => {
  const { kube, deps } = setup();
  const [res] = await Promise.all([
    createVolume(deps, cloneReq("pvc-src", { capacityRange: undefined }), callCtx()),
    nodeCopies(kube, "pvc-clone", "done"),
  ]);
  assert.equal(res.volume?.capacityBytes, 2 * GiB);
  assert.deepEqual(res.volume?.contentSource, { volume: { volumeId: "pvc-src" } });
  const clone = await kube.volumes.get("pvc-clone");
  assert.equal(clone.metadata.labels?.[LABELS.drive], "d1", "d2 has more room but not the data");
  assert.equal(clone.metadata.annotations?.[ANNOTATIONS.contentSource], "volume/pvc-src");
  const d1 = await kube.drives.get("d1");
  assert.ok(d1.metadata.finalizers?.includes(volumeFinalizer("pvc-clone")));
  assert.equal(d1.status.freeCapacity, 6 * GiB, "the clone's bytes are accounted");
});

Deno.test("createVolume() refuses a clone smaller than its source or outside its node", async () => {
  const { kube, deps } = setup();
  await rejects(
    createVolume(
      deps,
      cloneReq("pvc-src", { capacityRange: { requiredBytes: GiB, limitBytes: 0 } }),
      callCtx(),
    ),
    OutOfRangeError,
    Status.OUT_OF_RANGE,
    /required bytes 1073741824 are below the source's 2147483648 bytes/,
  );
  const elsewhere = {
    requisite: [{ segments: { [LABELS.node]: "node-2" } }],
    preferred: [{ segments: { [LABELS.node]: "node-2" } }],
  };
  await rejects(
    createVolume(deps, cloneReq("pvc-src", { accessibilityRequirements: elsewhere }), callCtx()),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
    /its data is on drive "d1" on node "node-1", outside the requested topology \(node "node-2"\)/,
  );
  assert.deepEqual(writes(kube), []);
});

Deno.test("createVolume() from a copy the node server refuses deletes the volume again", async () => {
  const { kube, deps } = setup();
  const why = 'Cannot copy into volume "pvc-clone": drive "d1" is formatted without reflink';
  const [err] = await Promise.all([
    createVolume(deps, cloneReq("pvc-src"), callCtx()).then(() => undefined, (e) => e),
    nodeCopies(kube, "pvc-clone", why),
  ]);
  assert.ok(err instanceof FailedPreconditionError, String(err));
  assert.equal(err.message, why);
  const left = await kube.volumes.get("pvc-clone");
  assert.ok(left.metadata.deletionTimestamp, "deleted: the node server gives the bytes back");
});

Deno.test("createVolume() answers ABORTED while the copy runs, and a retry finds it done", async () => {
  const { kube, deps } = setup();
  deps.copyWait = { timeoutMs: 20, intervalMs: 2 };
  await rejects(
    createVolume(deps, cloneReq("pvc-src"), callCtx()),
    AbortedError,
    Status.ABORTED,
    /not finished copying yet; retry/,
  );
  await nodeCopies(kube, "pvc-clone", "done");
  const res = await createVolume(deps, cloneReq("pvc-src"), callCtx());
  assert.equal(res.volume?.volumeId, "pvc-clone");
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.freeCapacity, 6 * GiB, "the retry reserves nothing more");
});

Deno.test("createVolume() restores a ready snapshot on its drive; a snapshot not ready waits", async () => {
  const { kube, deps } = setup();
  const snap: DirectPVSnapshot = newSnapshot("snap-1", await kube.volumes.get("pvc-src"));
  kube.seed(snap);
  const req = createReq({
    name: "pvc-restore",
    volumeContentSource: { snapshot: { snapshotId: "snap-1" } },
    capacityRange: { requiredBytes: 3 * GiB, limitBytes: 0 },
  });
  await rejects(
    createVolume(deps, req, callCtx()),
    FailedPreconditionError,
    Status.FAILED_PRECONDITION,
    /volume "pvc-restore" from snapshot "snap-1": the snapshot is not ready to use yet/,
  );
  await kube.snapshots.patch("snap-1", { status: { readyToUse: true } });
  const [res] = await Promise.all([
    createVolume(deps, req, callCtx()),
    nodeCopies(kube, "pvc-restore", "done"),
  ]);
  assert.equal(res.volume?.capacityBytes, 3 * GiB, "bigger than the source is fine");
  const restored = await kube.volumes.get("pvc-restore");
  assert.equal(restored.metadata.annotations?.[ANNOTATIONS.contentSource], "snapshot/snap-1");
  assert.equal(restored.metadata.labels?.[LABELS.drive], "d1");
});
