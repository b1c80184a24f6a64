import assert from "node:assert/strict";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
  ResourceExhaustedError,
} from "../errors/mod.ts";
import { type DirectPVDrive, LABELS, volumeClaimIdLabel, volumeFinalizer } from "../types/mod.ts";
import {
  capacityProblem,
  matchDrive,
  selectDrive,
  validateVolumeParameters,
  type VolumeRequest,
} from "./mod.ts";

const GiB = 2 ** 30;

function drive(name: string, opts: {
  node?: string;
  free?: number;
  status?: DirectPVDrive["status"]["status"];
  unschedulable?: boolean;
  labels?: Record<string, string>;
  finalizers?: string[];
  deleting?: boolean;
} = {}): DirectPVDrive {
  const node = opts.node ?? "node-1";
  return {
    apiVersion: "directpv.min.io/v1beta1",
    kind: "DirectPVDrive",
    metadata: {
      name,
      labels: { [LABELS.node]: node, [LABELS.accessTier]: "Default", ...opts.labels },
      finalizers: ["directpv.min.io/data-protection", ...(opts.finalizers ?? [])],
      ...(opts.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: opts.unschedulable ? { unschedulable: true } : {},
    status: {
      totalCapacity: 10 * GiB,
      allocatedCapacity: 10 * GiB - (opts.free ?? 10 * GiB),
      freeCapacity: opts.free ?? 10 * GiB,
      fsuuid: name,
      status: opts.status ?? "Ready",
      topology: {
        [LABELS.identity]: "directpv-min-io",
        [LABELS.node]: node,
        [LABELS.rack]: "default",
        [LABELS.zone]: "default",
        [LABELS.region]: "default",
      },
    },
  };
}

function request(partial: Partial<VolumeRequest> = {}): VolumeRequest {
  return { name: "pvc-1", parameters: {}, preferred: [], requisite: [], ...partial };
}

const onNode = (node: string) => [{ [LABELS.node]: node }];

Deno.test("matchDrive() filters drives as DirectPV does", async (t) => {
  const cases: Array<[string, DirectPVDrive, VolumeRequest, boolean]> = [
    ["ready drive, no constraints", drive("a"), request(), true],
    ["terminating drive", drive("a", { deleting: true }), request(), false],
    ["lost drive", drive("a", { status: "Lost" }), request(), false],
    ["cordoned drive", drive("a", { unschedulable: true }), request(), false],
    [
      "too little free space",
      drive("a", { free: GiB }),
      request({ requiredBytes: 2 * GiB }),
      false,
    ],
    ["exactly enough free space", drive("a", { free: GiB }), request({ requiredBytes: GiB }), true],
    [
      "access tier mismatch",
      drive("a"),
      request({ parameters: { [LABELS.accessTier]: "hot" } }),
      false,
    ],
    [
      "access tier match, case-insensitive",
      drive("a", { labels: { [LABELS.accessTier]: "Hot" } }),
      request({ parameters: { [LABELS.accessTier]: "hot" } }),
      true,
    ],
    [
      "claim already placed on the drive",
      drive("a", { labels: { [volumeClaimIdLabel("c1")]: "true" } }),
      request({ parameters: { [LABELS.volumeClaimId]: "c1" } }),
      false,
    ],
    [
      "custom drive label parameter matches",
      drive("a", { labels: { "directpv.min.io/tier": "fast" } }),
      request({ parameters: { "directpv.min.io/tier": "fast" } }),
      true,
    ],
    [
      "custom drive label parameter missing",
      drive("a"),
      request({ parameters: { "directpv.min.io/tier": "fast" } }),
      false,
    ],
    [
      "parameters outside the group are ignored",
      drive("a"),
      request({ parameters: { "csi.storage.k8s.io/fstype": "xfs" } }),
      true,
    ],
    ["preferred topology matches", drive("a"), request({ preferred: onNode("node-1") }), true],
    [
      "requisite matches after preferred fails",
      drive("a"),
      request({
        preferred: onNode("node-2"),
        requisite: onNode("node-1"),
      }),
      true,
    ],
    ["no topology matches", drive("a"), request({ requisite: onNode("node-2") }), false],
    [
      "every preferred topology must match (AND)",
      drive("a"),
      request({ preferred: [...onNode("node-1"), ...onNode("node-2")] }),
      false,
    ],
  ];
  for (const [name, d, req, want] of cases) {
    await t.step(name, () => assert.equal(matchDrive(d, req), want));
  }
});

Deno.test("selectDrive() returns the drive already holding the volume", () => {
  const holder = drive("a", { free: GiB, status: "Lost", finalizers: [volumeFinalizer("pvc-1")] });
  const chosen = selectDrive([drive("b"), holder], request({ requiredBytes: 5 * GiB }));
  assert.equal(chosen.metadata.name, "a");
});

Deno.test("selectDrive() picks the drive with the most free capacity", () => {
  const chosen = selectDrive(
    [drive("a", { free: 3 * GiB }), drive("b", { free: 7 * GiB }), drive("c", { free: 5 * GiB })],
    request({ requiredBytes: GiB }),
  );
  assert.equal(chosen.metadata.name, "b");
});

Deno.test("selectDrive() breaks ties with the random source", () => {
  const drives = [drive("a"), drive("b"), drive("c"), drive("d", { free: GiB })];
  const seen: number[] = [];
  const chosen = selectDrive(drives, request(), {
    randomIndex: (n) => {
      seen.push(n);
      return 2;
    },
  });
  assert.deepEqual(seen, [3]);
  assert.equal(chosen.metadata.name, "c");
});

Deno.test("selectDrive() spreads ties over every candidate with the default random source", () => {
  const names = new Set<string>();
  for (let i = 0; i < 200; i++) {
    names.add(selectDrive([drive("a"), drive("b"), drive("c")], request()).metadata.name ?? "");
  }
  assert.deepEqual([...names].sort(), ["a", "b", "c"]);
});

Deno.test("selectDrive() reports why no drive was found", async (t) => {
  const lost = [drive("a", { status: "Lost" })];
  await t.step("topology → ResourceExhausted", () => {
    assert.throws(
      () => selectDrive(lost, request({ requiredBytes: 1024, preferred: onNode("node-1") })),
      (e: Error) =>
        e instanceof ResourceExhaustedError &&
        e.message ===
          "no drive found for requested topology; requested node(s): node-1; requested size: 1024 bytes",
    );
  });
  await t.step("size → OutOfRange", () => {
    assert.throws(
      () => selectDrive(lost, request({ requiredBytes: 1024 })),
      (e: Error) =>
        e instanceof OutOfRangeError && e.message === "no drive found for requested size 1024",
    );
  });
  await t.step("nothing → FailedPrecondition", () => {
    assert.throws(
      () => selectDrive([], request()),
      (e: Error) => e instanceof FailedPreconditionError && e.message === "no drive found",
    );
  });
});

Deno.test("validateVolumeParameters() rejects a bad access tier and claim id", async (t) => {
  await t.step("unknown tier", () => {
    assert.throws(
      () => validateVolumeParameters("pvc-1", { [LABELS.accessTier]: "lukewarm" }),
      (e: Error) =>
        e instanceof InvalidArgumentError &&
        e.message.startsWith("unknown access-tier lukewarm for volume pvc-1"),
    );
  });
  await t.step("claim id not a UUID", () => {
    assert.throws(
      () => validateVolumeParameters("pvc-1", { [LABELS.volumeClaimId]: "abc" }),
      (e: Error) =>
        e instanceof InvalidArgumentError && e.message.startsWith("invalid volume claim ID abc"),
    );
  });
  await t.step("valid values pass", () => {
    validateVolumeParameters("pvc-1", {
      [LABELS.accessTier]: "WARM",
      [LABELS.volumeClaimId]: "0F4C2B1A-0000-4000-8000-000000000001",
    });
  });
});

Deno.test("matchDrive() skips drives whose capacity figures are not byte counts", async (t) => {
  const cases: Array<[string, Partial<DirectPVDrive["status"]>, RegExp]> = [
    ["negative total", { totalCapacity: -5 }, /status\.totalCapacity is -5/],
    ["huge free", { freeCapacity: 2 ** 62 }, /status\.freeCapacity is 4611686018427388000/],
    ["fractional allocated", { allocatedCapacity: 1.5 }, /allocatedCapacity is 1\.5/],
    ["free beyond total", { freeCapacity: 20 * GiB }, /exceed the total/],
    ["allocated beyond total", { allocatedCapacity: 11 * GiB }, /exceed the total/],
    ["missing free", { freeCapacity: undefined as unknown as number }, /freeCapacity is missing/],
  ];
  for (const [name, status, problem] of cases) {
    await t.step(name, () => {
      const d = drive("a");
      d.status = { ...d.status, ...status };
      assert.match(capacityProblem(d) ?? "", problem);
      assert.ok(!matchDrive(d, request()), "not schedulable");
    });
  }
  await t.step("sound figures", () => {
    assert.equal(capacityProblem(drive("a", { free: GiB })), undefined);
    assert.equal(capacityProblem(drive("a", { free: 0 })), undefined);
  });
});
