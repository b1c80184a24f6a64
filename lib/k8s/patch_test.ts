import assert from "node:assert/strict";
import { applyMergePatch, deepEqual, mergePatchBetween } from "./patch.ts";

Deno.test("mergePatchBetween() gives the patch that turns one object into another", async (t) => {
  const before = {
    metadata: {
      name: "d1",
      labels: { a: "1", gone: "x" },
      finalizers: ["f/1", "f/2"],
      resourceVersion: "7",
    },
    spec: { unschedulable: true },
    status: { free: 10, allocated: 0, topology: { node: "n1" } },
  };
  const cases: Record<string, unknown> = {
    "a label added, one removed, a finalizer dropped": {
      ...before,
      metadata: { ...before.metadata, labels: { a: "1", b: "2" }, finalizers: ["f/1"] },
    },
    "a nested member changed": { ...before, status: { ...before.status, free: 5, allocated: 5 } },
    "a whole member removed": { metadata: before.metadata, status: before.status },
    "members set to undefined count as absent": { ...before, spec: undefined },
    "nothing changed": structuredClone(before),
    "an empty array replaces a full one": {
      ...before,
      metadata: { ...before.metadata, finalizers: [] },
    },
  };
  for (const [name, after] of Object.entries(cases)) {
    await t.step(name, () => {
      const patch = mergePatchBetween(before, after);
      assert.ok(deepEqual(applyMergePatch(before, patch), JSON.parse(JSON.stringify(after))));
    });
  }
  await t.step("only what changed is sent", () => {
    const patch = mergePatchBetween(before, {
      ...before,
      metadata: { ...before.metadata, labels: { a: "1" } },
    });
    assert.deepEqual(patch, { metadata: { labels: { gone: null } } });
    assert.deepEqual(mergePatchBetween(before, structuredClone(before)), {});
  });
});
