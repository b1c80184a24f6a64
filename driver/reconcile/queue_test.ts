import assert from "node:assert/strict";
import { WorkQueue } from "./queue.ts";
import { ManualTimers } from "./testing.ts";

Deno.test("WorkQueue hands keys out in order and drops duplicates while waiting", async () => {
  const q = new WorkQueue({ timers: new ManualTimers() });
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
  q.shutDown();
  assert.equal(await q.get(), undefined);
});

Deno.test("WorkQueue never hands out a key that is being processed", async () => {
  const q = new WorkQueue({ timers: new ManualTimers() });
  q.add("a");
  const first = await q.get();
  q.add("a");
  q.add("b");
  assert.equal(await q.get(), "b");
  assert.equal(q.length, 0, "the re-added key waits for done()");
  q.done(first ?? "");
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "a");
  q.shutDown();
});

Deno.test("WorkQueue wakes a waiting get() when a key is added", async () => {
  const q = new WorkQueue({ timers: new ManualTimers() });
  const waiting = q.get();
  q.add("x");
  assert.equal(await waiting, "x");
  const pending = q.get();
  q.shutDown();
  assert.equal(await pending, undefined);
});

Deno.test("WorkQueue backs off exponentially per key and resets on forget()", async (t) => {
  const timers = new ManualTimers();
  const q = new WorkQueue({ timers, backoff: { initialMs: 100, maxMs: 1000 } });
  await t.step("delays double up to the cap", () => {
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited("a"));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(q.failures("a"), 6);
    assert.deepEqual(timers.pendingDelays, [100], "one delayed add per key");
  });
  await t.step("the key comes back after its delay", async () => {
    timers.advance(99);
    assert.equal(q.length, 0);
    timers.advance(1);
    assert.equal(await q.get(), "a");
    q.done("a");
  });
  await t.step("forget() resets the count", () => {
    q.forget("a");
    assert.equal(q.failures("a"), 0);
    assert.equal(q.addRateLimited("a"), 100);
  });
  await t.step("other keys have their own count", () => {
    assert.equal(q.addRateLimited("b"), 100);
  });
  q.shutDown();
  assert.deepEqual(timers.pendingDelays, [], "shutDown() clears timers");
});

Deno.test("WorkQueue backs off from 100 ms doubling up to 10 minutes by default", () => {
  const q = new WorkQueue({ timers: new ManualTimers() });
  const delays = Array.from({ length: 20 }, () => q.addRateLimited("a"));
  assert.deepEqual(delays.slice(0, 3), [100, 200, 400]);
  assert.equal(delays[19], 600_000);
  assert.equal(Math.max(...delays), 600_000);
  q.shutDown();
});
