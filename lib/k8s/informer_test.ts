import assert from "node:assert/strict";
import { AbortedError, DeadlineExceededError, UnavailableError } from "../errors/mod.ts";
import { captureLogger } from "../log/testing.ts";
import { API_VERSION, type DirectPVDrive, KINDS } from "../types/mod.ts";
import { Informer, type InformerOptions } from "./informer.ts";
import { FakeKube } from "./testing.ts";

const FAST = { backoff: { initialMs: 1, maxMs: 5, jitter: 0 } } satisfies InformerOptions;

function drive(name: string, node = "n1"): DirectPVDrive {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: { name, labels: { node } },
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

async function waitFor(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function recorder(informer: Informer<DirectPVDrive>): string[] {
  const log: string[] = [];
  informer.addHandlers({
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) => log.push(`${a === b ? "resync" : "update"} ${b.metadata.name}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return log;
}

Deno.test("Informer lists, then follows watch events", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  await kube.drives.create(drive("d2", "n2"));
  const informer = new Informer(kube.drives, { ...FAST, labelSelector: { node: "n1" } });
  const log = recorder(informer);
  informer.start();
  await informer.waitForSync();
  assert.ok(informer.hasSynced());
  assert.deepEqual(informer.list().map((d) => d.metadata.name), ["d1"]);
  await kube.drives.create(drive("d3"));
  await kube.drives.patch("d1", { spec: { unschedulable: true } });
  await kube.drives.delete("d3");
  await waitFor("delete", () => log.length === 4);
  assert.deepEqual(log, ["add d1", "add d3", "update d1", "delete d3"]);
  assert.ok(informer.get("d1")?.spec.unschedulable);
  assert.equal(informer.lastSyncResourceVersion, String(kube.store.resourceVersion));
  await informer.stop();
  assert.equal(kube.watches.size, 0);
  assert.equal(kube.callsOf("list").length, 1);
});

Deno.test("Informer hands out frozen objects", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  const informer = new Informer(kube.drives, FAST);
  informer.start();
  await informer.waitForSync();
  const cached = informer.get("d1");
  assert.ok(cached);
  assert.throws(() => {
    cached.status.freeCapacity = 1;
  }, TypeError);
  const copy = structuredClone(cached);
  copy.status.freeCapacity = 1;
  await informer.stop();
});

Deno.test("Informer keeps no managedFields, from lists, watch events or local writes", async () => {
  const kube = new FakeKube();
  const managedFields = [{ manager: "directpv", operation: "Update", fieldsV1: { "f:spec": {} } }];
  const withFields = (name: string) => {
    const d = drive(name);
    d.metadata.managedFields = structuredClone(managedFields);
    return d;
  };
  kube.seed(withFields("listed"));
  const informer = new Informer(kube.drives, FAST);
  informer.start();
  await informer.waitForSync();
  const [watched] = kube.seed(withFields("watched"));
  await waitFor("the watched drive", () => informer.get("watched") !== undefined);
  informer.apply({
    ...withFields("applied"),
    metadata: { ...withFields("applied").metadata, resourceVersion: "999" },
  });
  for (const name of ["listed", "watched", "applied"]) {
    const cached = informer.get(name);
    assert.ok(cached, name);
    assert.equal(cached.metadata.managedFields, undefined, name);
    assert.equal(cached.metadata.name, name);
  }
  // The store keeps them: only the cache is trimmed.
  assert.deepEqual(watched?.metadata.managedFields, managedFields);
  await informer.stop();
});

Deno.test("Informer relists after 410 and emits deletes for vanished objects", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  await kube.drives.create(drive("d2"));
  const { logger, records } = captureLogger();
  const informer = new Informer(kube.drives, { ...FAST, logger });
  const log = recorder(informer);
  informer.start();
  await informer.waitForSync();
  await waitFor("watch", () => kube.watches.size === 1);
  kube.inject({
    verb: "watch",
    times: 1,
    hook: async () => {
      await kube.drives.delete("d1");
      await kube.drives.create(drive("d3"));
      kube.compact();
    },
  });
  kube.closeWatches();
  await waitFor("relist", () => log.length === 4);
  assert.deepEqual(log, ["add d1", "add d2", "delete d1", "add d3"]);
  assert.equal(kube.callsOf("list").length, 2);
  assert.ok(records.some((r) => r.msg === "Relisting after expired resource version"));
  await informer.stop();
});

Deno.test("Informer reconnects after watch errors without relisting", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  const informer = new Informer(kube.drives, FAST);
  const log = recorder(informer);
  informer.start();
  await informer.waitForSync();
  await waitFor("watch", () => kube.watches.size === 1);
  kube.inject({ verb: "watch", times: 2, error: () => new UnavailableError("down") });
  kube.closeWatches(new UnavailableError("connection reset"));
  await waitFor("reconnect", () => kube.callsOf("watch").length === 4 && kube.watches.size === 1);
  await kube.drives.create(drive("d2"));
  await waitFor("event", () => log.length === 2);
  assert.deepEqual(log, ["add d1", "add d2"]);
  assert.equal(kube.callsOf("list").length, 1);
  await informer.stop();
});

Deno.test("Informer resumes a cleanly closed watch from the last version", async () => {
  const kube = new FakeKube();
  const informer = new Informer(kube.drives, FAST);
  const log = recorder(informer);
  informer.start();
  await informer.waitForSync();
  await kube.drives.create(drive("d1"));
  await waitFor("add", () => log.length === 1);
  kube.closeWatches();
  await waitFor("rewatch", () => kube.callsOf("watch").length === 2 && kube.watches.size === 1);
  await kube.drives.create(drive("d2"));
  await waitFor("second add", () => log.length === 2);
  assert.deepEqual(log, ["add d1", "add d2"]);
  assert.equal(kube.callsOf("list").length, 1);
  await informer.stop();
});

Deno.test("Informer retries a failing list with backoff", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  kube.inject({ verb: "list", times: 3, error: () => new UnavailableError("down") });
  const informer = new Informer(kube.drives, FAST);
  informer.start();
  await informer.waitForSync();
  assert.equal(kube.callsOf("list").length, 4);
  await informer.stop();
});

Deno.test("Informer resync re-delivers every object as an update", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  const informer = new Informer(kube.drives, { ...FAST, resyncMs: 5 });
  const log = recorder(informer);
  informer.start();
  await waitFor("resync", () => log.filter((l) => l === "resync d1").length >= 2);
  await informer.stop();
});

Deno.test("Informer.stop() ends the loop and rejects waiters", async () => {
  const kube = new FakeKube();
  kube.inject({ verb: "list", error: () => new UnavailableError("down") });
  const informer = new Informer(kube.drives, FAST);
  informer.start();
  const waiting = informer.waitForSync();
  await waitFor("a few lists", () => kube.callsOf("list").length >= 2);
  await informer.stop();
  await assert.rejects(waiting, AbortedError);
  const calls = kube.calls.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(kube.calls.length, calls);
});

Deno.test("Informer.waitForSync() honours its signal", async () => {
  const kube = new FakeKube();
  kube.inject({ verb: "list", error: () => new UnavailableError("down") });
  const informer = new Informer(kube.drives, FAST);
  informer.start();
  await assert.rejects(informer.waitForSync(AbortSignal.timeout(10)), DeadlineExceededError);
  const controller = new AbortController();
  const waiting = informer.waitForSync(controller.signal);
  controller.abort();
  await assert.rejects(waiting, AbortedError);
  await informer.stop();
});

Deno.test("Informer.apply() takes newer local writes and ignores stale events", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  const informer = new Informer(kube.drives, FAST);
  const log = recorder(informer);
  informer.start();
  await informer.waitForSync();
  const old = await kube.drives.get("d1");
  const written = await kube.drives.patch("d1", { status: { allocatedCapacity: 40 } });
  assert.ok(informer.apply(written));
  assert.equal(informer.get("d1")?.status.allocatedCapacity, 40);
  assert.ok(!informer.apply(old));
  await kube.drives.patch("d1", { status: { allocatedCapacity: 50 } });
  await waitFor("update", () => informer.get("d1")?.status.allocatedCapacity === 50);
  assert.deepEqual(log, ["add d1", "update d1", "update d1"]);
  assert.ok(informer.applyDelete(written));
  assert.equal(informer.get("d1"), undefined);
  await informer.stop();
});

Deno.test("Informer indexes objects", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1", "n1"));
  await kube.drives.create(drive("d2", "n2"));
  const informer = new Informer(kube.drives, FAST);
  informer.addIndex("node", (d) => [d.metadata.labels?.node ?? ""]);
  informer.start();
  await informer.waitForSync();
  assert.deepEqual(informer.byIndex("node", "n2").map((d) => d.metadata.name), ["d2"]);
  await kube.drives.patch("d2", { metadata: { labels: { node: "n1" } } });
  await waitFor("reindex", () => informer.byIndex("node", "n1").length === 2);
  assert.deepEqual(informer.byIndex("node", "n2"), []);
  assert.throws(() => informer.byIndex("nope", "x"), RangeError);
  await informer.stop();
});

Deno.test("Informer pages its list", async () => {
  const kube = new FakeKube();
  for (let i = 0; i < 5; i++) await kube.drives.create(drive(`d${i}`));
  const informer = new Informer(kube.drives, { ...FAST, pageSize: 2 });
  informer.start();
  await informer.waitForSync();
  assert.equal(informer.size, 5);
  assert.equal(kube.callsOf("list").length, 3);
  await informer.stop();
});

Deno.test("Informer keeps what its transform makes of listed, watched and applied objects", async () => {
  const kube = new FakeKube();
  await kube.drives.create(drive("d1"));
  await kube.drives.create(drive("d2"));
  const seen: string[] = [];
  const informer = new Informer(kube.drives, {
    ...FAST,
    pageSize: 1,
    transform: (d) => {
      seen.push(`${d.metadata.name}@${d.metadata.resourceVersion}`);
      return { metadata: { ...d.metadata }, free: d.status.freeCapacity };
    },
  });
  const deleted: string[] = [];
  informer.addHandlers({ onDelete: (o) => deleted.push(`${o.metadata.name} ${o.free}`) });
  informer.start();
  await informer.waitForSync();
  assert.deepEqual(informer.list().map((d) => [d.metadata.name, d.free]), [["d1", 100], [
    "d2",
    100,
  ]]);
  assert.ok(Object.isFrozen(informer.get("d1")));
  const written = await kube.drives.patch("d1", { status: { freeCapacity: 40 } });
  assert.ok(informer.apply(written));
  assert.equal(informer.get("d1")?.free, 40);
  await kube.drives.delete("d2");
  await waitFor("delete", () => deleted.length === 1);
  assert.deepEqual(deleted, ["d2 100"]);
  await informer.stop();
  assert.equal(kube.callsOf("list").length, 2);
  assert.ok(seen.includes(`d1@${written.metadata.resourceVersion}`));
});
