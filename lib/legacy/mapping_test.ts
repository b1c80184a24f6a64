import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import { normalizeDevicePath, upgradeDrive } from "./convert.ts";
import { isMigratableDrive, rewriteGroup, toDirectPVDrive, toDirectPVVolume } from "./mapping.ts";
import { legacyDrive, legacyVolume } from "./testing.ts";

const FSUUID = "aaaaaaaa-0000-4000-8000-000000000001";

function drive() {
  return legacyDrive("legacy-1", {
    path: "/var/lib/direct-csi/devices/sdb",
    nodeName: "node1",
    driveStatus: "InUse",
    filesystemUUID: FSUUID,
    accessTier: "Hot",
    totalCapacity: 100,
    allocatedCapacity: 30,
    freeCapacity: 70,
    vendor: "ATA",
    modelNumber: "QEMU",
    topology: {
      "direct.csi.min.io/identity": "direct-csi-min-io",
      "direct.csi.min.io/node": "node1",
    },
  }, {
    finalizers: ["direct.csi.min.io/data-protection", "direct.csi.min.io.volume/pvc-1"],
    labels: { "direct.csi.min.io/tenant": "t1", "direct.csi.min.io/node": "node1" },
  });
}

Deno.test("normalizeDevicePath() turns legacy device paths into /dev paths", async (t) => {
  const cases: Array<[string, string]> = [
    ["/var/lib/direct-csi/devices/sdb", "/dev/sdb"],
    ["/var/lib/direct-csi/devices/sdb-part-1", "/dev/sdb1"],
    ["/var/lib/direct-csi/devices/nvme0n1-part-2", "/dev/nvme0n1p2"],
    ["/dev/sdc", "/dev/sdc"],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => assert.equal(normalizeDevicePath(input), want));
  }
});

Deno.test("rewriteGroup() moves direct.csi.min.io keys to directpv.min.io", () => {
  assert.equal(rewriteGroup("direct.csi.min.io/tenant"), "directpv.min.io/tenant");
  assert.equal(rewriteGroup("direct.csi.min.io.volume/pvc-1"), "directpv.min.io.volume/pvc-1");
  assert.equal(rewriteGroup("example.com/x"), "example.com/x");
});

Deno.test("toDirectPVDrive() maps a legacy drive field by field", () => {
  const got = toDirectPVDrive(upgradeDrive(drive(), "v1beta5"));
  assert.equal(got.metadata.name, FSUUID);
  assert.deepEqual(got.metadata.labels, {
    "directpv.min.io/tenant": "t1",
    "directpv.min.io/node": "node1",
    "directpv.min.io/drive-name": "sdb",
    "directpv.min.io/access-tier": "Hot",
    "directpv.min.io/version": "v1beta1",
    "directpv.min.io/created-by": "directpv-driver",
    "directpv.min.io/migrated": "true",
  });
  assert.deepEqual(got.metadata.finalizers, [
    "directpv.min.io/data-protection",
    "directpv.min.io.volume/pvc-1",
  ]);
  assert.deepEqual(got.spec, { relabel: true });
  assert.deepEqual(got.status, {
    totalCapacity: 100,
    allocatedCapacity: 30,
    freeCapacity: 70,
    fsuuid: FSUUID,
    status: "Ready",
    topology: { "directpv.min.io/identity": "directpv-min-io", "directpv.min.io/node": "node1" },
    make: "ATA QEMU",
  });
});

Deno.test("toDirectPVDrive() refuses a filesystem UUID that is not lowercase", () => {
  const bad = drive();
  bad.status = { ...bad.status, filesystemUUID: FSUUID.toUpperCase() };
  assert.throws(() => toDirectPVDrive(bad), InvalidArgumentError);
});

Deno.test("isMigratableDrive() takes Ready and InUse drives only", () => {
  for (
    const [status, want] of [["InUse", true], ["Ready", true], ["Available", false], [
      "Released",
      false,
    ]] as const
  ) {
    assert.equal(isMigratableDrive(legacyDrive("d", { driveStatus: status })), want, status);
  }
});

Deno.test("toDirectPVVolume() maps paths, status and finalizers", () => {
  const target = toDirectPVDrive(upgradeDrive(drive(), "v1beta5"));
  const staged = toDirectPVVolume(legacyVolume("pvc-1", "legacy-1", { published: true }), target);
  assert.equal(staged.metadata.labels?.["directpv.min.io/drive"], FSUUID);
  assert.equal(staged.metadata.labels?.["directpv.min.io/drive-name"], "sdb");
  assert.equal(staged.metadata.labels?.["directpv.min.io/migrated"], "true");
  assert.deepEqual(staged.metadata.finalizers, [
    "directpv.min.io/pv-protection",
    "directpv.min.io/purge-protection",
  ]);
  assert.equal(staged.status.dataPath, `/var/lib/direct-csi/mnt/legacy-1/pvc-1`);
  assert.equal(staged.status.targetPath, "/pods/pvc-1");
  assert.equal(staged.status.status, "Ready");
  assert.equal(staged.status.fsuuid, FSUUID);
  const pending = toDirectPVVolume(legacyVolume("pvc-2", "legacy-1"), target);
  assert.equal(pending.status.status, "Pending");
});
