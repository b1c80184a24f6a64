import assert from "node:assert/strict";
import { pendingSizesOf } from "../../lib/types/mod.ts";
import { createVolume } from "./controller_create.ts";
import { callCtx, controllerSetup, drive, GiB } from "./fixtures_test.ts";
import { createReq } from "./requests_test.ts";

Deno.test("createVolume() without required bytes, retried after a crash before the volume write, keeps the size the drive reserved", async () => {
  const { deps, kube } = controllerSetup([drive("d1", { free: 9 * GiB })]);
  const volumes = kube.volumes as unknown as Record<string, unknown>;
  const saved = volumes.create;
  // The volume write never returns: the state a controller killed at that step leaves.
  volumes.create = () => new Promise(() => {});
  void createVolume(deps, createReq({ capacityRange: undefined }), callCtx());
  await new Promise((r) => setTimeout(r, 10));
  const crashed = await kube.drives.get("d1");
  assert.equal(crashed.status.freeCapacity, 0, "the whole free space is reserved");
  assert.deepEqual(pendingSizesOf(crashed), { "pvc-1": 9 * GiB }, "and its size recorded");
  volumes.create = saved;
  const res = await createVolume(deps, createReq({ capacityRange: undefined }), callCtx());
  assert.equal(res.volume?.capacityBytes, 9 * GiB);
  assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, 9 * GiB);
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.allocatedCapacity, 10 * GiB);
  assert.deepEqual(pendingSizesOf(d1), {}, "settled once the volume is written");
});
