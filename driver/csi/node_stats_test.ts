import assert from "node:assert/strict";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import { updateWithRetry } from "../../lib/k8s/mod.ts";
import { LABELS, VOLUME_CONDITIONS } from "../../lib/types/mod.ts";
import { projectId } from "../../lib/xfs/mod.ts";
import {
  type NodeExpandVolumeRequest,
  NodeServiceCapability_RPC_Type as RpcType,
  VolumeUsage_Unit,
} from "../../proto/mod.ts";
import { nodeHandlers } from "./node.ts";
import { nodeExpandVolume, nodeGetVolumeStats } from "./node_stats.ts";
import {
  callCtx,
  FSUUID,
  GiB,
  nodeSetup,
  type NodeSetupOptions,
  quotaCalls,
  rejects,
  STAGING,
  TARGET,
  volume,
} from "./fixtures_test.ts";
import { Status } from "./status.ts";

const DATA = `/var/lib/directpv/mnt/${FSUUID}/.FSUUID.${FSUUID}/pvc-1`;

/** A node with pvc-1 (4 GiB) published at TARGET, its data dir and target dir present. */
async function published(o: NodeSetupOptions = {}) {
  const v = volume("pvc-1", {
    drive: FSUUID,
    size: 4 * GiB,
    staging: STAGING,
    target: TARGET,
    dataPath: DATA,
  });
  v.status.usedCapacity = 3 * GiB;
  const setup = await nodeSetup({ volumes: [v], ...o });
  await setup.host.fs.mkdir(setup.host.paths.host(DATA), { recursive: true });
  await setup.host.fs.mkdir(setup.host.paths.host(TARGET), { recursive: true });
  return setup;
}

const statsReq = (volumeId = "pvc-1", volumePath = TARGET) => ({
  volumeId,
  volumePath,
  stagingTargetPath: "",
});

Deno.test("nodeGetVolumeStats() reports quota usage and a normal condition", async () => {
  const { host, deps } = await published();
  try {
    const id = await projectId("pvc-1");
    host.onExec(/quota -p/, { stdout: `/dev/sdb 1048576 4194304 4194304 00 [--------]\n` });
    const res = await nodeGetVolumeStats(deps, statsReq(), callCtx());
    assert.deepEqual(res.usage, [{
      unit: VolumeUsage_Unit.BYTES,
      total: 4 * GiB,
      used: GiB,
      available: 3 * GiB,
    }]);
    assert.deepEqual(res.volumeCondition, { abnormal: false, message: "volume is healthy" });
    assert.ok(quotaCalls(host).some((c) => c.includes(`quota -p -N -n -b -v ${id}`)));
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeGetVolumeStats() records the usage on the volume, writing only changes", async () => {
  const { host, deps, kube } = await published();
  try {
    host.onExec(/quota -p/, { stdout: `/dev/sdb 1048576 4194304 4194304 00 [--------]\n` });
    await nodeGetVolumeStats(deps, statsReq(), callCtx());
    const stored = await kube.volumes.get("pvc-1");
    assert.equal(stored.status.usedCapacity, GiB);
    assert.equal(stored.status.availableCapacity, 3 * GiB);
    const writes = kube.callsOf("patch", "directpvvolumes").length;
    await nodeGetVolumeStats(deps, statsReq(), callCtx());
    assert.equal(kube.callsOf("patch", "directpvvolumes").length, writes, "unchanged: no write");
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeGetVolumeStats() falls back to the filesystem without quota", async () => {
  const { host, deps, mountPoint } = await published({ quotaMount: false, policy: "best-effort" });
  try {
    host.setUsage(mountPoint, { totalBytes: 100 * GiB, availableBytes: 98 * GiB });
    const res = await nodeGetVolumeStats(deps, statsReq(), callCtx());
    assert.equal(res.usage?.[0]?.used, 2 * GiB);
    host.setUsage(mountPoint, { totalBytes: 100 * GiB, availableBytes: 10 * GiB });
    const capped = await nodeGetVolumeStats(deps, statsReq(), callCtx());
    assert.equal(capped.usage?.[0]?.used, 4 * GiB, "capped to the volume capacity");
    assert.equal(capped.usage?.[0]?.available, 0);
    assert.deepEqual(quotaCalls(host), []);
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeGetVolumeStats() reports an abnormal condition", async (t) => {
  await t.step("drive Lost (usage from the volume object)", async () => {
    const { host, deps } = await published({ drive: { status: "Lost" }, mounted: false });
    try {
      const res = await nodeGetVolumeStats(deps, statsReq(), callCtx());
      assert.deepEqual(res.volumeCondition, {
        abnormal: true,
        message: `drive ${FSUUID} of volume pvc-1 is Lost`,
      });
      assert.equal(res.usage?.[0]?.used, 3 * GiB);
    } finally {
      await host.dispose();
    }
  });
  await t.step("drive Error with the trouble its health check found", async () => {
    const { host, deps } = await published({ drive: { status: "Error" }, mounted: false });
    try {
      const d = await deps.kube.drives.get(FSUUID);
      d.status.conditions = [{
        type: "IOError",
        status: "True",
        reason: "DriveHasIOError",
        message: "Drive has I/O error",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      }];
      await deps.kube.drives.update(d);
      const res = await nodeGetVolumeStats(deps, statsReq(), callCtx());
      assert.deepEqual(res.volumeCondition, {
        abnormal: true,
        message: `drive ${FSUUID} of volume pvc-1 is Error (IOError: Drive has I/O error)`,
      });
    } finally {
      await host.dispose();
    }
  });
  await t.step("volume marked Lost by its own condition", async () => {
    const { host, deps } = await published();
    try {
      host.onExec(/quota -p/, { stdout: `/dev/sdb 0 4194304 4194304 00 [--------]\n` });
      await deps.kube.volumes.patch("pvc-1", {
        status: {
          conditions: [{
            type: VOLUME_CONDITIONS.lost.type,
            status: "True",
            reason: VOLUME_CONDITIONS.lost.reason,
            message: "Associated drive was removed",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          }],
        },
      });
      const res = await nodeGetVolumeStats(deps, statsReq(), callCtx());
      assert.deepEqual(res.volumeCondition, {
        abnormal: true,
        message: "volume pvc-1 is Lost (DriveLost: Associated drive was removed)",
      });
    } finally {
      await host.dispose();
    }
  });
  await t.step("data directory gone", async () => {
    const { host, deps } = await published();
    try {
      host.onExec(/quota -p/, { stdout: `/dev/sdb 0 4194304 4194304 00 [--------]\n` });
      await host.fs.remove(host.paths.host(DATA));
      const res = await nodeGetVolumeStats(deps, statsReq(), callCtx());
      assert.deepEqual(res.volumeCondition, {
        abnormal: true,
        message: `data directory ${DATA} is missing`,
      });
    } finally {
      await host.dispose();
    }
  });
});

Deno.test("nodeGetVolumeStats() error rows", async (t) => {
  const { host, deps } = await published();
  try {
    const cases: Array<[string, ReturnType<typeof statsReq>, unknown, Status, RegExp]> = [
      ["empty id", statsReq(""), InvalidArgumentError, Status.INVALID_ARGUMENT, /ID is missing/],
      [
        "empty path",
        statsReq("pvc-1", ""),
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        /volume path is missing/,
      ],
      ["missing volume", statsReq("pvc-x"), NotFoundError, Status.NOT_FOUND, /not found/],
      [
        "other path",
        statsReq("pvc-1", "/var/lib/kubelet/pods/other"),
        NotFoundError,
        Status.NOT_FOUND,
        /not published or staged at/,
      ],
      ["path gone", statsReq("pvc-1", STAGING), NotFoundError, Status.NOT_FOUND, /does not exist/],
    ];
    for (const [name, req, cls, code, message] of cases) {
      await t.step(name, () =>
        rejects(
          nodeGetVolumeStats(deps, req, callCtx()),
          cls as typeof NotFoundError,
          code,
          message,
        ));
    }
  } finally {
    await host.dispose();
  }
});

function expandReq(partial: Partial<NodeExpandVolumeRequest> = {}): NodeExpandVolumeRequest {
  return {
    volumeId: "pvc-1",
    volumePath: TARGET,
    capacityRange: { requiredBytes: 6 * GiB, limitBytes: 0 },
    stagingTargetPath: STAGING,
    volumeCapability: undefined,
    secrets: {},
    ...partial,
  };
}

Deno.test("nodeExpandVolume() sets the quota to the size the controller recorded", async () => {
  const { host, kube, deps, mountPoint } = await published();
  try {
    // The node never grows a volume by itself: 6 GiB waits for ControllerExpandVolume.
    await rejects(
      nodeExpandVolume(deps, expandReq(), callCtx()),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      /controller has reserved/,
    );
    assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, 4 * GiB);
    await updateWithRetry(kube.volumes, "pvc-1", (v) => {
      v.status.totalCapacity = 6 * GiB;
      return undefined;
    });
    assert.deepEqual(await nodeExpandVolume(deps, expandReq(), callCtx()), {
      capacityBytes: 6 * GiB,
    });
    const id = await projectId("pvc-1");
    assert.ok(
      quotaCalls(host).includes(
        `-x -c limit -p bsoft=${6 * GiB} bhard=${6 * GiB} ${id} ${mountPoint}`,
      ),
    );
    assert.equal((await kube.volumes.get("pvc-1")).status.totalCapacity, 6 * GiB);
    // Without a capacity range the recorded size is applied; the staging path works too.
    const bare = await nodeExpandVolume(
      deps,
      expandReq({ capacityRange: undefined, volumePath: STAGING }),
      callCtx(),
    );
    assert.deepEqual(bare, { capacityBytes: 6 * GiB });
  } finally {
    await host.dispose();
  }
});

Deno.test("nodeExpandVolume() error rows", async (t) => {
  const cases: Array<[string, Partial<NodeExpandVolumeRequest>, unknown, Status, RegExp]> = [
    ["empty id", { volumeId: "" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /ID is missing/],
    ["empty path", { volumePath: "" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /path/],
    [
      "negative range",
      { capacityRange: { requiredBytes: -1, limitBytes: 0 } },
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /negative/,
    ],
    ["missing volume", { volumeId: "pvc-x" }, NotFoundError, Status.NOT_FOUND, /not found/],
    [
      "missing volume, relative path (csi-sanity)",
      { volumeId: "pvc-x", volumePath: "some/path" },
      NotFoundError,
      Status.NOT_FOUND,
      /not found/,
    ],
    [
      "limit below the size",
      { capacityRange: { requiredBytes: 0, limitBytes: 1 } },
      OutOfRangeError,
      Status.OUT_OF_RANGE,
      /has 4294967296 bytes, more than the limit bytes 1/,
    ],
    ["root path", { volumePath: "/" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /kubelet/],
    ["/etc", { volumePath: "/etc" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /kubelet/],
    ["relative", { volumePath: "a/b" }, InvalidArgumentError, Status.INVALID_ARGUMENT, /absolute/],
    [
      "NUL",
      { volumePath: `${TARGET}\0x` },
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /normalised/,
    ],
    [
      "another kubelet path",
      { volumePath: "/var/lib/kubelet/pods/other/mount" },
      NotFoundError,
      Status.NOT_FOUND,
      /not published or staged at/,
    ],
    [
      "another staging path",
      { stagingTargetPath: "/var/lib/kubelet/plugins/other" },
      NotFoundError,
      Status.NOT_FOUND,
      /not staged at/,
    ],
  ];
  const { host, deps } = await published();
  try {
    for (const [name, partial, cls, code, message] of cases) {
      await t.step(name, () =>
        rejects(
          nodeExpandVolume(deps, expandReq(partial), callCtx()),
          cls as typeof NotFoundError,
          code,
          message,
        ));
    }
  } finally {
    await host.dispose();
  }
  await t.step("not staged", async () => {
    const setup = await nodeSetup({ volumes: [volume("pvc-1", { drive: FSUUID })] });
    try {
      await rejects(
        nodeExpandVolume(setup.deps, expandReq(), callCtx()),
        FailedPreconditionError,
        Status.FAILED_PRECONDITION,
        "volume pvc-1 is not staged",
      );
    } finally {
      await setup.host.dispose();
    }
  });
});

Deno.test("nodeGetInfo() and nodeGetCapabilities() describe this node", async () => {
  const { host, deps } = await nodeSetup();
  try {
    const handlers = nodeHandlers({ ...deps, topology: { ...deps.topology, zone: "z1" } });
    const info = await handlers.nodeGetInfo?.({}, callCtx());
    assert.deepEqual(info, {
      nodeId: "node-1",
      accessibleTopology: {
        segments: {
          [LABELS.identity]: "directpv-min-io",
          [LABELS.node]: "node-1",
          [LABELS.rack]: "default",
          [LABELS.zone]: "z1",
          [LABELS.region]: "default",
        },
      },
    });
    const caps = await handlers.nodeGetCapabilities?.({}, callCtx());
    assert.deepEqual(caps?.capabilities?.map((c) => c.rpc?.type), [
      RpcType.GET_VOLUME_STATS,
      RpcType.STAGE_UNSTAGE_VOLUME,
      RpcType.EXPAND_VOLUME,
      RpcType.VOLUME_CONDITION,
    ]);
  } finally {
    await host.dispose();
  }
});
