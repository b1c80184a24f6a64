import assert from "node:assert/strict";
import { AbortedError, OutOfRangeError, ResourceExhaustedError } from "../../lib/errors/mod.ts";
import { Informer } from "../../lib/k8s/mod.ts";
import { FakeKube } from "../../lib/k8s/testing.ts";
import { type DirectPVDrive, FINALIZERS, LABELS, volumeFinalizer } from "../../lib/types/mod.ts";
import { createVolume } from "./controller_create.ts";
import { topologyNodes } from "./controller_reserve.ts";
import { BusyDrives, type ControllerDeps, indexedDriveCache } from "./controller_deps.ts";
import { compactDrive } from "./drive_record.ts";
import { callCtx, controllerSetup, drive, GiB, MemoryEvents, mountCap } from "./fixtures_test.ts";
import { createReq } from "./requests_test.ts";

const DRIVES = 10;
const CALLS = 200;

function request(i: number) {
  return {
    name: `pvc-${i}`,
    capacityRange: { requiredBytes: (1 + (i % 3)) * GiB, limitBytes: 0 },
    volumeCapabilities: [mountCap()],
    parameters: {},
    secrets: {},
    volumeContentSource: undefined,
    accessibilityRequirements: undefined,
    mutableParameters: {},
  };
}

async function checkInvariants(kube: FakeKube, created: Set<string>): Promise<void> {
  const drives = await kube.drives.listAll();
  const volumes = await kube.volumes.listAll();
  assert.equal(volumes.length, created.size, "one volume object per successful call");
  const sizes = new Map(volumes.map((v) => [v.metadata.name ?? "", v.status.totalCapacity]));
  for (const d of drives) {
    const held = (d.metadata.finalizers ?? []).filter((f) => f !== FINALIZERS.dataProtection);
    const sum = held.reduce((n, f) => n + (sizes.get(f.split("/")[1] ?? "") ?? NaN), 0);
    assert.ok(
      d.status.allocatedCapacity <= d.status.totalCapacity,
      `${d.metadata.name} overbooked`,
    );
    assert.equal(d.status.allocatedCapacity, sum, `${d.metadata.name} allocated = its volumes`);
    assert.equal(d.status.freeCapacity, d.status.totalCapacity - sum);
  }
  for (const name of created) {
    const holders = drives.filter((d) => d.metadata.finalizers?.includes(volumeFinalizer(name)));
    assert.equal(holders.length, 1, `${name} is held by exactly one drive`);
    const v = volumes.find((x) => x.metadata.name === name);
    assert.equal(v?.metadata.labels?.[LABELS.drive], holders[0]?.metadata.name);
  }
}

async function startController(kube: FakeKube) {
  const informer = new Informer(kube.drives, { transform: compactDrive });
  informer.start();
  await informer.waitForSync();
  const deps: ControllerDeps = {
    kube,
    drives: indexedDriveCache(informer),
    events: new MemoryEvents(),
    busy: new BusyDrives(),
  };
  return { informer, deps };
}

const EXPECTED = [AbortedError, OutOfRangeError, ResourceExhaustedError];

/** Runs CALLS concurrent CreateVolume calls spread over `controllers`; returns the winners. */
async function createAll(controllers: ControllerDeps[]): Promise<Set<string>> {
  const results = await Promise.allSettled(
    Array.from(
      { length: CALLS },
      (_, i) =>
        createVolume(controllers[i % controllers.length] as ControllerDeps, request(i), callCtx()),
    ),
  );
  const created = new Set<string>();
  results.forEach((r, i) => {
    if (r.status === "fulfilled") created.add(`pvc-${i}`);
    else assert.ok(EXPECTED.some((c) => r.reason instanceof c), `unexpected: ${r.reason}`);
  });
  return created;
}

function seedDrives(kube: FakeKube): void {
  const drives: DirectPVDrive[] = [];
  for (let i = 0; i < DRIVES; i++) {
    drives.push(drive(`drive-${i}`, { node: `node-${i % 3}`, total: (20 + i) * GiB }));
  }
  kube.seed(...drives);
}

Deno.test("createVolume() under 200 concurrent calls never overbooks a drive", async () => {
  const kube = new FakeKube();
  seedDrives(kube);
  const { informer, deps } = await startController(kube);
  try {
    const created = await createAll([deps]);
    assert.ok(created.size >= 100, `only ${created.size} volumes placed`);
    await checkInvariants(kube, created);
    assert.equal(
      kube.callsOf("patch", "directpvdrives").length,
      created.size,
      "no lost races inside one controller",
    );
  } finally {
    await informer.stop();
  }
});

Deno.test("createVolume() from two controllers settles races by resourceVersion", async () => {
  const kube = new FakeKube();
  seedDrives(kube);
  const a = await startController(kube);
  const b = await startController(kube);
  try {
    const created = await createAll([a.deps, b.deps]);
    assert.ok(created.size >= 90, `only ${created.size} volumes placed`);
    await checkInvariants(kube, created);
  } finally {
    await a.informer.stop();
    await b.informer.stop();
  }
});

Deno.test("indexedDriveCache() narrows selection to the pinned nodes and keeps retries idempotent", async () => {
  const kube = new FakeKube();
  kube.seed(
    drive("a", { node: "node-1", free: 2 * GiB, total: 10 * GiB }),
    drive("b", { node: "node-2", volumes: ["pvc-0"] }),
    drive("c", { node: "node-3" }),
  );
  const { informer, deps } = await startController(kube);
  try {
    const pinned = (node: string) => ({
      ...request(0),
      accessibilityRequirements: {
        requisite: [{ segments: { [LABELS.node]: node } }],
        preferred: [],
      },
    });
    // The holder on node-2 wins even though the request names node-1.
    const res = await createVolume(deps, pinned("node-1"), callCtx());
    assert.equal(res.volume?.accessibleTopology?.[0]?.segments?.[LABELS.node], "node-2");
    assert.equal(
      kube.callsOf("patch", "directpvdrives").length +
        kube.callsOf("update", "directpvdrives").length,
      0,
    );
    const other = await createVolume(deps, { ...pinned("node-1"), name: "pvc-9" }, callCtx());
    assert.equal(other.volume?.accessibleTopology?.[0]?.segments?.[LABELS.node], "node-1");
  } finally {
    await informer.stop();
  }
});

Deno.test("topologyNodes() lists pinned nodes only when every entry names one", async (t) => {
  const base = { name: "v", parameters: {}, preferred: [], requisite: [] };
  await t.step("none", () => assert.equal(topologyNodes(base), undefined));
  await t.step("all pinned", () =>
    assert.deepEqual(
      topologyNodes({
        ...base,
        preferred: [{ [LABELS.node]: "n1" }],
        requisite: [{ [LABELS.node]: "n1" }, { [LABELS.node]: "n2" }],
      }),
      ["n1", "n2"],
    ));
  await t.step("one without node", () =>
    assert.equal(
      topologyNodes({ ...base, requisite: [{ [LABELS.node]: "n1" }, { [LABELS.zone]: "z" }] }),
      undefined,
    ));
});

/** Two drives on node-1 and a reservation on the big one held until `release()`. */
async function heldReservation() {
  const { kube, deps } = controllerSetup([
    drive("big", { free: 10 * GiB, total: 10 * GiB }),
    drive("small", { free: GiB, total: GiB }),
  ]);
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  kube.inject({ verb: "patch", resource: "directpvdrives", times: 1, hook: () => gate });
  const first = createVolume(deps, createReq({ capacityRange: sized(5) }), callCtx());
  // Let the first call select "big" and start its patch.
  while (!deps.busy.has("big")) await new Promise((r) => setTimeout(r, 1));
  return { deps, first, release };
}

function sized(gib: number) {
  return { requiredBytes: gib * GiB, limitBytes: 0 };
}

Deno.test("createVolume() fails at once when no drive, busy or not, could fit", async () => {
  const { deps, first, release } = await heldReservation();
  try {
    const tooBig = createVolume(
      deps,
      createReq({ name: "pvc-2", capacityRange: sized(20) }),
      callCtx(),
    );
    const settled = await Promise.race([
      tooBig.then(() => "created", (e: unknown) => e),
      new Promise((r) => setTimeout(() => r("still waiting"), 200)),
    ]);
    assert.ok(settled instanceof ResourceExhaustedError, `got ${settled}`);
    assert.ok(deps.busy.has("big"), "the first reservation is still in flight");
  } finally {
    release();
    await first;
  }
});

Deno.test("createVolume() waits for a busy drive that could still fit", async () => {
  const { deps, first, release } = await heldReservation();
  const second = createVolume(
    deps,
    createReq({ name: "pvc-2", capacityRange: sized(3) }),
    callCtx(),
  );
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(deps.busy.has("big"), "the first reservation is still in flight");
  release();
  await first;
  const res = await second;
  assert.equal(res.volume?.capacityBytes, 3 * GiB);
  assert.equal((await deps.kube.drives.get("big")).status.freeCapacity, 2 * GiB);
});
