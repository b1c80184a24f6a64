import assert from "node:assert/strict";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
} from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { FINALIZERS, volumeFinalizer } from "../types/mod.ts";
import { moveDrive } from "./move.ts";
import { type DriveFixture, makeDrive, makeVolume, recordingReporter } from "./testing.ts";

const SRC = "aaaaaaaa-0000-4000-8000-000000000001";
const DST = "bbbbbbbb-0000-4000-8000-000000000002";
const GI = 2 ** 30;

function seeded(
  src: Partial<DriveFixture> = {},
  dst: Partial<DriveFixture> = {},
  { published = false } = {},
): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({
      id: SRC,
      node: "node1",
      name: "sdb",
      unschedulable: true,
      volumes: ["pvc-1", "pvc-2"],
      ...src,
    }),
    makeDrive({ id: DST, node: "node1", name: "sdc", unschedulable: true, ...dst }),
    makeVolume({ name: "pvc-1", driveId: SRC, node: "node1", driveName: "sdb", size: GI }),
    makeVolume({
      name: "pvc-2",
      driveId: SRC,
      node: "node1",
      driveName: "sdb",
      size: 2 * GI,
      ...(published ? { targetPath: "/pods/x" } : {}),
    }),
  );
  return kube;
}

Deno.test("moveDrive() hands the volumes to the destination", async () => {
  const kube = seeded();
  const reporter = recordingReporter();
  const moved = await moveDrive(kube, { source: SRC, destination: DST, reporter });
  assert.deepEqual(moved.map((v) => v.metadata.name), ["pvc-1", "pvc-2"]);
  const dst = await kube.drives.get(DST);
  assert.deepEqual(dst.metadata.finalizers, [
    FINALIZERS.dataProtection,
    volumeFinalizer("pvc-1"),
    volumeFinalizer("pvc-2"),
  ]);
  assert.equal(dst.status.status, "Moving");
  assert.equal(dst.status.allocatedCapacity, 3 * GI);
  assert.equal(dst.status.freeCapacity, 7 * GI);
  assert.deepEqual((await kube.drives.get(SRC)).metadata.finalizers, [FINALIZERS.dataProtection]);
  assert.deepEqual(reporter.infos, ["Moving volume pvc-1", "Moving volume pvc-2"]);
});

Deno.test("moveDrive() refuses unsafe moves", async (t) => {
  const cases: Array<[string, () => Promise<unknown>, new (...a: never[]) => Error, RegExp]> = [
    [
      "the same drive",
      () => moveDrive(seeded(), { source: SRC, destination: SRC }),
      InvalidArgumentError,
      /same/,
    ],
    [
      "a missing source",
      () =>
        moveDrive(seeded(), { source: "cccccccc-0000-4000-8000-000000000003", destination: DST }),
      NotFoundError,
      /source drive/,
    ],
    [
      "a source not cordoned",
      () => moveDrive(seeded({ unschedulable: false }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /source drive .* is not cordoned/,
    ],
    [
      "a source without volumes",
      () => moveDrive(seeded({ volumes: [] }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /no volumes/,
    ],
    [
      "a published volume",
      () => moveDrive(seeded({}, {}, { published: true }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /published volume "pvc-2"/,
    ],
    [
      "another node",
      () => moveDrive(seeded({}, { node: "node2" }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /same node/,
    ],
    [
      "a destination not cordoned",
      () => moveDrive(seeded({}, { unschedulable: false }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /destination drive .* is not cordoned/,
    ],
    [
      "a destination not Ready",
      () => moveDrive(seeded({}, { status: "Lost" }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /not Ready/,
    ],
    [
      "another access tier",
      () => moveDrive(seeded({}, { accessTier: "Hot" }), { source: SRC, destination: DST }),
      FailedPreconditionError,
      /access tier/,
    ],
    [
      "too little free space",
      () => moveDrive(seeded({}, { free: 2 * GI }), { source: SRC, destination: DST }),
      ResourceExhaustedError,
      /required=3221225472 free=2147483648/,
    ],
  ];
  for (const [name, run, type, message] of cases) {
    await t.step(name, async () => {
      await assert.rejects(run(), (e) => e instanceof type && message.test((e as Error).message));
    });
  }
});
