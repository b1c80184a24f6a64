import assert from "node:assert/strict";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { projectId } from "../../lib/xfs/mod.ts";
import {
  type NodeStageVolumeRequest,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";
import { nodeStageVolume, nodeUnstageVolume } from "./node_stage.ts";
import {
  blockCap,
  callCtx,
  FSUUID,
  GiB,
  nodeSetup,
  quotaCalls,
  rejects,
  STAGING,
  volume,
} from "./fixtures_test.ts";
import { stageReq } from "./requests_test.ts";
import { Status } from "./status.ts";

const vol = (o: Parameters<typeof volume>[1] = {}) =>
  volume("pvc-1", { drive: FSUUID, size: 2 * GiB, ...o });

Deno.test("nodeStageVolume() makes the volume dir, sets its quota and binds it", async () => {
  const { host, kube, deps, mountPoint } = await nodeSetup({ volumes: [vol()] });
  try {
    assert.deepEqual(await nodeStageVolume(deps, stageReq(), callCtx()), {});
    const dir = `${mountPoint}/.FSUUID.${FSUUID}/pvc-1`;
    assert.ok((await host.fs.stat(dir))?.isDirectory);
    const id = await projectId("pvc-1");
    assert.deepEqual(quotaCalls(host), [
      `-x -c project -s -d 0 -p ${dir} ${id} ${mountPoint}`,
      `-x -c limit -p bsoft=${2 * GiB} bhard=${2 * GiB} ${id} ${mountPoint}`,
    ]);
    const binds = host.mounts.filter((m) => m.mountPoint === host.paths.host(STAGING));
    assert.equal(binds.length, 1);
    assert.equal(binds[0]?.majorMinor, "8:16");
    const v = await kube.volumes.get("pvc-1");
    assert.equal(v.status.status, "Ready");
    assert.equal(v.status.stagingTargetPath, STAGING);
    assert.equal(
      v.status.dataPath,
      `/var/lib/directpv/mnt/${FSUUID}/.FSUUID.${FSUUID}/pvc-1`,
    );
    // Staging again is a no-op for the mounts.
    await nodeStageVolume(deps, stageReq(), callCtx());
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(STAGING)).length, 1);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeStageVolume() does nothing for a suspended volume or drive", async (t) => {
  const cases = [
    ["volume", { volumes: [vol({ labels: { [LABELS.suspend]: "true" } })] }],
    ["drive", { volumes: [vol()], drive: { labels: { [LABELS.suspend]: "true" } } }],
  ] as const;
  for (const [name, setup] of cases) {
    await t.step(name, async () => {
      const { host, kube, deps } = await nodeSetup(setup);
      try {
        await nodeStageVolume(deps, stageReq(), callCtx());
        assert.equal(host.mountCalls.length, 0);
        assert.equal((await kube.volumes.get("pvc-1")).status.stagingTargetPath, "");
      } finally {
        await host.dispose();
      }
    });
  }
});

Deno.test("nodeStageVolume() follows the quota policy when the drive has no quota", async (t) => {
  await t.step("best-effort: staged without quota", async () => {
    const { host, kube, deps } = await nodeSetup({
      volumes: [vol()],
      quotaMount: false,
      policy: "best-effort",
    });
    try {
      await nodeStageVolume(deps, stageReq(), callCtx());
      assert.deepEqual(quotaCalls(host), []);
      assert.equal((await kube.volumes.get("pvc-1")).status.status, "Ready");
    } finally {
      await host.dispose();
    }
  });
  await t.step("required: FAILED_PRECONDITION", async () => {
    const { host, deps } = await nodeSetup({ volumes: [vol()], quotaMount: false });
    try {
      await rejects(
        nodeStageVolume(deps, stageReq(), callCtx()),
        FailedPreconditionError,
        Status.FAILED_PRECONDITION,
        /has no project quota/,
      );
    } finally {
      await host.dispose();
    }
  });
});

Deno.test("nodeStageVolume() marks the drive Error on an I/O error", async () => {
  const { host, kube, deps, events } = await nodeSetup({ volumes: [vol()] });
  try {
    host.fs.mkdir = () =>
      Promise.reject(new UnavailableError("Cannot create: Input/output error (os error 5)"));
    await rejects(
      nodeStageVolume(deps, stageReq(), callCtx()),
      UnavailableError,
      Status.UNAVAILABLE,
    );
    const d = await kube.drives.get(FSUUID);
    assert.equal(d.status.status, "Error");
    assert.equal(d.status.conditions?.[0]?.type, "IOError");
    assert.equal(d.status.conditions?.[0]?.message, "Drive has I/O error");
    assert.deepEqual(events.reasons(), ["DriveHasIOError"]);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeStageVolume() mounts an unmounted drive found by its FSUUID", async () => {
  const { host, kube, deps, mountPoint } = await nodeSetup({ volumes: [vol()], mounted: false });
  try {
    const image = new Uint8Array(4096);
    image.set(new TextEncoder().encode("XFSB"), 0);
    image.set(FSUUID.replaceAll("-", "").match(/../g)?.map((h) => parseInt(h, 16)) ?? [], 32);
    await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", size: 100 * GiB, image });
    // The drive's own filesystem carries its FSUUID link; the mount point shows it once mounted.
    await host.fs.symlink(".", `${await host.deviceFiles("8:32")}/.FSUUID.${FSUUID}`);
    await host.setXfsQuotaSupport({ supported: true });
    await nodeStageVolume(deps, stageReq(), callCtx());
    const mount = host.mounts.find((m) => m.mountPoint === mountPoint);
    assert.equal(mount?.source, host.paths.dev("sdc"));
    assert.ok(mount?.superOptions.includes("prjquota"));
    assert.equal((await kube.volumes.get("pvc-1")).status.status, "Ready");
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeStageVolume() error rows", async (t) => {
  const cases: Array<[string, Partial<NodeStageVolumeRequest>, unknown, Status, string | RegExp]> =
    [
      ["empty id", { volumeId: "" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /missing/],
      [
        "id ../x",
        { volumeId: "../x" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /plain name/,
      ],
      ["id a/b", { volumeId: "a/b" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /plain name/],
      ["id .", { volumeId: "." }, InvalidArgumentError, Status.INVALID_ARGUMENT, /plain name/],
      ["id ..", { volumeId: ".." }, InvalidArgumentError, Status.INVALID_ARGUMENT, /plain name/],
      [
        "empty staging path",
        { stagingTargetPath: "" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        "The staging target path is missing in the request",
      ],
      [
        "relative staging path",
        { stagingTargetPath: "var/lib/x" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /must be absolute/,
      ],
      [
        "staging path with ..",
        { stagingTargetPath: "/var/lib/kubelet/../directpv/mnt" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /normalised/,
      ],
      [
        "staging path inside the app dir",
        { stagingTargetPath: "/var/lib/directpv/mnt/x" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /not inside the kubelet directory/,
      ],
      [
        "staging path outside the kubelet dir",
        { stagingTargetPath: "/tmp/stage" },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /Invalid staging target path "\/tmp\/stage": it is not inside the kubelet directory/,
      ],
      [
        "staging path too long",
        { stagingTargetPath: `/var/lib/kubelet/${"a/".repeat(3000)}x` },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /longer than 4095 bytes/,
      ],
      [
        "staging path with a long name",
        { stagingTargetPath: `/var/lib/kubelet/${"a".repeat(256)}` },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /a name in it is longer than 255 bytes/,
      ],
      [
        "no capability",
        { volumeCapability: undefined },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /capability is missing/,
      ],
      [
        "multi-node block",
        { volumeCapability: blockCap(Mode.MULTI_NODE_MULTI_WRITER) },
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /unsupported access mode MULTI_NODE_MULTI_WRITER for volume/,
      ],
      [
        "missing volume",
        { volumeId: "pvc-x" },
        NotFoundError,
        Status.NOT_FOUND,
        'Volume "pvc-x" not found',
      ],
    ];
  for (const [name, partial, cls, code, message] of cases) {
    await t.step(name, async () => {
      const { host, deps } = await nodeSetup({ volumes: [vol()] });
      try {
        await rejects(
          nodeStageVolume(deps, stageReq(partial), callCtx()),
          cls as typeof InvalidArgumentError,
          code,
          message,
        );
        assert.equal(host.mountCalls.length, 0);
      } finally {
        await host.dispose();
      }
    });
  }
});

Deno.test("nodeStageVolume() refuses drives that are gone, elsewhere or unmountable", async (t) => {
  const cases = [
    ["drive missing", { volumes: [vol({ drive: "nope" })] }, /Drive "nope" of volume "pvc-1"/],
    ["drive on another node", { volumes: [vol()], drive: { node: "node-9" } }, /on node "node-9"/],
    ["not mounted, no device", { volumes: [vol()], mounted: false }, /no device carries it/],
  ] as const;
  for (const [name, setup, message] of cases) {
    await t.step(name, async () => {
      const { host, deps } = await nodeSetup(setup);
      try {
        await rejects(
          nodeStageVolume(deps, stageReq(), callCtx()),
          FailedPreconditionError,
          Status.FAILED_PRECONDITION,
          message,
        );
      } finally {
        await host.dispose();
      }
    });
  }
});

Deno.test("nodeUnstageVolume() unmounts and clears the staging path, idempotently", async () => {
  const { host, kube, deps } = await nodeSetup({ volumes: [vol()] });
  try {
    await nodeStageVolume(deps, stageReq(), callCtx());
    const req = { volumeId: "pvc-1", stagingTargetPath: STAGING };
    assert.deepEqual(await nodeUnstageVolume(deps, req, callCtx()), {});
    assert.equal(host.mounts.filter((m) => m.mountPoint === host.paths.host(STAGING)).length, 0);
    assert.equal((await kube.volumes.get("pvc-1")).status.stagingTargetPath, "");
    assert.deepEqual(await nodeUnstageVolume(deps, req, callCtx()), {});
    const gone = { volumeId: "pvc-gone", stagingTargetPath: STAGING };
    assert.deepEqual(await nodeUnstageVolume(deps, gone, callCtx()), {});
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeUnstageVolume() error rows", async (t) => {
  const { host, deps } = await nodeSetup();
  try {
    const cases: Array<[string, { volumeId: string; stagingTargetPath: string }, RegExp]> = [
      ["empty id", { volumeId: "", stagingTargetPath: STAGING }, /Volume ID is missing/],
      ["hostile id", { volumeId: "../../etc", stagingTargetPath: STAGING }, /plain name/],
      ["empty path", { volumeId: "pvc-1", stagingTargetPath: "" }, /path is missing/],
      ["app dir path", { volumeId: "pvc-1", stagingTargetPath: "/var/lib/directpv" }, /inside/],
    ];
    for (const [name, req, message] of cases) {
      await t.step(name, () =>
        rejects(
          nodeUnstageVolume(deps, req, callCtx()),
          InvalidArgumentError,
          Status.INVALID_ARGUMENT,
          message,
        ));
    }
  } finally {
    await host.dispose();
  }
});
