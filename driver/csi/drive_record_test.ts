import assert from "node:assert/strict";
import { matchDrive } from "../../lib/scheduling/mod.ts";
import {
  type DirectPVDrive,
  DRIVE_CONDITIONS,
  FINALIZERS,
  LABELS,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { compactDrive } from "./drive_record.ts";

/** The type and metadata fields a record keeps. */
const KEPT_TYPE = { apiVersion: "directpv.min.io/v1beta1", kind: "DirectPVDrive" };
const KEPT_META = { name: "d1", uid: "u1", resourceVersion: "7" };

/** The status fields a record keeps. */
const STATUS: DirectPVDrive["status"] = {
  totalCapacity: 100,
  allocatedCapacity: 40,
  freeCapacity: 60,
  fsuuid: "d1",
  status: "Ready",
  topology: { [LABELS.node]: "n1" },
};

function wholeDrive(): DirectPVDrive {
  return {
    ...KEPT_TYPE,
    metadata: {
      ...KEPT_META,
      generation: 3,
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { [LABELS.node]: "n1", [LABELS.accessTier]: "Hot", "team.example/owner": "db" },
      annotations: { "example/note": "x" },
      finalizers: [FINALIZERS.dataProtection, volumeFinalizer("pvc-1")],
      managedFields: [{ manager: "m", fieldsV1: {} }],
    },
    spec: { unschedulable: true },
    status: { ...STATUS, topology: { ...STATUS.topology }, make: "ACME", conditions: [] },
  };
}

Deno.test("compactDrive() keeps what selection and reservation read, and every finalizer", () => {
  assert.deepEqual(compactDrive(wholeDrive()), {
    ...KEPT_TYPE,
    metadata: {
      ...KEPT_META,
      labels: { [LABELS.node]: "n1", [LABELS.accessTier]: "Hot" },
      finalizers: [FINALIZERS.dataProtection, volumeFinalizer("pvc-1")],
    },
    spec: { unschedulable: true },
    status: STATUS,
  });
});

Deno.test("compactDrive() shares nothing with the drive and selects as the drive does", () => {
  const drive = wholeDrive();
  drive.spec.unschedulable = false;
  drive.metadata.deletionTimestamp = "2026-01-02T00:00:00Z";
  const record = compactDrive(drive);
  const request = {
    name: "pvc-2",
    requiredBytes: 10,
    parameters: { [LABELS.accessTier]: "hot" },
    preferred: [],
    requisite: [{ [LABELS.node]: "n1" }],
  };
  assert.equal(record.metadata.deletionTimestamp, drive.metadata.deletionTimestamp);
  assert.equal(matchDrive(record, request), matchDrive(drive, request));
  delete drive.metadata.deletionTimestamp;
  assert.ok(matchDrive(compactDrive(drive), request));
  drive.metadata.finalizers?.push(volumeFinalizer("pvc-3"));
  drive.status.topology[LABELS.node] = "n2";
  assert.deepEqual(record.metadata.finalizers, [
    FINALIZERS.dataProtection,
    volumeFinalizer("pvc-1"),
  ]);
  assert.equal(record.status.topology[LABELS.node], "n1");
});

Deno.test("compactDrive() keeps the health trouble a volume condition names, and no other", () => {
  const drive = wholeDrive();
  const io = {
    ...DRIVE_CONDITIONS.ioError,
    status: "True" as const,
    lastTransitionTime: "2026-01-01T00:00:00Z",
  };
  const mount = {
    ...DRIVE_CONDITIONS.mountError,
    status: "True" as const,
    message: "m",
    lastTransitionTime: "2026-01-01T00:00:00Z",
  };
  drive.status.conditions = [mount, io, {
    ...io,
    type: DRIVE_CONDITIONS.readOnly.type,
    status: "False",
  }];
  assert.deepEqual(compactDrive(drive).status.conditions, [io]);
});
