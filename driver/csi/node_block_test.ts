import assert from "node:assert/strict";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { scriptLoopDevices } from "../../lib/xfs/testing.ts";
import { nodePublishVolume, nodeUnpublishVolume } from "./node_publish.ts";
import { nodeStageVolume, nodeUnstageVolume } from "./node_stage.ts";
import { nodeExpandVolume, nodeGetVolumeStats } from "./node_stats.ts";
import {
  blockCap,
  callCtx,
  FSUUID,
  GiB,
  nodeSetup,
  quotaCalls,
  STAGING,
  volume,
} from "./fixtures_test.ts";

const BLOCK_TARGET = "/var/lib/kubelet/plugins/kubernetes.io/csi/volumeDevices/publish/pvc-1/uid-1";

const base = {
  volumeId: "pvc-1",
  publishContext: {},
  stagingTargetPath: STAGING,
  volumeCapability: blockCap(),
  secrets: {},
  volumeContext: {},
};

Deno.test("a block volume is staged, published, grown and released on a loop device", async () => {
  const { host, kube, deps, mountPoint } = await nodeSetup({
    volumes: [volume("pvc-1", { drive: FSUUID, size: GiB })],
  });
  const loops = scriptLoopDevices(host);
  try {
    await nodeStageVolume(deps, base, callCtx());
    const file = `${mountPoint}/.FSUUID.${FSUUID}/pvc-1/block.img`;
    assert.equal((await host.fs.stat(file))?.size, GiB);
    assert.deepEqual([...loops], [["/dev/loop7", file]]);
    const limit = quotaCalls(host).at(-1) ?? "";
    assert.ok(Number(/bhard=(\d+)/.exec(limit)?.[1]) > GiB, `block quota has room: ${limit}`);
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(STAGING)).length, 0);

    const publish = { ...base, targetPath: BLOCK_TARGET, readonly: false };
    await nodePublishVolume(deps, publish, callCtx());
    await nodePublishVolume(deps, publish, callCtx());
    const target = host.paths.host(BLOCK_TARGET);
    assert.ok((await host.fs.stat(target))?.isFile, "the target is a file");
    const binds = host.mountCalls.filter((c) => c.kind === "bind" && c.target === target);
    assert.deepEqual(binds.map((c) => c.source), [host.paths.dev("loop7")], "bound once");

    // ControllerExpandVolume records the new size first, as the kubelet's order has it.
    const recorded = await kube.volumes.get("pvc-1");
    recorded.status.totalCapacity = 2 * GiB;
    await kube.volumes.update(recorded);
    const expand = { volumeId: "pvc-1", volumePath: BLOCK_TARGET, stagingTargetPath: STAGING };
    const grown = await nodeExpandVolume(
      deps,
      {
        ...expand,
        capacityRange: { requiredBytes: 2 * GiB, limitBytes: 0 },
        secrets: {},
        volumeCapability: blockCap(),
      },
      callCtx(),
    );
    assert.equal(grown.capacityBytes, 2 * GiB);
    assert.equal((await host.fs.stat(file))?.size, 2 * GiB);
    assert.deepEqual(host.execCalls.at(-1)?.args, ["-c", "/dev/loop7"]);
    assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, 2 * GiB);

    const stats = await nodeGetVolumeStats(
      deps,
      { volumeId: "pvc-1", volumePath: BLOCK_TARGET, stagingTargetPath: STAGING },
      callCtx(),
    );
    assert.equal(stats.usage?.[0]?.total, 2 * GiB);

    await nodeUnpublishVolume(deps, { volumeId: "pvc-1", targetPath: BLOCK_TARGET }, callCtx());
    assert.equal(await host.fs.stat(target), undefined, "the target file is removed");
    await nodeUnstageVolume(deps, { volumeId: "pvc-1", stagingTargetPath: STAGING }, callCtx());
    assert.equal(loops.size, 0, "the loop device is detached");
    assert.ok(await host.fs.stat(file), "the data stays until the volume is deleted");
  } finally {
    await host.dispose();
  }
});

Deno.test("publishing a block volume that is not attached is FAILED_PRECONDITION", async () => {
  const { host, deps } = await nodeSetup({
    volumes: [volume("pvc-1", { drive: FSUUID, size: GiB, staging: STAGING })],
  });
  scriptLoopDevices(host);
  try {
    await assert.rejects(
      nodePublishVolume(deps, { ...base, targetPath: BLOCK_TARGET, readonly: false }, callCtx()),
      (err: Error) =>
        err instanceof FailedPreconditionError &&
        /Cannot publish block volume "pvc-1": it is not staged/.test(err.message),
    );
  } finally {
    await host.dispose();
  }
});
