import assert from "node:assert/strict";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import { FINALIZERS, LABELS } from "../../lib/types/mod.ts";
import {
  type ControllerExpandVolumeRequest,
  ControllerServiceCapability_RPC_Type as RpcType,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";
import { controllerHandlers, getCapacity, validateVolumeCapabilities } from "./controller.ts";
import { controllerExpandVolume, deleteVolume } from "./controller_delete_expand.ts";
import {
  blockCap,
  callCtx,
  controllerSetup,
  drive,
  GiB,
  mountCap,
  rejects,
  volume,
} from "./fixtures_test.ts";
import { Status } from "./status.ts";

const del = (volumeId: string) => ({ volumeId, secrets: {} });

Deno.test("deleteVolume() drops pv-protection and deletes the volume", async () => {
  const { kube, deps } = controllerSetup([drive("d1")], [volume("pvc-1")]);
  assert.deepEqual(await deleteVolume(deps, del("pvc-1"), callCtx()), {});
  const v = await kube.volumes.get("pvc-1");
  assert.deepEqual(v.metadata.finalizers, [FINALIZERS.purgeProtection]);
  assert.ok(v.metadata.deletionTimestamp, "deletion requested; the node purges it");
});

Deno.test("deleteVolume() error rows", async (t) => {
  await t.step("empty id: INVALID_ARGUMENT", async () => {
    const { deps } = controllerSetup([]);
    await rejects(
      deleteVolume(deps, del(""), callCtx()),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      "Volume ID is missing in the request",
    );
  });
  await t.step("missing volume: success", async () => {
    const { deps } = controllerSetup([]);
    assert.deepEqual(await deleteVolume(deps, del("pvc-x"), callCtx()), {});
  });
  for (const [name, opts] of [["staged", { staging: "/s" }], ["published", { target: "/t" }]]) {
    await t.step(`${name}: FAILED_PRECONDITION`, async () => {
      const { deps, kube } = controllerSetup([], [volume("pvc-1", opts as object)]);
      await rejects(
        deleteVolume(deps, del("pvc-1"), callCtx()),
        FailedPreconditionError,
        Status.FAILED_PRECONDITION,
        "volume pvc-1 is not yet unstaged for deletion",
      );
      assert.equal((await kube.volumes.get("pvc-1")).metadata.deletionTimestamp, undefined);
    });
  }
});

function expandReq(
  volumeId: string,
  requiredBytes: number | undefined,
): ControllerExpandVolumeRequest {
  return {
    volumeId,
    capacityRange: requiredBytes === undefined ? undefined : { requiredBytes, limitBytes: 0 },
    secrets: {},
    volumeCapability: undefined,
  };
}

Deno.test("controllerExpandVolume() reserves the extra bytes and records the new size", async () => {
  const setup = controllerSetup([drive("d1", { free: 9 * GiB })], [volume("pvc-1")]);
  const { deps, kube, events } = setup;
  const res = await controllerExpandVolume(deps, expandReq("pvc-1", 3 * GiB), callCtx());
  assert.deepEqual(res, { capacityBytes: 3 * GiB, nodeExpansionRequired: true });
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.freeCapacity, 7 * GiB);
  assert.equal(d1.status.allocatedCapacity, 3 * GiB);
  const v = await kube.volumes.get("pvc-1");
  assert.equal(v.status.totalCapacity, 3 * GiB);
  assert.equal(v.status.availableCapacity, 3 * GiB);
  assert.deepEqual(events.reasons(), ["VolumeExpanded"]);
  // A retry (lost reply) finds the volume grown and reserves nothing more.
  const again = await controllerExpandVolume(deps, expandReq("pvc-1", 3 * GiB), callCtx());
  assert.deepEqual(again, { capacityBytes: 3 * GiB, nodeExpansionRequired: true });
  assert.equal((await kube.drives.get("d1")).status.freeCapacity, 7 * GiB);
});

Deno.test("controllerExpandVolume() error rows", async (t) => {
  const cases: Array<[string, ControllerExpandVolumeRequest, unknown, Status, string | RegExp]> = [
    [
      "empty id",
      expandReq("", GiB),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      "Volume ID is missing in the request",
    ],
    [
      "no range",
      expandReq("pvc-1", undefined),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /Capacity range is missing/,
    ],
    [
      "multi-node block capability",
      { ...expandReq("pvc-1", 2 * GiB), volumeCapability: blockCap(Mode.MULTI_NODE_MULTI_WRITER) },
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      "unsupported access mode MULTI_NODE_MULTI_WRITER for volume pvc-1",
    ],
    ["missing volume", expandReq("pvc-x", GiB), NotFoundError, Status.NOT_FOUND, /pvc-x/],
    [
      "drive too full",
      expandReq("pvc-1", 5 * GiB),
      OutOfRangeError,
      Status.OUT_OF_RANGE,
      /has 2147483648 bytes free, 4294967296 more are needed/,
    ],
  ];
  for (const [name, req, cls, code, message] of cases) {
    await t.step(name, async () => {
      const { deps, kube } = controllerSetup([drive("d1", { free: 2 * GiB })], [volume("pvc-1")]);
      await rejects(
        controllerExpandVolume(deps, req, callCtx()),
        cls as typeof InvalidArgumentError,
        code,
        message,
      );
      assert.equal((await kube.drives.get("d1")).status.freeCapacity, 2 * GiB);
    });
  }
});

function validateReq(volumeId: string, caps = [mountCap()]) {
  return {
    volumeId,
    volumeContext: { a: "b" },
    volumeCapabilities: caps,
    parameters: { p: "q" },
    secrets: {},
    mutableParameters: {},
  };
}

Deno.test("validateVolumeCapabilities() confirms single-node xfs capabilities", async () => {
  const { deps } = controllerSetup([], [volume("pvc-1")]);
  const res = await validateVolumeCapabilities(deps, validateReq("pvc-1"), callCtx());
  assert.deepEqual(res.confirmed?.volumeContext, { a: "b" });
  assert.deepEqual(res.confirmed?.parameters, { p: "q" });
  assert.equal(res.message, undefined);
});

Deno.test("validateVolumeCapabilities() explains unsupported capabilities", async (t) => {
  const cases: Array<[string, ReturnType<typeof mountCap>, string | RegExp]> = [
    [
      "multi-node",
      mountCap(Mode.MULTI_NODE_SINGLE_WRITER),
      "unsupported access mode MULTI_NODE_SINGLE_WRITER for volume pvc-1",
    ],
    [
      "multi-node block",
      blockCap(Mode.MULTI_NODE_READER_ONLY),
      "unsupported access mode MULTI_NODE_READER_ONLY for volume pvc-1",
    ],
    [
      "ext4",
      mountCap(Mode.SINGLE_NODE_WRITER, "ext4"),
      "unsupported filesystem type ext4 for volume pvc-1",
    ],
  ];
  for (const [name, cap, message] of cases) {
    await t.step(name, async () => {
      const { deps } = controllerSetup([], [volume("pvc-1")]);
      const res = await validateVolumeCapabilities(deps, validateReq("pvc-1", [cap]), callCtx());
      assert.equal(res.confirmed, undefined);
      if (typeof message === "string") assert.equal(res.message, message);
      else assert.match(res.message ?? "", message);
    });
  }
});

Deno.test("validateVolumeCapabilities() error rows", async (t) => {
  const { deps } = controllerSetup([], [volume("pvc-1")]);
  await t.step("empty id", () =>
    rejects(
      validateVolumeCapabilities(deps, validateReq(""), callCtx()),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      "Volume ID is missing in the request",
    ));
  await t.step("no capabilities", () =>
    rejects(
      validateVolumeCapabilities(deps, validateReq("pvc-1", []), callCtx()),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
      /capabilities are missing/,
    ));
  await t.step("missing volume", () =>
    rejects(
      validateVolumeCapabilities(deps, validateReq("pvc-x"), callCtx()),
      NotFoundError,
      Status.NOT_FOUND,
    ));
});

Deno.test("getCapacity() sums matching Ready, schedulable drives", async (t) => {
  const { deps } = controllerSetup([
    drive("a", { free: 4 * GiB }),
    drive("b", { free: 6 * GiB }),
    drive("c", { free: 5 * GiB, node: "node-2" }),
    drive("d", { free: 9 * GiB, status: "Lost" }),
    drive("e", { free: 9 * GiB, unschedulable: true }),
    drive("f", { free: 1 * GiB, labels: { [LABELS.accessTier]: "Hot" } }),
  ]);
  const base = { volumeCapabilities: [mountCap()], parameters: {}, accessibleTopology: undefined };
  await t.step("everywhere", () => {
    assert.deepEqual(getCapacity(deps, base), {
      availableCapacity: 16 * GiB,
      maximumVolumeSize: 6 * GiB,
    });
  });
  await t.step("one node", () => {
    const req = { ...base, accessibleTopology: { segments: { [LABELS.node]: "node-2" } } };
    assert.deepEqual(getCapacity(deps, req), {
      availableCapacity: 5 * GiB,
      maximumVolumeSize: 5 * GiB,
    });
  });
  await t.step("access tier parameter", () => {
    const req = { ...base, parameters: { [LABELS.accessTier]: "hot" } };
    assert.equal(getCapacity(deps, req).availableCapacity, GiB);
  });
  await t.step("unsupported capability gives zero", () => {
    const req = { ...base, volumeCapabilities: [blockCap(Mode.MULTI_NODE_MULTI_WRITER)] };
    assert.equal(getCapacity(deps, req).availableCapacity, 0);
    const block = { ...base, volumeCapabilities: [blockCap()] };
    assert.equal(getCapacity(deps, block).availableCapacity, 16 * GiB, "block counts like xfs");
  });
  await t.step("bad parameter: INVALID_ARGUMENT", async () => {
    const handlers = controllerHandlers(deps);
    const req = { ...base, parameters: { [LABELS.accessTier]: "fast" } };
    await rejects(
      handlers.getCapacity?.(req, callCtx()) ?? Promise.resolve(),
      InvalidArgumentError,
      Status.INVALID_ARGUMENT,
    );
  });
});

Deno.test("controllerGetCapabilities() advertises volumes, expand, capacity, clones, snapshots, listing and condition", async () => {
  const { deps } = controllerSetup([]);
  const res = await controllerHandlers(deps).controllerGetCapabilities?.({}, callCtx());
  assert.deepEqual(res?.capabilities?.map((c) => c.rpc?.type), [
    RpcType.CREATE_DELETE_VOLUME,
    RpcType.EXPAND_VOLUME,
    RpcType.GET_CAPACITY,
    RpcType.CLONE_VOLUME,
    RpcType.CREATE_DELETE_SNAPSHOT,
    RpcType.LIST_SNAPSHOTS,
    RpcType.LIST_VOLUMES,
    RpcType.GET_VOLUME,
    RpcType.VOLUME_CONDITION,
  ]);
});

Deno.test("controllerHandlers() leaves every other RPC out (UNIMPLEMENTED)", () => {
  const { deps } = controllerSetup([]);
  const handlers = controllerHandlers(deps);
  for (
    const rpc of [
      "controllerPublishVolume",
      "controllerUnpublishVolume",
      "controllerModifyVolume",
    ] as const
  ) {
    assert.equal(handlers[rpc], undefined, rpc);
  }
});

Deno.test("createVolume() and getCapacity() are UNAVAILABLE until the drive cache loads", async () => {
  const { deps } = controllerSetup([drive("d1")]);
  deps.synced = () => false;
  const handlers = controllerHandlers(deps);
  const req = {
    name: "pvc-1",
    capacityRange: undefined,
    volumeCapabilities: [mountCap()],
    parameters: {},
    secrets: {},
    volumeContentSource: undefined,
    accessibilityRequirements: undefined,
    mutableParameters: {},
  };
  await rejects(
    handlers.createVolume?.(req, callCtx()) ?? Promise.resolve(),
    UnavailableError,
    Status.UNAVAILABLE,
    /drive cache is still loading/,
  );
  await rejects(
    handlers.getCapacity?.(
      { volumeCapabilities: [], parameters: {}, accessibleTopology: undefined },
      callCtx(),
    ) ?? Promise.resolve(),
    UnavailableError,
    Status.UNAVAILABLE,
  );
});
