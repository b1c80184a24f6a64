import assert from "node:assert/strict";
import { AbortedError } from "../../lib/errors/mod.ts";
import { VolumeLocks } from "./volume_locks.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

Deno.test("VolumeLocks.tryAcquire() refuses a volume already held until it is released", () => {
  const locks = new VolumeLocks();
  assert.ok(locks.tryAcquire("pvc-1"));
  assert.ok(!locks.tryAcquire("pvc-1"));
  assert.ok(locks.tryAcquire("pvc-2"));
  assert.equal(locks.size, 2);
  locks.release("pvc-1");
  assert.ok(!locks.isHeld("pvc-1"));
  assert.ok(locks.tryAcquire("pvc-1"));
});

Deno.test("VolumeLocks.withLock() aborts a second concurrent operation on the same volume", async () => {
  const locks = new VolumeLocks();
  const gate = deferred();
  const first = locks.withLock("pvc-1", () => gate.promise.then(() => "first"));
  await assert.rejects(
    locks.withLock("pvc-1", () => Promise.resolve("second")),
    (err) => {
      assert.ok(err instanceof AbortedError);
      assert.equal(err.message, 'An operation on volume "pvc-1" is already in progress');
      return true;
    },
  );
  gate.resolve();
  assert.equal(await first, "first");
  assert.equal(locks.size, 0);
});

Deno.test("VolumeLocks.withLock() runs operations on different volumes in parallel", async () => {
  const locks = new VolumeLocks();
  const gate = deferred();
  let running = 0;
  let peak = 0;
  const op = () => {
    running++;
    peak = Math.max(peak, running);
    return gate.promise.then(() => running--);
  };
  const all = Promise.all([locks.withLock("a", op), locks.withLock("b", op)]);
  assert.equal(peak, 2);
  gate.resolve();
  await all;
});

Deno.test("VolumeLocks.withLock() releases the lock when the operation fails", async () => {
  const locks = new VolumeLocks();
  await assert.rejects(locks.withLock("pvc-1", () => Promise.reject(new Error("boom"))), /boom/);
  assert.ok(!locks.isHeld("pvc-1"));
  assert.equal(await locks.withLock("pvc-1", () => Promise.resolve(1)), 1);
});
