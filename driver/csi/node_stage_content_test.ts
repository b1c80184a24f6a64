/** NodeStageVolume of a volume made from a content source waits for the node's copy. */
import assert from "node:assert/strict";
import { FailedPreconditionError, UnavailableError } from "../../lib/errors/mod.ts";
import { ANNOTATIONS, COPY_CONDITIONS, type DirectPVVolume } from "../../lib/types/mod.ts";
import { nodeStageVolume } from "./node_stage.ts";
import { callCtx, FSUUID, GiB, nodeSetup, rejects, volume } from "./fixtures_test.ts";
import { stageReq } from "./requests_test.ts";
import { Status } from "./status.ts";

function clone(copy?: { type: string; message: string }): DirectPVVolume {
  const v = volume("pvc-1", { drive: FSUUID, size: GiB });
  v.metadata.annotations = { [ANNOTATIONS.contentSource]: "volume/pvc-src" };
  if (copy) {
    v.status.conditions = [{
      ...copy,
      status: "True",
      reason: "Test",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    }];
  }
  return v;
}

Deno.test("nodeStageVolume() of a clone still being copied is UNAVAILABLE, staging nothing", async () => {
  const { host, deps, mountPoint } = await nodeSetup({ volumes: [clone()] });
  try {
    await rejects(
      nodeStageVolume(deps, stageReq(), callCtx()),
      UnavailableError,
      Status.UNAVAILABLE,
      'Cannot stage volume "pvc-1" yet: its content from "volume/pvc-src" is still being copied',
    );
    assert.equal(await host.fs.stat(`${mountPoint}/pvc-1`), undefined);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeStageVolume() of a clone whose copy failed says why; a copied one stages", async () => {
  const failed = clone({ type: COPY_CONDITIONS.copyFailed, message: "drive has no reflink" });
  const bad = await nodeSetup({ volumes: [failed] });
  try {
    await rejects(
      nodeStageVolume(bad.deps, stageReq(), callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      'Cannot stage volume "pvc-1": drive has no reflink',
    );
  } finally {
    await bad.host.dispose();
  }
  const copied = clone({ type: COPY_CONDITIONS.contentCopied, message: "copied" });
  const good = await nodeSetup({ volumes: [copied] });
  try {
    assert.deepEqual(await nodeStageVolume(good.deps, stageReq(), callCtx()), {});
    assert.equal((await good.kube.volumes.get("pvc-1")).status.status, "Ready");
  } finally {
    await good.host.dispose();
  }
});
