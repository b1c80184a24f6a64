import assert from "node:assert/strict";
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { GROUP, RESOURCES } from "../types/mod.ts";
import { info } from "./info.ts";
import { makeCrd, makeCsiNode, makeDrive, makeVolume } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const GI = 2 ** 30;

function crds(): ReturnType<typeof makeCrd>[] {
  return [makeCrd(RESOURCES.drive, GROUP), makeCrd(RESOURCES.volume, GROUP)];
}

Deno.test("info() sums drives and published volumes per node", async () => {
  const kube = new FakeKube();
  kube.seed(
    ...crds(),
    makeCsiNode("node1"),
    makeCsiNode("node2"),
    makeCsiNode("other", ["x"]),
    makeDrive({ id: A, node: "node1", name: "sdb", size: 10 * GI }),
    makeDrive({ id: B, node: "node1", name: "sdc", size: 5 * GI }),
    makeVolume({
      name: "pvc-1",
      driveId: A,
      node: "node1",
      driveName: "sdb",
      size: GI,
      targetPath: "/t",
    }),
    makeVolume({ name: "pvc-2", driveId: A, node: "node1", driveName: "sdb", size: GI }),
  );
  assert.deepEqual(await info(kube), [
    { node: "node1", capacity: 15 * GI, allocated: GI, volumes: 1, drives: 2 },
    { node: "node2", capacity: 0, allocated: 0, volumes: 0, drives: 0 },
  ]);
});

Deno.test("info() tells a missing installation from a missing driver", async () => {
  await assert.rejects(
    info(new FakeKube()),
    (e) => e instanceof NotFoundError && e.message === "DirectPV installation not found",
  );
  const kube = new FakeKube();
  kube.seed(...crds());
  await assert.rejects(
    info(kube),
    (e) => e instanceof FailedPreconditionError && e.message === "DirectPV not installed",
  );
});
