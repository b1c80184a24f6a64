import assert from "node:assert/strict";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { ANNOTATIONS } from "../types/mod.ts";
import { moveData, planMoveData } from "./move_data.ts";
import { makeDrive, makeVolume, recordingReporter } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const C = "cccccccc-0000-4000-8000-000000000003";
const D = "dddddddd-0000-4000-8000-000000000004";
const GI = 2 ** 30;

function cluster(): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb", volumes: ["pvc-1", "pvc-2"] }),
    makeDrive({ id: B, node: "node1", name: "sdc", size: 10 * GI }),
    makeDrive({ id: C, node: "node2", name: "sdb", size: 10 * GI }),
    makeDrive({ id: D, node: "node1", name: "sdd", size: 2 * GI, free: GI }),
    makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb", size: GI }),
    makeVolume({ name: "pvc-2", driveId: A, node: "node1", driveName: "sdb", size: GI }),
  );
  return kube;
}

async function dump(kube: FakeKube): Promise<string> {
  return JSON.stringify([await kube.drives.listAll(), await kube.volumes.listAll()]);
}

Deno.test("planMoveData() refuses bad input naming it, changing nothing", async (t) => {
  const cases: Array<[string, string, string, (e: unknown) => boolean]> = [
    [
      "unknown source",
      "eeeeeeee-0000-4000-8000-000000000005",
      B,
      (e) => e instanceof NotFoundError && /Source drive "eeeeeeee-/.test(e.message),
    ],
    [
      "unknown destination",
      A,
      "eeeeeeee-0000-4000-8000-000000000005",
      (e) => e instanceof NotFoundError && /Destination drive "eeeeeeee-/.test(e.message),
    ],
    ["same drive", A, A, (e) => e instanceof InvalidArgumentError && /same drive/.test(e.message)],
    ["other node", A, C, (e) =>
      e instanceof FailedPreconditionError &&
      new RegExp(`"${C}" is on node "node2", not on "node1"`).test(e.message)],
    ["too small", A, D, (e) =>
      e instanceof FailedPreconditionError &&
      /"dddddddd-.*" is too small: 1.0 GiB free, the volumes need 2.0 GiB/.test(e.message)],
  ];
  for (const [what, from, to, check] of cases) {
    await t.step(what, async () => {
      const kube = cluster();
      const before = await dump(kube);
      await assert.rejects(moveData(kube, { from, to }), check);
      assert.equal(await dump(kube), before);
    });
  }
});

Deno.test("planMoveData() refuses volumes in use unless waiting; counts what is left", async () => {
  const kube = cluster();
  const published = makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" });
  published.status.targetPath = "/t";
  kube.seed(published);
  await assert.rejects(
    planMoveData(kube, { from: A, to: B }),
    /Volume\(s\) in use by pods: "pvc-1"; stop them or pass --wait/,
  );
  const plan = await planMoveData(kube, { from: A, to: B, wait: true });
  assert.equal(plan.volumes.length, 2);
  assert.equal(plan.neededBytes, 2 * GI);
});

Deno.test("moveData() in a dry run reports the plan and leaves the cluster as it was", async () => {
  const kube = cluster();
  const before = await dump(kube);
  const reporter = recordingReporter();
  await moveData(kube, { from: A, to: B, dryRun: true, reporter });
  assert.deepEqual(reporter.infos, [
    "Moving 2 volume(s) from node1/sdb to node1/sdc (2.0 GiB of capacity)",
  ]);
  assert.equal(await dump(kube), before);
});

Deno.test("moveData() asks the node server and follows its progress to the end", async () => {
  const kube = cluster();
  const reporter = recordingReporter();
  const done = { state: "done", to: B, volume: "", index: 2, total: 2, bytes: 0, movedBytes: 5 };
  const running = moveData(kube, { from: A, to: B, reporter, pollMs: 5 });
  await new Promise((r) => setTimeout(r, 20));
  const drive = await kube.drives.get(A);
  assert.equal(drive.metadata.annotations?.[ANNOTATIONS.moveDataTo], B);
  drive.metadata.annotations = {
    ...drive.metadata.annotations,
    [ANNOTATIONS.moveDataProgress]: JSON.stringify({ ...done, message: "Moved 2 volume(s)" }),
  };
  await kube.drives.update(drive);
  await running;
  assert.equal(reporter.infos.at(-1), "Moved 2 volume(s)");
});
