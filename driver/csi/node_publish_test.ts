import assert from "node:assert/strict";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "../../lib/errors/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import type { NodePublishVolumeRequest } from "../../proto/mod.ts";
import {
  nodePublishVolume,
  nodeUnpublishVolume,
  POD_NAME_KEY,
  POD_NAMESPACE_KEY,
} from "./node_publish.ts";
import { nodeStageVolume } from "./node_stage.ts";
import {
  callCtx,
  FSUUID,
  GiB,
  nodeSetup,
  type NodeSetupOptions,
  rejects,
  STAGING,
  TARGET,
  volume,
} from "./fixtures_test.ts";
import { publishReq, stageReq } from "./requests_test.ts";
import { Status } from "./status.ts";

const vol = (o: Parameters<typeof volume>[1] = {}) =>
  volume("pvc-1", { drive: FSUUID, size: GiB, ...o });

/** A node with pvc-1 staged. */
async function staged(o: NodeSetupOptions = {}) {
  const setup = await nodeSetup({ volumes: [vol()], ...o });
  await nodeStageVolume(setup.deps, stageReq(), callCtx());
  return setup;
}

Deno.test("nodePublishVolume() binds staging on the target and copies pod labels", async () => {
  const { host, kube, deps } = await staged();
  try {
    kube.seed({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "minio-0",
        namespace: "tenant-a",
        labels: { [LABELS.tenant]: "tenant-a", [LABELS.drive]: "evil", app: "minio" },
      },
    });
    const context = { [POD_NAME_KEY]: "minio-0", [POD_NAMESPACE_KEY]: "tenant-a" };
    await nodePublishVolume(deps, publishReq({ volumeContext: context }), callCtx());
    const target = host.mounts.filter((m) => m.mountPoint === host.paths.host(TARGET));
    assert.equal(target.length, 1);
    assert.deepEqual(target[0]?.mountOptions, ["rw"]);
    const v = await kube.volumes.get("pvc-1");
    assert.equal(v.status.targetPath, TARGET);
    assert.equal(v.metadata.labels?.[LABELS.podName], "minio-0");
    assert.equal(v.metadata.labels?.[LABELS.podNamespace], "tenant-a");
    assert.equal(v.metadata.labels?.[LABELS.tenant], "tenant-a");
    assert.equal(v.metadata.labels?.[LABELS.drive], FSUUID, "reserved labels are not copied");
    assert.equal(v.metadata.labels?.app, undefined);
    // Publishing again adds no mount.
    await nodePublishVolume(deps, publishReq({ volumeContext: context }), callCtx());
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(TARGET)).length, 1);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodePublishVolume() honours read-only and a missing pod", async () => {
  const { host, kube, deps } = await staged();
  try {
    const context = { [POD_NAME_KEY]: "gone", [POD_NAMESPACE_KEY]: "default" };
    await nodePublishVolume(
      deps,
      publishReq({ readonly: true, volumeContext: context }),
      callCtx(),
    );
    const target = host.mounts.find((m) => m.mountPoint === host.paths.host(TARGET));
    assert.deepEqual(target?.mountOptions, ["ro"]);
    assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.podName], "gone");
  } finally {
    await host.dispose();
  }
});

Deno.test("nodePublishVolume() mounts the read-only tmpfs for a suspended volume", async () => {
  const suspended = vol({ labels: { [LABELS.suspend]: "true" } });
  const { host, kube, deps } = await nodeSetup({ volumes: [suspended] });
  try {
    await nodePublishVolume(deps, publishReq(), callCtx());
    const target = host.mounts.find((m) => m.mountPoint === host.paths.host(TARGET));
    assert.equal(target?.fsType, "tmpfs");
    assert.deepEqual(target?.mountOptions, ["ro"]);
    assert.equal((await kube.volumes.get("pvc-1")).status.targetPath, TARGET);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodePublishVolume() refuses what is not ready", async (t) => {
  await t.step("not staged at that path", async () => {
    const { host, deps } = await nodeSetup({ volumes: [vol()] });
    try {
      await rejects(
        nodePublishVolume(deps, publishReq(), callCtx()),
        FailedPreconditionError,
        Status.FAILED_PRECONDITION,
        `volume pvc-1 is not yet staged, but requested with ${STAGING}`,
      );
    } finally {
      await host.dispose();
    }
  });
  await t.step("staging path not mounted", async () => {
    const { host, deps } = await nodeSetup({ volumes: [vol({ staging: STAGING })] });
    try {
      await rejects(
        nodePublishVolume(deps, publishReq(), callCtx()),
        FailedPreconditionError,
        Status.FAILED_PRECONDITION,
        /staging target path ".*" is not mounted/,
      );
    } finally {
      await host.dispose();
    }
  });
  await t.step("suspended without the tmpfs", async () => {
    const { host, deps } = await nodeSetup({
      volumes: [vol({ labels: { [LABELS.suspend]: "true" } })],
      tmpMounted: false,
    });
    try {
      await rejects(
        nodePublishVolume(deps, publishReq(), callCtx()),
        FailedPreconditionError,
        Status.FAILED_PRECONDITION,
        "/var/lib/directpv/tmp is not mounted; restart this node server",
      );
    } finally {
      await host.dispose();
    }
  });
});

Deno.test("nodePublishVolume() error rows", async (t) => {
  const { host, deps } = await staged();
  try {
    const cases: Array<[string, Partial<NodePublishVolumeRequest>, unknown, Status, RegExp]> = [
      [
        "empty id",
        { volumeId: "" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /ID is missing/,
      ],
      ["hostile id", { volumeId: "../x" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /plain/],
      [
        "no staging path",
        { stagingTargetPath: "" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /staging target path is missing/,
      ],
      [
        "no target path",
        { targetPath: "" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /target path is missing/,
      ],
      [
        "target inside the app dir",
        { targetPath: `/var/lib/directpv/mnt/${FSUUID}` },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /not inside the kubelet directory "\/var\/lib\/kubelet"/,
      ],
      [
        "target outside the kubelet dir",
        { targetPath: "/tmp/elsewhere" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /Invalid target path "\/tmp\/elsewhere": it is not inside the kubelet directory/,
      ],
      [
        "target is the kubelet dir",
        { targetPath: "/var/lib/kubelet" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /not inside the kubelet directory/,
      ],
      [
        "target is the staging path",
        { targetPath: STAGING },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /it is the staging target path/,
      ],
      [
        "no capability",
        { volumeCapability: undefined },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /capability is missing/,
      ],
      ["missing volume", { volumeId: "pvc-x" }, NotFoundError, Status.NOT_FOUND, /not found/],
    ];
    for (const [name, partial, cls, code, message] of cases) {
      await t.step(name, () =>
        rejects(
          nodePublishVolume(deps, publishReq(partial), callCtx()),
          cls as typeof InvalidArgumentError,
          code,
          message,
        ));
    }
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(TARGET)).length, 0);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeUnpublishVolume() unmounts, removes the target dir and clears targetPath", async () => {
  const { host, kube, deps } = await staged();
  try {
    await nodePublishVolume(deps, publishReq(), callCtx());
    const req = { volumeId: "pvc-1", targetPath: TARGET };
    assert.deepEqual(await nodeUnpublishVolume(deps, req, callCtx()), {});
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(TARGET)).length, 0);
    assert.equal(await host.fs.stat(host.paths.host(TARGET)), undefined);
    assert.equal((await kube.volumes.get("pvc-1")).status.targetPath, "");
    // Idempotent: not mounted, and a volume that is gone.
    assert.deepEqual(await nodeUnpublishVolume(deps, req, callCtx()), {});
    const gone = { volumeId: "pvc-gone", targetPath: TARGET };
    assert.deepEqual(await nodeUnpublishVolume(deps, gone, callCtx()), {});
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeUnpublishVolume() error rows", async (t) => {
  const { host, deps } = await nodeSetup();
  try {
    const cases: Array<[string, { volumeId: string; targetPath: string }, RegExp]> = [
      ["empty id", { volumeId: "", targetPath: TARGET }, /ID is missing/],
      ["hostile id", { volumeId: "a/b", targetPath: TARGET }, /plain name/],
      ["empty path", { volumeId: "pvc-1", targetPath: "" }, /target path is missing/],
      ["relative path", { volumeId: "pvc-1", targetPath: "mnt" }, /absolute/],
    ];
    for (const [name, req, message] of cases) {
      await t.step(name, () =>
        rejects(
          nodeUnpublishVolume(deps, req, callCtx()),
          InvalidArgumentError,
          Status.INVALID_ARGUMENT,
          message,
        ));
    }
  } finally {
    await host.dispose();
  }
});
