import assert from "node:assert/strict";
import { makeDrive, makeVolume } from "../../lib/admin/testing.ts";
import { FINALIZERS, LABELS } from "../../lib/types/mod.ts";
import {
  driveColumns,
  driveStatusText,
  sortDrives,
  sortVolumes,
  userLabels,
  volumeColumns,
  volumeStatusText,
} from "./resources.ts";
import { renderTable } from "./table.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const C = "cccccccc-0000-4000-8000-000000000003";
const GI = 2 ** 30;

Deno.test("driveStatusText() appends SchedulingDisabled and Suspended", () => {
  const d = makeDrive({
    id: A,
    node: "n",
    name: "sdb",
    unschedulable: true,
    labels: { [LABELS.suspend]: "true" },
  });
  assert.equal(driveStatusText(d), "Ready,SchedulingDisabled,Suspended");
});

Deno.test("volumeStatusText() follows Released, Lost, Bounded, then the status", async (t) => {
  const base = { name: "v", driveId: A, node: "n", driveName: "sdb" };
  await t.step("released", () => {
    assert.equal(
      volumeStatusText(makeVolume({ ...base, finalizers: [FINALIZERS.purgeProtection] })),
      "Released",
    );
  });
  await t.step("lost", () => {
    const v = makeVolume(base);
    v.status.conditions = [{
      type: "Lost",
      status: "True",
      reason: "DriveLost",
      message: "",
      lastTransitionTime: "",
    }];
    assert.equal(volumeStatusText(v), "Lost");
  });
  await t.step(
    "published",
    () => assert.equal(volumeStatusText(makeVolume({ ...base, targetPath: "/t" })), "Bounded"),
  );
  await t.step("pending, suspended, deleting", () => {
    const v = makeVolume({ ...base, status: "Pending", labels: { [LABELS.suspend]: "true" } });
    v.metadata.deletionTimestamp = "2025-01-01T00:00:00Z";
    assert.equal(volumeStatusText(v), "Pending,Suspended,Deleting");
  });
});

Deno.test("userLabels() shows non-reserved labels without the prefix", () => {
  assert.equal(
    userLabels({ [LABELS.node]: "n", "directpv.min.io/tier": "hot", "example.com/a": "b" }),
    "example.com/a=b,tier=hot",
  );
  assert.equal(userLabels({ [LABELS.node]: "n" }), "-");
});

Deno.test("the drive table is sorted by node, status, size, free, name", () => {
  const drives = sortDrives([
    makeDrive({ id: C, node: "node2", name: "sda", size: GI }),
    makeDrive({
      id: B,
      node: "node1",
      name: "sdc",
      size: 2 * GI,
      free: GI,
      volumes: ["v1"],
      make: "QEMU",
    }),
    makeDrive({
      id: A,
      node: "node1",
      name: "sdb",
      size: 2 * GI,
      free: GI,
      labels: { "directpv.min.io/tier": "hot" },
    }),
  ]);
  assert.equal(
    renderTable(driveColumns({ showLabels: true }), drives),
    [
      "┌──────────────────────────────────────┬───────┬──────┬──────┬─────────┬─────────┬─────────┬────────┬──────────┐",
      "│ DRIVE ID                             │ NODE  │ NAME │ MAKE │ SIZE    │ FREE    │ VOLUMES │ STATUS │ LABELS   │",
      "├──────────────────────────────────────┼───────┼──────┼──────┼─────────┼─────────┼─────────┼────────┼──────────┤",
      "│ aaaaaaaa-0000-4000-8000-000000000001 │ node1 │ sdb  │ -    │ 2.0 GiB │ 1.0 GiB │ -       │ Ready  │ tier=hot │",
      "│ bbbbbbbb-0000-4000-8000-000000000002 │ node1 │ sdc  │ QEMU │ 2.0 GiB │ 1.0 GiB │ 1       │ Ready  │ -        │",
      "│ cccccccc-0000-4000-8000-000000000003 │ node2 │ sda  │ -    │ 1.0 GiB │ 1.0 GiB │ -       │ Ready  │ -        │",
      "└──────────────────────────────────────┴───────┴──────┴──────┴─────────┴─────────┴─────────┴────────┴──────────┘",
      "",
    ].join("\n"),
  );
});

Deno.test("the volume table is sorted by namespace, node, status, capacity, drive, pod, name", () => {
  const volumes = sortVolumes([
    makeVolume({
      name: "pvc-b",
      driveId: A,
      node: "node1",
      driveName: "sdb",
      pod: { name: "p2", namespace: "ns2" },
    }),
    makeVolume({
      name: "pvc-a",
      driveId: A,
      node: "node1",
      driveName: "sdb",
      pod: { name: "p1", namespace: "ns1" },
      targetPath: "/t",
    }),
    makeVolume({ name: "pvc-c", driveId: B, node: "node2", driveName: "sdc", size: 2 * GI }),
  ]);
  assert.deepEqual(volumes.map((v) => v.metadata.name), ["pvc-c", "pvc-a", "pvc-b"]);
  assert.equal(
    renderTable(
      volumeColumns({ wide: true, showLabels: false, claims: new Map([["pvc-a", "data-0"]]) }),
      volumes,
    ),
    [
      "┌────────┬──────────┬───────┬───────┬─────────┬──────────────┬─────────┬──────────────────────────────────────┬────────┐",
      "│ VOLUME │ CAPACITY │ NODE  │ DRIVE │ PODNAME │ PODNAMESPACE │ STATUS  │ DRIVE ID                             │ PVC    │",
      "├────────┼──────────┼───────┼───────┼─────────┼──────────────┼─────────┼──────────────────────────────────────┼────────┤",
      "│ pvc-c  │ 2.0 GiB  │ node2 │ sdc   │ -       │ -            │ Ready   │ bbbbbbbb-0000-4000-8000-000000000002 │ -      │",
      "│ pvc-a  │ 1.0 GiB  │ node1 │ sdb   │ p1      │ ns1          │ Bounded │ aaaaaaaa-0000-4000-8000-000000000001 │ data-0 │",
      "│ pvc-b  │ 1.0 GiB  │ node1 │ sdb   │ p2      │ ns2          │ Ready   │ aaaaaaaa-0000-4000-8000-000000000001 │ -      │",
      "└────────┴──────────┴───────┴───────┴─────────┴──────────────┴─────────┴──────────────────────────────────────┴────────┘",
      "",
    ].join("\n"),
  );
});
