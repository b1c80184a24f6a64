import assert from "node:assert/strict";
import { parse } from "yaml";
import { FailedPreconditionError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { legacyCrds, legacyDrive, legacyVolume } from "../legacy/testing.ts";
import { migrate } from "./migrate.ts";
import { MemoryFiles, recordingReporter } from "./testing.ts";

const U1 = "aaaaaaaa-0000-4000-8000-000000000001";
const NOW = new Date("2025-01-02T03:04:05.678Z");

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
    legacyVolume("pvc-1", "d1", { staged: true }),
  );
  return kube;
}

Deno.test("migrate() migrates, backs the legacy objects up and deletes them", async () => {
  const kube = seeded();
  const files = new MemoryFiles();
  const reporter = recordingReporter();
  const outcome = await migrate(kube, { backupDir: "/work", files, now: NOW, reporter });
  assert.deepEqual(outcome.backups, [
    "/work/directcsidrives-2025-01-02T03:04:05Z.yaml",
    "/work/directcsivolumes-2025-01-02T03:04:05Z.yaml",
  ]);
  const drives = parse(files.files.get(outcome.backups[0] ?? "")?.text ?? "");
  assert.equal(drives.kind, "List");
  assert.equal(drives.items[0].metadata.name, "d1");
  assert.equal(outcome.removed, 2);
  assert.equal((await kube.drives.get(U1)).metadata.name, U1);
  assert.ok(
    reporter.infos.includes(
      "Legacy objects backed up to /work/directcsivolumes-2025-01-02T03:04:05Z.yaml",
    ),
  );
});

Deno.test("migrate() with retain or dry run keeps the legacy objects and writes no file", async (t) => {
  for (
    const [name, args] of [["retain", { retain: true }], ["dry run", { dryRun: true }]] as const
  ) {
    await t.step(name, async () => {
      const kube = seeded();
      const files = new MemoryFiles();
      const outcome = await migrate(kube, { backupDir: "/work", files, now: NOW, ...args });
      assert.deepEqual(outcome.backups, []);
      assert.equal(outcome.removed, 0);
      assert.equal(files.files.size, 0);
      assert.equal(outcome.migration.legacyDrives.length, 1);
    });
  }
});

Deno.test("migrate() fails without deleting anything when an object cannot be migrated", async () => {
  const kube = seeded();
  kube.seed(legacyVolume("pvc-2", "missing-drive"));
  const files = new MemoryFiles();
  await assert.rejects(
    migrate(kube, { backupDir: "/work", files, now: NOW }),
    (e) =>
      e instanceof FailedPreconditionError && /1 object\(s\) could not be migrated/.test(e.message),
  );
  assert.equal(files.files.size, 0);
});
