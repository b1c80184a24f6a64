/**
 * Unpublish and unstage on real bind mounts: only the volume's own mounts below the kubelet
 * directory are unmounted; a foreign tmpfs and another volume's id are refused and left
 * mounted. Run as root: `deno test -A harness/privileged`.
 */
import assert from "node:assert/strict";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { FakeKube } from "../../lib/k8s/testing.ts";
import { nullLogger } from "../../lib/log/mod.ts";
import { createRealHost, parseMountInfo } from "../../lib/sys/mod.ts";
import {
  mountsOfVolumeAt,
  type NodeContext,
  nodeUnpublishVolume,
  nodeUnstageVolume,
} from "../../driver/testing.ts";
import { LoopLab, privilegedTest, sh } from "./_lab.ts";

const FSUUID = "0b7e1c2a-1111-4222-8333-444455556666";

async function mountedAt(path: string): Promise<number> {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  return parseMountInfo(text).filter((m) => m.mountPoint === path).length;
}

privilegedTest(
  "nodeUnpublishVolume() and nodeUnstageVolume() unmount only the volume's mounts",
  async () => {
    await using lab = await LoopLab.create();
    const host = createRealHost({ appDir: `${lab.dir}/app` });
    const drive = await lab.mkdir(`app/mnt/${FSUUID}`);
    await sh("mount", "-t", "tmpfs", "tmpfs", drive);
    await Deno.symlink(".", `${drive}/.FSUUID.${FSUUID}`);
    await Deno.mkdir(`${drive}/pvc-1`);
    const kubelet = await lab.mkdir("kubelet");
    const staging = await lab.mkdir("kubelet/plugins/x/globalmount");
    const target = await lab.mkdir("kubelet/pods/u/volumes/kubernetes.io~csi/pvc-1/mount");
    const foreign = await lab.mkdir("kubelet/pods/o/volumes/kubernetes.io~empty-dir/cache");
    await sh("mount", "--bind", `${drive}/.FSUUID.${FSUUID}/pvc-1`, staging);
    await sh("mount", "--bind", staging, target);
    await sh("mount", "-t", "tmpfs", "tmpfs", foreign);
    const deps = {
      nodeId: "node-1",
      kube: new FakeKube(),
      host,
      kubeletDir: kubelet,
    } as unknown as NodeContext;
    const ctx = { signal: new AbortController().signal, logger: nullLogger() };

    const at = await mountsOfVolumeAt(deps, target, "pvc-1");
    assert.equal(at.own.length, 1, JSON.stringify(at));
    assert.equal(at.foreign.length, 0);
    for (const [id, path] of [["pvc-2", target], ["pvc-1", foreign]]) {
      await assert.rejects(
        nodeUnpublishVolume(deps, { volumeId: id as string, targetPath: path as string }, ctx),
        FailedPreconditionError,
      );
    }
    await assert.rejects(
      nodeUnstageVolume(deps, { volumeId: "pvc-2", stagingTargetPath: staging }, ctx),
      FailedPreconditionError,
    );
    assert.equal(await mountedAt(target), 1);
    assert.equal(await mountedAt(staging), 1);
    assert.equal(await mountedAt(foreign), 1);

    await nodeUnpublishVolume(deps, { volumeId: "pvc-1", targetPath: target }, ctx);
    assert.equal(await mountedAt(target), 0);
    await nodeUnstageVolume(deps, { volumeId: "pvc-1", stagingTargetPath: staging }, ctx);
    assert.equal(await mountedAt(staging), 0);
    assert.equal(await mountedAt(foreign), 1, "the foreign tmpfs stays mounted");
    assert.ok((await Deno.stat(`${drive}/pvc-1`)).isDirectory, "the volume's data stays");
  },
);
