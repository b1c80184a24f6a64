import assert from "node:assert/strict";
import { auditFileName, rfc3339Nano } from "./audit.ts";
import { formatDuration } from "./wait.ts";

Deno.test("rfc3339Nano() drops trailing zeros of the fraction like Go", async (t) => {
  const cases: Array<[string, string]> = [
    ["2025-01-02T03:04:05.678Z", "2025-01-02T03:04:05.678Z"],
    ["2025-01-02T03:04:05.600Z", "2025-01-02T03:04:05.6Z"],
    ["2025-01-02T03:04:05.000Z", "2025-01-02T03:04:05Z"],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => assert.equal(rfc3339Nano(new Date(input)), want));
  }
});

Deno.test("auditFileName() is install.log.<timestamp>", () => {
  assert.equal(
    auditFileName(new Date("2025-01-02T03:04:05.5Z")),
    "install.log.2025-01-02T03:04:05.5Z",
  );
});

Deno.test("formatDuration() prints Go-style durations", () => {
  assert.equal(formatDuration(120_000), "2m0s");
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(3_725_000), "1h2m5s");
  assert.equal(formatDuration(5_000), "5s");
  assert.equal(formatDuration(250), "250ms");
});
