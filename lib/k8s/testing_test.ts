import assert from "node:assert/strict";
import {
  AlreadyExistsError,
  ConflictError,
  ExpiredError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "../errors/mod.ts";
import { API_VERSION, type DirectPVDrive, KINDS } from "../types/mod.ts";
import { FakeKube } from "./testing.ts";
import type { AnyObject, WatchEvent } from "./types.ts";

function drive(name: string, labels: Record<string, string> = {}): DirectPVDrive {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: { name, labels },
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

function pod(namespace: string, name: string): AnyObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { nodeName: "n1" },
  };
}

async function collect<T>(iter: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

Deno.test("FakeKube.create() fills metadata and refuses duplicates", async () => {
  const kube = new FakeKube({ now: () => new Date("2025-01-02T03:04:05.678Z") });
  const created = await kube.drives.create(drive("d1"));
  assert.equal(created.metadata.resourceVersion, "1");
  assert.equal(created.metadata.generation, 1);
  assert.equal(created.metadata.creationTimestamp, "2025-01-02T03:04:05Z");
  assert.match(created.metadata.uid ?? "", /^[0-9a-f-]{36}$/);
  await assert.rejects(kube.drives.create(drive("d1")), (err: unknown) => {
    assert.ok(err instanceof AlreadyExistsError);
    assert.equal(
      err.message,
      'Cannot create DirectPVDrive "d1": directpvdrives.directpv.min.io "d1" already exists',
    );
    return true;
  });
  const withRv = drive("d2");
  withRv.metadata.resourceVersion = "7";
  // The API server's storage layer refuses it with a 500, which reads as Unavailable.
  await assert.rejects(kube.drives.create(withRv), (err: unknown) => {
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, /resourceVersion should not be set on objects to be created/);
    return true;
  });
  for (const name of [".", "..", "pvc-x/../../y", "a%2Fb"]) {
    await assert.rejects(kube.drives.create(drive(name)), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.match(err.message, /metadata\.name: Invalid value/);
      return true;
    });
  }
  assert.equal((await kube.drives.list()).items.length, 1);
});

Deno.test("FakeKube.update() detects stale resourceVersions", async () => {
  const kube = new FakeKube();
  const d = await kube.drives.create(drive("d1"));
  const first = structuredClone(d);
  first.status.allocatedCapacity = 10;
  const updated = await kube.drives.update(first);
  assert.equal(updated.metadata.resourceVersion, "2");
  assert.equal(updated.metadata.generation, 2);
  d.status.allocatedCapacity = 20;
  await assert.rejects(kube.drives.update(d), (err: unknown) => {
    assert.ok(err instanceof ConflictError);
    assert.match(err.message, /^Cannot update DirectPVDrive "d1": Operation cannot be fulfilled/);
    return true;
  });
  await assert.rejects(kube.drives.update(drive("nope")), NotFoundError);
});

Deno.test("FakeKube.update() of a custom resource wants a resourceVersion, as the API server", async () => {
  const kube = new FakeKube();
  const d = await kube.drives.create(drive("d1"));
  delete d.metadata.resourceVersion;
  d.status.allocatedCapacity = 20;
  await assert.rejects(kube.drives.update(d), (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError);
    assert.match(err.message, /metadata\.resourceVersion: Invalid value: 0x0: must be specified/);
    return true;
  });
  assert.equal((await kube.drives.get("d1")).status.allocatedCapacity, 0);
  const pv = await kube.persistentVolumes.create({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv1" },
    spec: { capacity: { storage: "1Gi" } },
  });
  delete pv.metadata.resourceVersion;
  pv.metadata.labels = { a: "b" };
  assert.deepEqual((await kube.persistentVolumes.update(pv)).metadata.labels, { a: "b" });
});

Deno.test("FakeKube.update() without changes keeps the resourceVersion", async () => {
  const kube = new FakeKube();
  const d = await kube.drives.create(drive("d1"));
  const again = await kube.drives.update(d);
  assert.equal(again.metadata.resourceVersion, d.metadata.resourceVersion);
  assert.equal(kube.store.resourceVersion, 1);
});

Deno.test("FakeKube keeps callers from mutating the store", async () => {
  const kube = new FakeKube();
  const input = drive("d1");
  const created = await kube.drives.create(input);
  input.status.freeCapacity = 1;
  created.status.freeCapacity = 2;
  const got = await kube.drives.get("d1");
  assert.equal(got.status.freeCapacity, 100);
  got.status.freeCapacity = 3;
  assert.equal((await kube.drives.get("d1")).status.freeCapacity, 100);
});

Deno.test("FakeKube.delete() honours finalizers", async () => {
  const kube = new FakeKube();
  const d = drive("d1");
  d.metadata.finalizers = ["directpv.min.io/data-protection"];
  await kube.drives.create(d);
  await kube.drives.delete("d1");
  const deleting = await kube.drives.get("d1");
  assert.ok(deleting.metadata.deletionTimestamp);
  deleting.metadata.finalizers = [...(deleting.metadata.finalizers ?? []), "extra"];
  await assert.rejects(kube.drives.update(deleting), /no new finalizers/);
  deleting.metadata.finalizers = [];
  await kube.drives.update(deleting);
  await assert.rejects(kube.drives.get("d1"), NotFoundError);
  await assert.rejects(kube.drives.delete("d1"), NotFoundError);
});

Deno.test("FakeKube.delete() checks the resourceVersion precondition", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  await assert.rejects(kube.drives.delete("d1", { resourceVersion: "99" }), ConflictError);
  await kube.drives.delete("d1", { resourceVersion: "1" });
  assert.equal((await kube.drives.list()).items.length, 0);
});

Deno.test("FakeKube.list() pages with limit and continue", async () => {
  const kube = new FakeKube();
  for (const n of ["d3", "d1", "d5", "d2", "d4"]) await kube.drives.create(drive(n));
  const first = await kube.drives.list({ limit: 2 });
  assert.deepEqual(first.items.map((d) => d.metadata.name), ["d1", "d2"]);
  assert.ok(first.continue);
  await kube.drives.create(drive("d0"));
  const second = await kube.drives.list({ limit: 2, continue: first.continue });
  assert.deepEqual(second.items.map((d) => d.metadata.name), ["d3", "d4"]);
  assert.equal(second.resourceVersion, first.resourceVersion);
  const third = await kube.drives.list({ limit: 2, continue: second.continue ?? "" });
  assert.deepEqual(third.items.map((d) => d.metadata.name), ["d5"]);
  assert.equal(third.continue, undefined);
  assert.equal((await kube.drives.listAll({ limit: 1 })).length, 6);
  kube.compact();
  await assert.rejects(kube.drives.list({ continue: second.continue ?? "" }), ExpiredError);
});

Deno.test("FakeKube.list() filters by label, field selector and namespace", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1", { tier: "hot" }));
  await kube.drives.create(drive("d2", { tier: "cold" }));
  await kube.pods.create(pod("a", "p1"));
  await kube.pods.create(pod("b", "p1"));
  const names = async (sel: Record<string, string> | string) =>
    (await kube.drives.list({ labelSelector: sel })).items.map((d) => d.metadata.name);
  assert.deepEqual(await names({ tier: "hot" }), ["d1"]);
  assert.deepEqual(await names("tier notin (hot)"), ["d2"]);
  const byField = await kube.drives.list({ fieldSelector: "metadata.name!=d1" });
  assert.deepEqual(byField.items.map((d) => d.metadata.name), ["d2"]);
  assert.equal((await kube.pods.list()).items.length, 2);
  assert.equal((await kube.pods.list({ namespace: "b" })).items.length, 1);
  assert.equal((await kube.pods.get("p1", { namespace: "b" })).metadata.namespace, "b");
  await assert.rejects(kube.pods.get("p1"), NotFoundError);
});

Deno.test("FakeKube.patch() applies merge and JSON patches", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1", { a: "1", b: "2" }));
  const merged = await kube.drives.patch("d1", { metadata: { labels: { a: null, c: "3" } } });
  assert.deepEqual(merged.metadata.labels, { b: "2", c: "3" });
  const patched = await kube.drives.patch("d1", [
    { op: "test", path: "/status/freeCapacity", value: 100 },
    { op: "replace", path: "/status/freeCapacity", value: 50 },
    { op: "add", path: "/metadata/finalizers", value: ["f"] },
    { op: "remove", path: "/metadata/labels/b" },
  ], { type: "json" });
  assert.equal(patched.status.freeCapacity, 50);
  assert.deepEqual(patched.metadata.finalizers, ["f"]);
  await assert.rejects(
    kube.drives.patch("d1", [{ op: "test", path: "/status/freeCapacity", value: 1 }], {
      type: "json",
    }),
    ConflictError,
  );
  await assert.rejects(
    kube.drives.patch("d1", { metadata: { resourceVersion: "1" } }),
    ConflictError,
  );
  await assert.rejects(kube.drives.patch("d1", {}, { type: "strategic" }), InvalidArgumentError);
  const pods = await kube.pods.create(pod("a", "p"));
  const sm = await kube.pods.patch("p", { spec: { nodeName: "n2" } }, {
    namespace: "a",
    type: "strategic",
  });
  assert.equal(sm.spec.nodeName, "n2");
  assert.equal(pods.metadata.namespace, "a");
});

Deno.test("FakeKube status subresource rules", async () => {
  const kube = new FakeKube();
  const pv = await kube.persistentVolumes.create({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv1" },
    spec: { capacity: { storage: "1Gi" } },
    status: { phase: "Pending" },
  });
  pv.status.phase = "Bound";
  pv.spec.capacity.storage = "2Gi";
  const updated = await kube.persistentVolumes.update(pv);
  assert.equal(updated.status.phase, "Pending");
  assert.equal(updated.spec.capacity.storage, "2Gi");
  updated.status.phase = "Bound";
  updated.spec.capacity.storage = "3Gi";
  const status = await kube.persistentVolumes.updateStatus(updated);
  assert.equal(status.status.phase, "Bound");
  assert.equal(status.spec.capacity.storage, "2Gi");
  const d = await kube.drives.create(drive("d1"));
  d.status.status = "Lost";
  d.metadata.labels = { x: "y" };
  const ds = await kube.drives.updateStatus(d);
  assert.equal(ds.status.status, "Lost");
  assert.deepEqual(ds.metadata.labels, { x: "y" });
});

Deno.test("FakeKube dryRun validates without persisting", async () => {
  const kube = new FakeKube();
  const dry = await kube.drives.create(drive("d1"), { dryRun: true });
  assert.equal(dry.metadata.name, "d1");
  await assert.rejects(kube.drives.get("d1"), NotFoundError);
  await kube.drives.create(drive("d1"));
  await assert.rejects(kube.drives.create(drive("d1"), { dryRun: true }), AlreadyExistsError);
  await kube.drives.delete("d1", { dryRun: true });
  await kube.drives.patch("d1", { spec: { unschedulable: true } }, { dryRun: true });
  await kube.drives.deleteCollection({ dryRun: true });
  assert.equal((await kube.drives.get("d1")).spec.unschedulable, undefined);
  assert.equal(kube.store.resourceVersion, 1);
});

Deno.test("FakeKube.deleteCollection() deletes what the selector matches", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1", { node: "n1" }));
  await kube.drives.create(drive("d2", { node: "n2" }));
  await kube.drives.deleteCollection({ labelSelector: { node: "n1" } });
  assert.deepEqual((await kube.drives.listAll()).map((d) => d.metadata.name), ["d2"]);
});

Deno.test("FakeKube.watch() streams events and replays history", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  const rv = (await kube.drives.list()).resourceVersion;
  await kube.drives.create(drive("d2"));
  await kube.drives.patch("d1", { spec: { unschedulable: true } });
  await kube.drives.delete("d2");
  const events = await collect(kube.drives.watch({ resourceVersion: rv }), 3);
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), [
    "ADDED d2",
    "MODIFIED d1",
    "DELETED d2",
  ]);
  const initial = await collect(kube.drives.watch(), 1);
  assert.deepEqual(initial.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED d1"]);
  kube.compact();
  await assert.rejects(collect(kube.drives.watch({ resourceVersion: rv }), 1), ExpiredError);
});

Deno.test("FakeKube.watch() delivers live events and ends on abort", async () => {
  const kube = new FakeKube();
  const controller = new AbortController();
  const seen: WatchEvent<DirectPVDrive>[] = [];
  const done = (async () => {
    for await (const ev of kube.drives.watch({ resourceVersion: "0", signal: controller.signal })) {
      seen.push(ev);
      if (seen.length === 2) controller.abort();
    }
  })();
  await kube.drives.create(drive("d1", { tier: "hot" }));
  await kube.drives.create(drive("d2"));
  await done;
  assert.deepEqual(seen.map((e) => e.object.metadata.name), ["d1", "d2"]);
  assert.equal(kube.watches.size, 0);
});

Deno.test("FakeKube.watch() moves objects in and out of a selector", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1", { tier: "cold" }));
  const rv = String(kube.store.resourceVersion);
  await kube.drives.patch("d1", { metadata: { labels: { tier: "hot" } } });
  await kube.drives.patch("d1", { spec: { unschedulable: true } });
  await kube.drives.patch("d1", { metadata: { labels: { tier: "warm" } } });
  const events = await collect(
    kube.drives.watch({ resourceVersion: rv, labelSelector: "tier=hot" }),
    3,
  );
  assert.deepEqual(events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
});

Deno.test("FakeKube.closeWatches() ends or fails live watches", async () => {
  const kube = new FakeKube();
  const ended = collect(kube.drives.watch(), 5);
  await new Promise((r) => setTimeout(r, 0));
  kube.closeWatches();
  assert.deepEqual(await ended, []);
  const failed = collect(kube.drives.watch(), 5);
  await new Promise((r) => setTimeout(r, 0));
  kube.closeWatches(new UnavailableError("gone"));
  await assert.rejects(failed, UnavailableError);
});

Deno.test("FakeKube.inject() fails the next matching calls", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  kube.inject({
    verb: "update",
    resource: "directpvdrives",
    times: 2,
    error: () => new ConflictError("injected"),
  });
  const d = await kube.drives.get("d1");
  await assert.rejects(kube.drives.update(d), /injected/);
  await assert.rejects(kube.drives.update(d), /injected/);
  await kube.drives.update(d);
  const remove = kube.inject({ verb: "*", resource: "Pod", error: new UnavailableError("down") });
  await assert.rejects(kube.pods.list(), UnavailableError);
  await kube.drives.list();
  remove();
  await kube.pods.list();
  assert.deepEqual(kube.callsOf("update", "directpvdrives").map((c) => c.name), ["d1", "d1", "d1"]);
});

Deno.test("FakeKube.inject() hooks run before the write and can race it", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  kube.inject({
    verb: "update",
    resource: "DirectPVDrive",
    times: 1,
    hook: async () => {
      await kube.drives.patch("d1", { metadata: { labels: { racer: "yes" } } });
    },
  });
  const d = await kube.drives.get("d1");
  await assert.rejects(kube.drives.update(d), ConflictError);
  kube.inject({
    verb: "create",
    hook: (call) => {
      (call.object as AnyObject).metadata.labels = { hooked: "1" };
    },
  });
  assert.deepEqual((await kube.drives.create(drive("d2"))).metadata.labels, { hooked: "1" });
});

Deno.test("FakeKube.seed() stores objects with status and records no calls", async () => {
  const kube = new FakeKube();
  const [stored] = kube.seed(drive("d1"), pod("ns", "p"));
  assert.equal(stored?.metadata.resourceVersion, "1");
  assert.equal(kube.calls.length, 0);
  assert.equal((await kube.pods.get("p", { namespace: "ns" })).spec.nodeName, "n1");
  assert.throws(() => kube.seed({ metadata: { name: "x" } }), InvalidArgumentError);
});

Deno.test("FakeKube.resource() serves other kinds", async () => {
  const kube = new FakeKube();
  const legacy = kube.resource("direct.csi.min.io/v1beta3", "DirectCSIDrive");
  assert.ok(!legacy.namespaced);
  kube.seed({
    apiVersion: "direct.csi.min.io/v1beta3",
    kind: "DirectCSIDrive",
    metadata: { name: "x" },
  });
  assert.equal((await legacy.list()).items.length, 1);
  assert.equal(kube.calls[0]?.resource, "directcsidrives");
  const leases = kube.resource("coordination.k8s.io/v1", "Lease");
  assert.ok(leases.namespaced);
});

Deno.test("FakeKube.serverVersion() reports the configured version", async () => {
  assert.deepEqual(await new FakeKube().serverVersion(), {
    major: "1",
    minor: "35",
    gitVersion: "v1.35.4",
  });
  const kube = new FakeKube({ version: "1.29.0" });
  assert.equal((await kube.serverVersion()).minor, "29");
});

Deno.test("FakeKube.create() uses generateName", async () => {
  const kube = new FakeKube();
  const created = await kube.jobs.create({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { generateName: "repair-", namespace: "directpv" },
  });
  assert.match(created.metadata.name ?? "", /^repair-[a-z0-9]{5}$/);
});
