import assert from "node:assert/strict";
import {
  AbortedError,
  AlreadyExistsError,
  ConflictError,
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
  ResourceExhaustedError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import { updateWithRetry } from "../../lib/k8s/mod.ts";
import {
  CREATED_BY,
  type DirectPVDrive,
  FINALIZERS,
  LABELS,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import {
  type CreateVolumeRequest,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";
import { createVolume } from "./controller_create.ts";
import { volumeIdFor } from "./controller_volume.ts";
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
import { createReq } from "./requests_test.ts";
import { Status } from "./status.ts";

const CLAIM = "0f6c1a52-3c1e-4f3e-9d5a-8a7b2c1d0e9f";

Deno.test("createVolume() reserves capacity, then writes a Pending volume", async () => {
  const { kube, deps, events, cache } = controllerSetup([drive("d1")]);
  const res = await createVolume(deps, createReq({ parameters: { foo: "bar" } }), callCtx());
  assert.equal(res.volume?.volumeId, "pvc-1");
  assert.equal(res.volume?.capacityBytes, GiB);
  assert.deepEqual(res.volume?.volumeContext, { foo: "bar" });
  assert.deepEqual(res.volume?.accessibleTopology?.[0]?.segments?.[LABELS.node], "node-1");
  const d = await kube.drives.get("d1");
  assert.ok(d.metadata.finalizers?.includes(volumeFinalizer("pvc-1")));
  assert.equal(d.status.freeCapacity, 9 * GiB);
  assert.equal(d.status.allocatedCapacity, GiB);
  assert.equal(cache.get("d1")?.metadata.resourceVersion, d.metadata.resourceVersion);
  const v = await kube.volumes.get("pvc-1");
  assert.equal(v.status.status, "Pending");
  assert.equal(v.status.totalCapacity, GiB);
  assert.equal(v.status.fsuuid, "d1");
  assert.deepEqual(v.metadata.finalizers, [FINALIZERS.pvProtection, FINALIZERS.purgeProtection]);
  assert.equal(v.metadata.labels?.[LABELS.drive], "d1");
  assert.equal(v.metadata.labels?.[LABELS.node], "node-1");
  assert.equal(v.metadata.labels?.[LABELS.driveName], "sdb");
  assert.equal(v.metadata.labels?.[LABELS.createdBy], CREATED_BY.controller);
  assert.equal(v.metadata.labels?.[LABELS.version], "v1beta1");
  assert.deepEqual(events.reasons(), ["VolumeProvisioned", "VolumeAdded"]);
  assert.equal(events.events[0]?.message, "volume is created");
});

Deno.test("createVolume() labels the drive and volume with the claim id", async () => {
  const { kube, deps } = controllerSetup([drive("d1"), drive("d2", { free: 5 * GiB })]);
  await createVolume(deps, createReq({ parameters: { [LABELS.volumeClaimId]: CLAIM } }), callCtx());
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.metadata.labels?.[volumeClaimIdLabel(CLAIM)], "true");
  const v = await kube.volumes.get("pvc-1");
  assert.equal(v.metadata.labels?.[LABELS.claimId], CLAIM);
  await createVolume(
    deps,
    createReq({ name: "pvc-2", parameters: { [LABELS.volumeClaimId]: CLAIM } }),
    callCtx(),
  );
  assert.equal((await kube.volumes.get("pvc-2")).metadata.labels?.[LABELS.drive], "d2");
});

Deno.test("createVolume() without a capacity range takes the drive's free space", async () => {
  const { kube, deps } = controllerSetup([drive("d1", { free: 3 * GiB })]);
  const res = await createVolume(deps, createReq({ capacityRange: undefined }), callCtx());
  assert.equal(res.volume?.capacityBytes, 3 * GiB);
  assert.equal((await kube.drives.get("d1")).status.freeCapacity, 0);
});

Deno.test("createVolume() treats an empty fs_type as xfs", async () => {
  const { deps } = controllerSetup([drive("d1")]);
  const res = await createVolume(
    deps,
    createReq({ volumeCapabilities: [mountCap(Mode.SINGLE_NODE_WRITER, "")] }),
    callCtx(),
  );
  assert.equal(res.volume?.volumeId, "pvc-1");
});

Deno.test("createVolume() retried returns the same volume without a second reservation", async () => {
  const { kube, deps, events } = controllerSetup([drive("d1"), drive("d2")]);
  await createVolume(deps, createReq(), callCtx());
  const first = (await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.drive];
  const res = await createVolume(deps, createReq(), callCtx());
  assert.equal(res.volume?.capacityBytes, GiB);
  const held = (await kube.drives.list()).items.filter((d) =>
    d.metadata.finalizers?.includes(volumeFinalizer("pvc-1"))
  );
  assert.deepEqual(held.map((d) => d.metadata.name), [first]);
  assert.equal(held[0]?.status.allocatedCapacity, GiB);
  assert.equal(events.reasons().filter((r) => r === "VolumeAdded").length, 1);
});

Deno.test("createVolume() retried with a different size is ALREADY_EXISTS", async () => {
  const { deps } = controllerSetup([drive("d1")]);
  await createVolume(deps, createReq(), callCtx());
  await rejects(
    createVolume(
      deps,
      createReq({ capacityRange: { requiredBytes: 2 * GiB, limitBytes: 0 } }),
      callCtx(),
    ),
    AlreadyExistsError,
    Status.ALREADY_EXISTS,
    /already exists with 1073741824 bytes/,
  );
});

Deno.test("createVolume() rejects bad requests with DirectPV's messages", async (t) => {
  const cases: Array<[string, Partial<CreateVolumeRequest>, string | RegExp]> = [
    ["empty name", { name: "" }, "empty volume name in the request"],
    ["no capabilities", { volumeCapabilities: [] }, /Volume capabilities are missing/],
    [
      "multi-node access mode",
      { volumeCapabilities: [mountCap(Mode.MULTI_NODE_MULTI_WRITER)] },
      "unsupported access mode MULTI_NODE_MULTI_WRITER for volume pvc-1",
    ],
    [
      "multi-node reader",
      { volumeCapabilities: [mountCap(), mountCap(Mode.MULTI_NODE_READER_ONLY)] },
      "unsupported access mode MULTI_NODE_READER_ONLY for volume pvc-1",
    ],
    [
      "unknown access mode",
      { volumeCapabilities: [mountCap(Mode.UNKNOWN)] },
      "unsupported access mode UNKNOWN for volume pvc-1",
    ],
    [
      "ext4",
      { volumeCapabilities: [mountCap(Mode.SINGLE_NODE_WRITER, "ext4")] },
      "unsupported filesystem type ext4 for volume pvc-1",
    ],
    [
      "multi-node block access",
      { volumeCapabilities: [blockCap(Mode.MULTI_NODE_MULTI_WRITER)] },
      "unsupported access mode MULTI_NODE_MULTI_WRITER for volume pvc-1",
    ],
    [
      "no access type",
      { volumeCapabilities: [{ accessMode: { mode: Mode.SINGLE_NODE_WRITER } }] },
      /has no access type/,
    ],
    [
      "bad access tier",
      { parameters: { [LABELS.accessTier]: "fast" } },
      /unknown access-tier fast/,
    ],
    [
      "bad claim id",
      { parameters: { [LABELS.volumeClaimId]: "nope" } },
      "invalid volume claim ID nope; must be a UUID",
    ],
    [
      "limit below required",
      { capacityRange: { requiredBytes: 2 * GiB, limitBytes: GiB } },
      /exceed limit bytes/,
    ],
  ];
  for (const [name, partial, message] of cases) {
    await t.step(name, async () => {
      const { deps, kube } = controllerSetup([drive("d1")]);
      await rejects(
        createVolume(deps, createReq(partial), callCtx()),
        InvalidArgumentError,
        Status.INVALID_ARGUMENT,
        message,
      );
      assert.equal(kube.callsOf("update").length + kube.callsOf("patch").length, 0);
    });
  }
});

Deno.test("createVolume() reports when no drive fits", async (t) => {
  await t.step("topology: RESOURCE_EXHAUSTED", async () => {
    const { deps } = controllerSetup([drive("d1", { node: "node-2" })]);
    await rejects(
      createVolume(deps, createReq(), callCtx()),
      ResourceExhaustedError,
      Status.RESOURCE_EXHAUSTED,
      "no drive found for requested topology; requested node(s): node-1; requested size: " +
        `${GiB} bytes`,
    );
  });
  await t.step("size without topology: OUT_OF_RANGE", async () => {
    const { deps } = controllerSetup([drive("d1", { free: GiB / 2 })]);
    await rejects(
      createVolume(deps, createReq({ accessibilityRequirements: undefined }), callCtx()),
      OutOfRangeError,
      Status.OUT_OF_RANGE,
      `no drive found for requested size ${GiB}`,
    );
  });
  await t.step("nothing at all: FAILED_PRECONDITION", async () => {
    const { deps } = controllerSetup([drive("d1", { status: "Lost" })]);
    await rejects(
      createVolume(
        deps,
        createReq({ accessibilityRequirements: undefined, capacityRange: undefined }),
        callCtx(),
      ),
      FailedPreconditionError,
      Status.FAILED_PRECONDITION,
      "no drive found",
    );
  });
});

Deno.test("createVolume() re-reads a drive after a lost race and selects again", async () => {
  const { kube, deps } = controllerSetup([drive("d1"), drive("d2", { free: 9 * GiB })]);
  // Another writer takes 5 GiB of d1 before our update lands.
  kube.inject({
    verb: "patch",
    resource: "directpvdrives",
    times: 1,
    hook: async () => {
      const d1 = await kube.drives.get("d1");
      d1.status.freeCapacity -= 5 * GiB;
      d1.status.allocatedCapacity += 5 * GiB;
      await kube.drives.update(d1);
    },
  });
  await createVolume(deps, createReq(), callCtx());
  assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.drive], "d2");
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.freeCapacity, 5 * GiB);
  assert.ok(!d1.metadata.finalizers?.includes(volumeFinalizer("pvc-1")));
  assert.equal((await kube.drives.get("d2")).status.freeCapacity, 8 * GiB);
});

Deno.test("createVolume() gives up with ABORTED when every round conflicts", async () => {
  const { kube, deps } = controllerSetup([drive("d1")]);
  deps.maxReserveAttempts = 3;
  kube.inject({
    verb: "patch",
    resource: "directpvdrives",
    error: () => new ConflictError("stale"),
  });
  await rejects(
    createVolume(deps, createReq(), callCtx()),
    AbortedError,
    Status.ABORTED,
    /drives changed during 3 attempts/,
  );
  assert.equal(kube.callsOf("patch", "directpvdrives").length, 3);
});

Deno.test("createVolume() gives the reservation back when the volume cannot be written", async () => {
  const { kube, deps } = controllerSetup([drive("d1", { labels: {} })]);
  kube.inject({ verb: "create", resource: "directpvvolumes", error: new UnavailableError("down") });
  await rejects(
    createVolume(deps, createReq({ parameters: { [LABELS.volumeClaimId]: CLAIM } }), callCtx()),
    UnavailableError,
    Status.UNAVAILABLE,
  );
  const d1 = await kube.drives.get("d1");
  assert.equal(d1.status.freeCapacity, 10 * GiB);
  assert.equal(d1.status.allocatedCapacity, 0);
  assert.ok(!d1.metadata.finalizers?.includes(volumeFinalizer("pvc-1")));
  assert.equal(d1.metadata.labels?.[volumeClaimIdLabel(CLAIM)], undefined);
});

Deno.test("createVolume() is ABORTED while a volume of that name stays being deleted", async () => {
  const { kube, deps } = controllerSetup([drive("d1")], [volume("pvc-1", { drive: "gone" })]);
  deps.deleteWait = { timeoutMs: 30, intervalMs: 5 };
  await kube.volumes.delete("pvc-1");
  await rejects(
    createVolume(deps, createReq(), callCtx()),
    AbortedError,
    Status.ABORTED,
    'Cannot create volume "pvc-1": a volume of that name is being deleted; retry once the ' +
      "node server has cleaned it up",
  );
  assert.equal((await kube.drives.get("d1")).status.freeCapacity, 10 * GiB);
});

Deno.test("createVolume() of a name being deleted waits for the cleanup, then reserves anew", async () => {
  const old = volume("pvc-1", { drive: "d1", size: 2 * GiB });
  const { kube, deps } = controllerSetup([drive("d1", { free: 8 * GiB, volumes: ["pvc-1"] })], [
    old,
  ]);
  deps.deleteWait = { timeoutMs: 5000, intervalMs: 5 };
  await kube.volumes.delete("pvc-1");
  /** What the node server does for the old volume: capacity back, then the object goes. */
  const cleanup = async () => {
    await new Promise((r) => setTimeout(r, 30));
    await updateWithRetry(kube.drives, "d1", (d) => {
      d.metadata.finalizers = (d.metadata.finalizers ?? []).filter((f) =>
        f !== volumeFinalizer("pvc-1")
      );
      d.status.freeCapacity += 2 * GiB;
      d.status.allocatedCapacity -= 2 * GiB;
      return d;
    });
    deps.drives.apply(await kube.drives.get("d1"));
    await kube.volumes.patch("pvc-1", { metadata: { finalizers: [] } });
  };
  const [res] = await Promise.all([createVolume(deps, createReq(), callCtx()), cleanup()]);
  assert.equal(res.volume?.volumeId, "pvc-1");
  const fresh = await kube.volumes.get("pvc-1");
  assert.equal(fresh.metadata.deletionTimestamp, undefined, "a new volume, not the old one");
  assert.equal(fresh.status.totalCapacity, GiB);
  const d1 = await kube.drives.get("d1");
  assert.ok(d1.metadata.finalizers?.includes(volumeFinalizer("pvc-1")), "reserved anew");
  assert.equal(d1.status.freeCapacity, 9 * GiB, "the old 2 GiB back, the new 1 GiB taken");
});

Deno.test("createVolume() overwrites a stale volume of the same name", async () => {
  const stale = volume("pvc-1", { drive: "old", size: 5 * GiB, labels: { custom: "x" } });
  const { kube, deps, events } = controllerSetup([drive("d1")], [stale]);
  await createVolume(deps, createReq(), callCtx());
  const v = await kube.volumes.get("pvc-1");
  assert.equal(v.metadata.labels?.[LABELS.drive], "d1");
  assert.equal(v.metadata.labels?.custom, "x");
  assert.equal(v.status.totalCapacity, GiB);
  assert.equal(events.events[0]?.message, "volume is reused");
});

Deno.test("createVolume() prefers the drive with the most free space", async () => {
  const drives: DirectPVDrive[] = [drive("a", { free: 2 * GiB }), drive("b", { free: 7 * GiB })];
  const { kube, deps } = controllerSetup(drives);
  await createVolume(deps, createReq(), callCtx());
  assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.[LABELS.drive], "b");
});

Deno.test("volumeIdFor() keeps PV names and maps other names to stable object names", async (t) => {
  await t.step("PV name", async () => assert.equal(await volumeIdFor("pvc-0a1b"), "pvc-0a1b"));
  await t.step("mixed case", async () => {
    const id = await volumeIdFor("sanity-Create-3D8E1F9D");
    assert.match(id, /^sanity-create-3d8e1f9d-[0-9a-f]{8}$/);
    assert.equal(await volumeIdFor("sanity-Create-3D8E1F9D"), id);
    assert.notEqual(await volumeIdFor("sanity-create-3D8E1F9D"), id);
  });
  await t.step("too long", async () => {
    const id = await volumeIdFor("a".repeat(128));
    assert.equal(id.length, 63);
  });
  await t.step("only symbols", async () => assert.match(await volumeIdFor("__"), /^volume-/));
});

Deno.test("createVolume() answers with the mapped id for a name Kubernetes refuses", async () => {
  const { kube, deps } = controllerSetup([drive("d1")]);
  const res = await createVolume(deps, createReq({ name: "Sanity-Vol" }), callCtx());
  const id = res.volume?.volumeId ?? "";
  assert.match(id, /^sanity-vol-[0-9a-f]{8}$/);
  assert.equal((await kube.volumes.get(id)).metadata.name, id);
  assert.ok((await kube.drives.get("d1")).metadata.finalizers?.includes(volumeFinalizer(id)));
});
