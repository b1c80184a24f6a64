import assert from "node:assert/strict";
import { ConflictError, NotFoundError, UnavailableError } from "../errors/mod.ts";
import { API_VERSION, type DirectPVDrive, KINDS } from "../types/mod.ts";
import { backoffDelay } from "./backoff.ts";
import { retryOnConflict, UNCHANGED, updateByPatch, updateWithRetry } from "./retry.ts";
import { FakeKube } from "./testing.ts";

const FAST = { initialMs: 0, jitter: 0 };

function drive(name: string): DirectPVDrive {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: { name },
    spec: {},
    status: {
      totalCapacity: 100,
      allocatedCapacity: 0,
      freeCapacity: 100,
      fsuuid: name,
      status: "Ready",
      topology: {},
    },
  };
}

Deno.test("retryOnConflict() retries conflicts only", async (t) => {
  await t.step("succeeds after conflicts", async () => {
    let calls = 0;
    const out = await retryOnConflict(() => {
      calls++;
      if (calls < 3) return Promise.reject(new ConflictError("stale"));
      return Promise.resolve("done");
    }, { backoff: FAST });
    assert.equal(out, "done");
    assert.equal(calls, 3);
  });
  await t.step("gives up after the attempts", async () => {
    let calls = 0;
    await assert.rejects(
      retryOnConflict(() => {
        calls++;
        return Promise.reject(new ConflictError("stale"));
      }, { attempts: 2, backoff: FAST }),
      ConflictError,
    );
    assert.equal(calls, 2);
  });
  await t.step("does not retry other errors", async () => {
    let calls = 0;
    await assert.rejects(
      retryOnConflict(() => {
        calls++;
        return Promise.reject(new UnavailableError("down"));
      }, { backoff: FAST }),
      UnavailableError,
    );
    assert.equal(calls, 1);
  });
});

Deno.test("updateWithRetry() re-reads after injected conflicts", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  kube.inject({
    verb: "patch",
    resource: "directpvdrives",
    times: 2,
    error: () => new ConflictError("stale"),
  });
  const out = await updateWithRetry(kube.drives, "d1", (d) => {
    d.status.allocatedCapacity += 10;
  }, { backoff: FAST });
  assert.equal(out.status.allocatedCapacity, 10);
  assert.equal(kube.callsOf("get").length, 3);
  assert.equal(kube.callsOf("patch").length, 3);
});

Deno.test("updateWithRetry() loses no concurrent write", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  kube.inject({
    verb: "patch",
    times: 1,
    hook: async () => {
      await kube.drives.patch("d1", { metadata: { labels: { other: "writer" } } });
    },
  });
  const out = await updateWithRetry(kube.drives, "d1", (d) => {
    d.spec.unschedulable = true;
  }, { backoff: FAST });
  assert.deepEqual(out.metadata.labels, { other: "writer" });
  assert.ok(out.spec.unschedulable);
});

Deno.test("updateWithRetry() skips the write when nothing changed", async (t) => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  await t.step("UNCHANGED", async () => {
    await updateWithRetry(kube.drives, "d1", () => UNCHANGED);
  });
  await t.step("equal object", async () => {
    await updateWithRetry(kube.drives, "d1", (d) => {
      d.spec = {};
    });
  });
  assert.equal(kube.callsOf("update").length + kube.callsOf("patch").length, 0);
});

Deno.test("updateWithRetry() writes a returned replacement through updateStatus", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  const out = await updateWithRetry(kube.drives, "d1", (d) => ({
    ...d,
    status: { ...d.status, status: "Lost" as const },
  }), { status: true });
  assert.equal(out.status.status, "Lost");
  assert.equal(kube.callsOf("updateStatus").length, 1);
  await assert.rejects(updateWithRetry(kube.drives, "nope", () => {}), NotFoundError);
});

Deno.test("backoffDelay() grows and is capped", () => {
  const opts = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts)), [
    100,
    200,
    400,
    800,
    1000,
    1000,
  ]);
  const jittered = backoffDelay(0, { initialMs: 100, jitter: 0.5 });
  assert.ok(jittered >= 50 && jittered <= 150);
});

Deno.test("updateByPatch() stores the new object and refuses a stale one", async () => {
  const kube = new FakeKube();
  const stored = await kube.drives.create({
    ...drive("d1"),
    metadata: { name: "d1", labels: { a: "1", b: "2" }, finalizers: ["f.io/x"] },
  });
  const next = structuredClone(stored);
  next.metadata.labels = { a: "1", c: "3" };
  next.metadata.finalizers = [];
  next.status.freeCapacity = 40;
  const written = await updateByPatch(kube.drives, stored, next);
  assert.deepEqual(written.metadata.labels, { a: "1", c: "3" });
  assert.deepEqual(written.metadata.finalizers ?? [], []);
  assert.equal(written.status.freeCapacity, 40);
  assert.notEqual(written.metadata.resourceVersion, stored.metadata.resourceVersion);
  // `stored` is no longer the stored version: the same write now loses, as update() would.
  await assert.rejects(updateByPatch(kube.drives, stored, next), ConflictError);
  assert.deepEqual(await kube.drives.get("d1"), written);
  await assert.rejects(
    updateByPatch(kube.drives, { ...stored, metadata: { ...stored.metadata, name: "d2" } }, next),
    NotFoundError,
  );
});
