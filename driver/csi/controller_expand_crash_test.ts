import assert from "node:assert/strict";
import { ANNOTATIONS, pendingSizesOf } from "../../lib/types/mod.ts";
import type { ControllerExpandVolumeRequest } from "../../proto/mod.ts";
import { controllerExpandVolume } from "./controller_delete_expand.ts";
import { callCtx, controllerSetup, drive, GiB, volume } from "./fixtures_test.ts";

function expandReq(volumeId: string, requiredBytes: number): ControllerExpandVolumeRequest {
  return {
    volumeId,
    capacityRange: { requiredBytes, limitBytes: 0 },
    secrets: {},
    volumeCapability: undefined,
  };
}

/**
 * Has every write of volumes hang for ever, as a controller killed at that step leaves
 * things: the drive written, the volume not. Returns the call that hangs.
 */
function hangVolumeWrites(kube: ReturnType<typeof controllerSetup>["kube"]): () => void {
  const volumes = kube.volumes as unknown as Record<string, unknown>;
  const saved = { patch: volumes.patch, update: volumes.update };
  volumes.patch = () => new Promise(() => {});
  volumes.update = () => new Promise(() => {});
  return () => Object.assign(volumes, saved);
}

Deno.test("controllerExpandVolume() retried after a crash between its writes reserves the extra bytes once", async () => {
  const { deps, kube } = controllerSetup([drive("d1", { free: 9 * GiB })], [volume("pvc-1")]);
  const restore = hangVolumeWrites(kube);
  void controllerExpandVolume(deps, expandReq("pvc-1", 3 * GiB), callCtx());
  await new Promise((r) => setTimeout(r, 10));
  const crashed = await kube.drives.get("d1");
  assert.equal(crashed.status.allocatedCapacity, 3 * GiB, "the extra bytes are reserved");
  assert.deepEqual(pendingSizesOf(crashed), { "pvc-1": 3 * GiB }, "and the expansion recorded");
  assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, GiB, "not the volume");
  restore();
  for (let retry = 0; retry < 2; retry++) {
    const res = await controllerExpandVolume(deps, expandReq("pvc-1", 3 * GiB), callCtx());
    assert.deepEqual(res, { capacityBytes: 3 * GiB, nodeExpansionRequired: true });
    const d1 = await kube.drives.get("d1");
    assert.equal(d1.status.allocatedCapacity, 3 * GiB, `retry ${retry} reserves nothing more`);
    assert.equal(d1.status.freeCapacity, 7 * GiB);
    assert.equal(d1.metadata.annotations?.[ANNOTATIONS.pendingSizes], undefined, "settled");
  }
  assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, 3 * GiB);
});

Deno.test("controllerExpandVolume() retried with a smaller size after a crash gives back the excess", async () => {
  const { deps, kube } = controllerSetup([drive("d1", { free: 9 * GiB })], [volume("pvc-1")]);
  const restore = hangVolumeWrites(kube);
  void controllerExpandVolume(deps, expandReq("pvc-1", 5 * GiB), callCtx());
  await new Promise((r) => setTimeout(r, 10));
  assert.equal((await kube.drives.get("d1")).status.allocatedCapacity, 5 * GiB);
  restore();
  await controllerExpandVolume(deps, expandReq("pvc-1", 2 * GiB), callCtx());
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.allocatedCapacity, 2 * GiB);
  assert.equal(d1.status.freeCapacity, 8 * GiB);
  assert.deepEqual(pendingSizesOf(d1), {});
});

Deno.test("controllerExpandVolume() whose volume write fails gives the reservation back", async () => {
  const { deps, kube } = controllerSetup([drive("d1", { free: 9 * GiB })], [volume("pvc-1")]);
  const volumes = kube.volumes as unknown as Record<string, unknown>;
  const saved = volumes.patch;
  volumes.patch = () => Promise.reject(new Error("connection reset"));
  await assert.rejects(
    controllerExpandVolume(deps, expandReq("pvc-1", 3 * GiB), callCtx()),
    /connection reset/,
  );
  volumes.patch = saved;
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.allocatedCapacity, GiB);
  assert.equal(d1.status.freeCapacity, 9 * GiB);
  assert.deepEqual(pendingSizesOf(d1), {});
});
