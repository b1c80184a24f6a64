/**
 * Controller requests at the edges: hostile volume ids, content sources, limits below the
 * smallest volume and expansion against the limit. Nothing is written on a refusal.
 */
import assert from "node:assert/strict";
import { InvalidArgumentError, NotFoundError, OutOfRangeError } from "../../lib/errors/mod.ts";
import { validateVolumeCapabilities } from "./controller.ts";
import { createVolume } from "./controller_create.ts";
import { controllerExpandVolume, deleteVolume } from "./controller_delete_expand.ts";
import { MIN_VOLUME_SIZE } from "./controller_validate.ts";
import {
  callCtx,
  controllerSetup,
  drive,
  GiB,
  mountCap,
  rejects,
  volume,
} from "./fixtures_test.ts";
import { createReq, writes } from "./requests_test.ts";
import { Status } from "./status.ts";

const HOSTILE_IDS = [".", "..", "/", "pvc-1/../../y", "pvc-1/", "../pvc-1", "a%2Fb", "\0"];

Deno.test("hostile volume ids are NotFound (DeleteVolume: already gone), never a write", async () => {
  const { kube, deps } = controllerSetup([drive("d1")], [volume("pvc-1")]);
  for (const id of HOSTILE_IDS) {
    const expand = { volumeId: id, capacityRange: { requiredBytes: 2 * GiB, limitBytes: 0 } };
    await rejects(
      controllerExpandVolume(
        deps,
        { ...expand, secrets: {}, volumeCapability: undefined },
        callCtx(),
      ),
      NotFoundError,
      Status.NOT_FOUND,
    );
    const validate = {
      volumeId: id,
      volumeContext: {},
      volumeCapabilities: [mountCap()],
      parameters: {},
      secrets: {},
      mutableParameters: {},
    };
    await rejects(
      validateVolumeCapabilities(deps, validate, callCtx()),
      NotFoundError,
      Status.NOT_FOUND,
    );
    assert.deepEqual(await deleteVolume(deps, { volumeId: id, secrets: {} }, callCtx()), {});
  }
  assert.deepEqual(writes(kube), []);
  assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, GiB);
});

Deno.test("createVolume() refuses a content source that does not exist, naming it", async (t) => {
  const sources = [
    [
      { volume: { volumeId: "pvc-missing" } },
      NotFoundError,
      Status.NOT_FOUND,
      /^Cannot create volume "pvc-1" from volume "pvc-missing": volume not found$/,
    ],
    [
      { snapshot: { snapshotId: "snap-1" } },
      NotFoundError,
      Status.NOT_FOUND,
      /^Cannot create volume "pvc-1" from snapshot "snap-1": snapshot not found$/,
    ],
    [{}, InvalidArgumentError, Status.INVALID_ARGUMENT, /from an empty content source/],
  ] as const;
  for (const [source, cls, code, message] of sources) {
    await t.step(message.source, async () => {
      const { kube, deps } = controllerSetup([drive("d1")]);
      await rejects(
        createVolume(deps, createReq({ volumeContentSource: source }), callCtx()),
        cls,
        code,
        message,
      );
      assert.deepEqual(writes(kube), []);
    });
  }
});

Deno.test("createVolume() refuses limit bytes below the smallest volume, raises tiny sizes", async () => {
  const { kube, deps } = controllerSetup([drive("d1")]);
  for (const limitBytes of [1, MIN_VOLUME_SIZE - 1]) {
    await rejects(
      createVolume(deps, createReq({ capacityRange: { requiredBytes: 0, limitBytes } }), callCtx()),
      OutOfRangeError,
      Status.OUT_OF_RANGE,
      new RegExp(`Limit bytes ${limitBytes} of volume "pvc-1" are below the smallest volume size`),
    );
  }
  assert.deepEqual(writes(kube), []);
  const res = await createVolume(
    deps,
    createReq({ capacityRange: { requiredBytes: 1, limitBytes: 0 } }),
    callCtx(),
  );
  assert.equal(res.volume?.capacityBytes, MIN_VOLUME_SIZE);
  assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, MIN_VOLUME_SIZE);
});

Deno.test("controllerExpandVolume() never answers above limit bytes", async () => {
  const { kube, deps } = controllerSetup([drive("d1")], [volume("pvc-1", { size: 2 * GiB })]);
  const req = (requiredBytes: number, limitBytes: number) => ({
    volumeId: "pvc-1",
    capacityRange: { requiredBytes, limitBytes },
    secrets: {},
    volumeCapability: undefined,
  });
  await rejects(
    controllerExpandVolume(deps, req(0, GiB), callCtx()),
    OutOfRangeError,
    Status.OUT_OF_RANGE,
    /has 2147483648 bytes, more than the limit bytes 1073741824/,
  );
  await rejects(
    controllerExpandVolume(deps, req(GiB, GiB), callCtx()),
    OutOfRangeError,
    Status.OUT_OF_RANGE,
  );
  assert.deepEqual(writes(kube), []);
  const res = await controllerExpandVolume(deps, req(GiB, 2 * GiB), callCtx());
  assert.deepEqual(res, { capacityBytes: 2 * GiB, nodeExpansionRequired: true });
});
