/**
 * The node server touches only its own mounts below the kubelet directory: unstage and
 * unpublish leave foreign mounts alone, publish refuses symlinks, stage refuses a second path.
 */
import assert from "node:assert/strict";
import { FailedPreconditionError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import { nodePublishVolume, nodeUnpublishVolume } from "./node_publish.ts";
import { nodeStageVolume, nodeUnstageVolume } from "./node_stage.ts";
import {
  callCtx,
  FSUUID,
  GiB,
  nodeSetup,
  rejects,
  STAGING,
  TARGET,
  volume,
} from "./fixtures_test.ts";
import { isVolumeRoot } from "./node_mounts.ts";
import { publishReq, stageReq, writes } from "./requests_test.ts";
import { Status } from "./status.ts";

async function stagedNode() {
  const setup = await nodeSetup({ volumes: [volume("pvc-1", { drive: FSUUID, size: GiB })] });
  await nodeStageVolume(setup.deps, stageReq(), callCtx());
  return setup;
}

Deno.test("isVolumeRoot() knows both roots of a volume bind and nothing else", () => {
  assert.ok(isVolumeRoot("/pvc-1", "pvc-1"));
  assert.ok(isVolumeRoot(`/.FSUUID.${FSUUID}/pvc-1`, "pvc-1"));
  assert.ok(!isVolumeRoot("/", "pvc-1"));
  assert.ok(!isVolumeRoot("/pvc-10", "pvc-1"));
  assert.ok(!isVolumeRoot("/other/pvc-1", "pvc-1"));
  assert.ok(!isVolumeRoot("/a/.FSUUID.x/pvc-1", "pvc-1"));
});

Deno.test("nodeUnpublishVolume() and nodeUnstageVolume() leave a foreign mount alone", async () => {
  const { host, kube, deps } = await nodeSetup();
  try {
    const foreign = "/var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/cache";
    await host.fs.mkdir(host.paths.host(foreign), { recursive: true });
    await host.addMount({ mountPoint: host.paths.host(foreign), fsType: "tmpfs", source: "tmpfs" });
    const before = structuredClone(host.mounts);
    await rejects(
      nodeUnpublishVolume(deps, { volumeId: "pvc-nope", targetPath: foreign }, callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      /holds a mount that is not volume "pvc-nope"'s \(tmpfs tmpfs\)/,
    );
    await rejects(
      nodeUnstageVolume(deps, { volumeId: "pvc-nope", stagingTargetPath: foreign }, callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      /not volume "pvc-nope"'s/,
    );
    for (const path of ["/tmp/x", "/", "/var/lib/kubelet"]) {
      await rejects(
        nodeUnpublishVolume(deps, { volumeId: "pvc-1", targetPath: path }, callCtx()),
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /not inside the kubelet directory/,
      );
    }
    await rejects(
      nodeUnpublishVolume(
        deps,
        { volumeId: "pvc-1", targetPath: `/${"x".repeat(6000)}` },
        callCtx(),
      ),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /longer than 4095 bytes/,
    );
    assert.deepEqual(host.mounts, before);
    assert.equal(host.mountCalls.length, 0);
    assert.deepEqual(writes(kube), []);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeUnpublishVolume() unmounts another volume's bind only for that volume", async () => {
  const { host, kube, deps } = await stagedNode();
  try {
    await nodePublishVolume(deps, publishReq(), callCtx());
    const atTarget = () => host.mounts.filter((m) => m.mountPoint === host.paths.host(TARGET));
    await rejects(
      nodeUnpublishVolume(deps, { volumeId: "pvc-2", targetPath: TARGET }, callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      /not volume "pvc-2"'s/,
    );
    assert.equal(atTarget().length, 1);
    await nodeUnpublishVolume(deps, { volumeId: "pvc-1", targetPath: TARGET }, callCtx());
    assert.equal(atTarget().length, 0);
    assert.equal((await kube.volumes.get("pvc-1")).status.targetPath, "");
  } finally {
    await host.dispose();
  }
});

Deno.test("nodePublishVolume() refuses a symlink in the target path", async () => {
  const { host, deps } = await stagedNode();
  try {
    const pods = host.paths.host("/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi");
    await host.fs.mkdir(pods, { recursive: true });
    await host.fs.mkdir(host.paths.host("/etc/evil"), { recursive: true });
    await host.fs.symlink(host.paths.host("/etc/evil"), `${pods}/pvc-1`);
    const calls = host.mountCalls.length;
    await rejects(
      nodePublishVolume(deps, publishReq(), callCtx()),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /"\/var\/lib\/kubelet\/pods\/uid-1\/volumes\/kubernetes.io~csi\/pvc-1" is a symbolic link/,
    );
    assert.equal(host.mountCalls.length, calls);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeStageVolume() refuses a second staging path and the target path", async () => {
  const { host, kube, deps } = await stagedNode();
  try {
    const second = "/var/lib/kubelet/plugins/kubernetes.io/csi/directpv-min-io/def/globalmount";
    const calls = host.mountCalls.length;
    await rejects(
      nodeStageVolume(deps, stageReq({ stagingTargetPath: second }), callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      /it is staged on ".*abc\/globalmount"; unstage it there first/,
    );
    assert.equal(host.mountCalls.length, calls);
    await nodePublishVolume(deps, publishReq(), callCtx());
    await rejects(
      nodeStageVolume(deps, stageReq({ stagingTargetPath: TARGET }), callCtx()),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /it is the volume's target path/,
    );
    assert.equal((await kube.volumes.get("pvc-1")).status.stagingTargetPath, STAGING);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeStageVolume() replaces a stale staging record whose mount is gone", async () => {
  const stale = "/var/lib/kubelet/plugins/kubernetes.io/csi/directpv-min-io/old/globalmount";
  const { host, kube, deps } = await nodeSetup({
    volumes: [volume("pvc-1", { drive: FSUUID, size: GiB, staging: stale })],
  });
  try {
    await nodeStageVolume(deps, stageReq(), callCtx());
    assert.equal((await kube.volumes.get("pvc-1")).status.stagingTargetPath, STAGING);
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(STAGING)).length, 1);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodePublishVolume() refuses a target that holds someone else's mount", async () => {
  const { host, kube, deps } = await stagedNode();
  try {
    const foreign = "/var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/cache";
    await host.fs.mkdir(host.paths.host(foreign), { recursive: true });
    await host.addMount({ mountPoint: host.paths.host(foreign), fsType: "tmpfs", source: "tmpfs" });
    const calls = host.mountCalls.length;
    await rejects(
      nodePublishVolume(deps, publishReq({ targetPath: foreign }), callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      /it holds a mount that is not the volume's \(tmpfs tmpfs\)/,
    );
    assert.equal(host.mountCalls.length, calls);
    assert.equal((await kube.volumes.get("pvc-1")).status.targetPath, "");
  } finally {
    await host.dispose();
  }
});
