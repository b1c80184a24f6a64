import assert from "node:assert/strict";
import type { KubeObject } from "../../lib/types/mod.ts";
import { nullLogger } from "../../lib/log/mod.ts";
import { Controller } from "./controller.ts";
import { deferred, ManualTimers, MemorySource, settle } from "./testing.ts";

const obj = (name: string, n = 0): KubeObject => ({
  metadata: { name, resourceVersion: String(n) },
});

Deno.test("Controller reconciles every cached object and each change", async () => {
  const source = new MemorySource([obj("a"), obj("b")]);
  const seen: string[] = [];
  const c = new Controller({
    name: "t",
    source,
    logger: nullLogger(),
    timers: new ManualTimers(),
    workers: 2,
    reconcile: (key, o) => {
      seen.push(`${key}@${o?.metadata.resourceVersion ?? "gone"}`);
      return Promise.resolve();
    },
  });
  c.start();
  await settle();
  source.put(obj("a", 1));
  await settle();
  source.remove("b");
  await settle();
  await c.stop();
  assert.deepEqual(seen.sort(), ["a@0", "a@1", "b@0", "b@gone"]);
});

Deno.test("Controller runs one handler per key at a time and replays a key changed meanwhile", async () => {
  const source = new MemorySource([obj("a")]);
  const gate = deferred();
  let running = 0;
  let maxRunning = 0;
  const versions: string[] = [];
  const c = new Controller({
    name: "t",
    source,
    logger: nullLogger(),
    timers: new ManualTimers(),
    workers: 4,
    reconcile: async (_key, o) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      versions.push(o?.metadata.resourceVersion ?? "");
      if (versions.length === 1) await gate.promise;
      running--;
    },
  });
  c.start();
  await settle();
  source.put(obj("a", 1));
  source.put(obj("a", 2));
  await settle();
  assert.deepEqual(versions, ["0"], "the second change waits for the first handler");
  gate.resolve();
  await settle();
  await settle();
  await c.stop();
  assert.equal(maxRunning, 1);
  assert.deepEqual(versions, ["0", "2"], "the key is processed once more with the latest object");
});

Deno.test("Controller retries a failing key with growing backoff and resets on success", async () => {
  const timers = new ManualTimers();
  let calls = 0;
  const c = new Controller({
    name: "t",
    source: new MemorySource([obj("a")]),
    logger: nullLogger(),
    timers,
    backoff: { initialMs: 100, maxMs: 10_000 },
    reconcile: () => {
      calls++;
      return calls <= 3 ? Promise.reject(new Error("boom")) : Promise.resolve();
    },
  });
  c.start();
  await settle();
  assert.equal(calls, 1);
  assert.deepEqual(timers.pendingDelays, [100]);
  timers.advance(100);
  await settle();
  assert.equal(calls, 2);
  assert.deepEqual(timers.pendingDelays, [200]);
  timers.advance(200);
  await settle();
  assert.deepEqual(timers.pendingDelays, [400]);
  timers.advance(400);
  await settle();
  assert.equal(calls, 4);
  assert.equal(c.queue.failures("a"), 0, "success resets the backoff");
  assert.deepEqual(timers.pendingDelays, []);
  await c.stop();
});

Deno.test("Controller re-queues every key at each resync and honours requeueAfterMs", async () => {
  const timers = new ManualTimers();
  const seen: string[] = [];
  const c = new Controller({
    name: "t",
    source: new MemorySource([obj("a"), obj("b")]),
    logger: nullLogger(),
    timers,
    resyncMs: 1000,
    reconcile: (key) => {
      seen.push(key);
      return Promise.resolve(key === "a" && seen.length === 1 ? { requeueAfterMs: 50 } : undefined);
    },
  });
  c.start();
  await settle();
  timers.advance(50);
  await settle();
  assert.deepEqual(seen, ["a", "b", "a"]);
  timers.advance(950);
  await settle();
  assert.deepEqual(seen.slice(3).sort(), ["a", "b"]);
  await c.stop();
  assert.deepEqual(timers.pendingDelays, []);
});

Deno.test("Controller.stop() waits for in-flight handlers and ignores later changes", async () => {
  const source = new MemorySource([obj("a")]);
  const gate = deferred();
  let finished = false;
  let calls = 0;
  const c = new Controller({
    name: "t",
    source,
    logger: nullLogger(),
    timers: new ManualTimers(),
    reconcile: async (_k, _o, { signal }) => {
      calls++;
      await gate.promise;
      finished = signal.aborted;
    },
  });
  c.start();
  await settle();
  const stopping = c.stop();
  source.put(obj("a", 1));
  let stopped = false;
  stopping.then(() => (stopped = true));
  await settle();
  assert.ok(!stopped, "stop() waits for the handler");
  gate.resolve();
  await stopping;
  assert.ok(finished, "the handler saw the aborted signal");
  assert.equal(calls, 1);
});

Deno.test("Controller filter decides which changes are queued", async () => {
  const source = new MemorySource<KubeObject>([]);
  const seen: string[] = [];
  const c = new Controller({
    name: "t",
    source,
    logger: nullLogger(),
    timers: new ManualTimers(),
    filter: (o) => o.metadata.name !== "skip",
    reconcile: (key) => {
      seen.push(key);
      return Promise.resolve();
    },
  });
  c.start();
  source.put(obj("skip"));
  source.put(obj("keep"));
  await settle();
  await c.stop();
  assert.deepEqual(seen, ["keep"]);
});
