import assert from "node:assert/strict";
import { describeLatency, latencyFigures, percentile } from "./stats.ts";

Deno.test("latencyFigures() takes nearest-rank percentiles of unsorted values", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(latencyFigures(values), { count: 100, p50: 51, p90: 91, p99: 100, max: 100 });
  assert.equal(describeLatency(latencyFigures([5])), "p50 5 ms, p90 5 ms, p99 5 ms, max 5 ms");
});

Deno.test("percentile() of nothing is NaN", () => {
  assert.ok(Number.isNaN(percentile([], 0.5)));
  assert.ok(Number.isNaN(latencyFigures([]).max));
});
