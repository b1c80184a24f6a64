import assert from "node:assert/strict";
import { FailedPreconditionError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import {
  compareApiVersions,
  hasLegacyVolumes,
  migrateLegacy,
  removeLegacyObjects,
} from "./migrate.ts";
import { legacyCrds, legacyDrive, legacyVolume } from "./testing.ts";

const U1 = "aaaaaaaa-0000-4000-8000-000000000001";
const U2 = "bbbbbbbb-0000-4000-8000-000000000002";
const U3 = "cccccccc-0000-4000-8000-000000000003";

function seeded(): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    ...legacyCrds(),
    legacyDrive("d1", {
      path: "/dev/sdb",
      nodeName: "node1",
      driveStatus: "InUse",
      filesystemUUID: U1,
    }, {
      finalizers: ["direct.csi.min.io/data-protection", "direct.csi.min.io.volume/pvc-1"],
    }),
    legacyDrive("d2", {
      path: "/dev/sdc",
      nodeName: "node1",
      driveStatus: "Available",
      filesystemUUID: U2,
    }),
    legacyDrive("d3", {
      path: "/dev/sdd",
      nodeName: "node1",
      driveStatus: "Ready",
      filesystemUUID: U3,
    }),
    legacyDrive("d4", {
      path: "/dev/sde",
      nodeName: "node1",
      driveStatus: "InUse",
      filesystemUUID: U3,
    }),
    legacyVolume("pvc-4", "d4"),
    legacyVolume("pvc-1", "d1", { published: true }),
    legacyVolume("pvc-9", "d2"),
  );
  return kube;
}

Deno.test("compareApiVersions() orders GA, beta, alpha, newest first", () => {
  assert.deepEqual(["v1alpha1", "v1beta3", "v1", "v1beta5", "v2beta1"].sort(compareApiVersions), [
    "v1",
    "v2beta1",
    "v1beta5",
    "v1beta3",
    "v1alpha1",
  ]);
});

Deno.test("migrateLegacy() migrates Ready/InUse drives and their volumes, collecting errors", async () => {
  const kube = seeded();
  const log: string[] = [];
  const result = await migrateLegacy(kube, { log: (m) => log.push(m) });
  assert.equal(result.version, "v1beta5");
  assert.deepEqual(result.drives.map((d) => d.metadata.name), [U1]);
  assert.deepEqual(result.volumes.map((v) => v.metadata.name), ["pvc-1"]);
  assert.deepEqual(result.errors, [
    `Duplicate filesystem UUID "${U3}" in legacy drives d3 and d4; none of them is migrated`,
    "Referring drive d4 of volume pvc-4 not found",
    "Referring drive d2 of volume pvc-9 not found",
  ]);
  assert.deepEqual(result.skipped, [{ object: "directcsidrive/d2", reason: "status Available" }]);
  assert.deepEqual((await kube.drives.listAll()).map((d) => d.metadata.name), [U1]);
  assert.equal((await kube.drives.get(U1)).metadata.labels?.["directpv.min.io/migrated"], "true");
  assert.equal((await kube.volumes.get("pvc-1")).status.targetPath, "/pods/pvc-1");
  assert.ok(log.includes(`Migrating directcsidrive d1 to directpvdrive ${U1}`));
  assert.equal(result.legacyDrives.length, 4);
});

Deno.test("migrateLegacy() run twice treats migrated objects as done", async () => {
  const kube = seeded();
  await migrateLegacy(kube);
  const log: string[] = [];
  const again = await migrateLegacy(kube, { log: (m) => log.push(m) });
  assert.deepEqual(again.drives.map((d) => d.metadata.name), [U1]);
  assert.ok(log.includes(`Legacy drive d1 is already migrated to drive ${U1}`));
  assert.deepEqual(again.skipped.map((s) => `${s.object}: ${s.reason}`), [
    `directcsidrive/d1: already migrated to directpvdrive/${U1}`,
    "directcsidrive/d2: status Available",
    "directcsivolume/pvc-1: already migrated to directpvvolume/pvc-1",
  ]);
});

Deno.test("migrateLegacy() in a dry run creates nothing", async () => {
  const kube = seeded();
  const result = await migrateLegacy(kube, { dryRun: true });
  assert.equal(result.drives.length, 1);
  assert.deepEqual(await kube.drives.listAll(), []);
  assert.deepEqual(await kube.volumes.listAll(), []);
});

Deno.test("migrateLegacy() without DirectCSI does nothing", async () => {
  const result = await migrateLegacy(new FakeKube());
  assert.equal(result.version, undefined);
  assert.deepEqual(result.drives, []);
});

Deno.test("migrateLegacy() refuses versions older than v1beta3", async () => {
  const kube = new FakeKube();
  kube.seed(...legacyCrds(["v1alpha1", "v1beta2"]));
  await assert.rejects(
    migrateLegacy(kube),
    (e) =>
      e instanceof FailedPreconditionError &&
      /does not support DirectCSIDrive version v1beta2/.test(e.message),
  );
});

Deno.test("hasLegacyVolumes() and removeLegacyObjects() see and delete DirectCSI objects", async () => {
  const kube = seeded();
  assert.ok(await hasLegacyVolumes(kube));
  const result = await migrateLegacy(kube);
  assert.equal(await removeLegacyObjects(kube, result), 7);
  assert.ok(!(await hasLegacyVolumes(kube)));
  assert.ok(!(await hasLegacyVolumes(new FakeKube())));
});

Deno.test("migrateLegacy() and removeLegacyObjects() reach each named step", async () => {
  const kube = seeded();
  const steps: string[] = [];
  const result = await migrateLegacy(kube, { checkpoint: (s) => steps.push(s) });
  assert.deepEqual(steps, ["drive-migrated", "volume-migrated"]);
  await removeLegacyObjects(kube, result, { checkpoint: (s) => steps.push(s) });
  assert.equal(steps.filter((s) => s === "legacy-removed").length, 7);
});
