import assert from "node:assert/strict";
import { methodFigures, parseCalls, parseThrottling } from "./call_logs.ts";

const LOG = [
  '{"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"CSI call","method":"CreateVolume",' +
  '"volume":"pvc-1","durationMs":12.5,"code":"OK"}',
  "not json at all",
  '{"time":"2026-01-01T00:00:02.000Z","level":"warn","msg":"CSI call","method":"CreateVolume",' +
  '"volume":"pvc-2","durationMs":7.5,"code":"RESOURCE_EXHAUSTED","error":"no drive"}',
  '{"time":"2026-01-01T00:00:03.000Z","level":"info","msg":"CSI call","method":"GetCapacity",' +
  '"durationMs":1,"code":"OK"}',
  '{"time":"2026-01-01T00:00:03.000Z","level":"info","msg":"Something else"}',
].join("\n");

Deno.test("parseCalls() and methodFigures() add up one method's calls", () => {
  const calls = parseCalls(LOG);
  assert.equal(calls.length, 3);
  assert.deepEqual(calls[1], {
    method: "CreateVolume",
    code: "RESOURCE_EXHAUSTED",
    durationMs: 7.5,
    at: Date.parse("2026-01-01T00:00:02.000Z"),
    volume: "pvc-2",
    error: "no drive",
  });
  const create = methodFigures(calls, "CreateVolume");
  assert.deepEqual(create.codes, { OK: 1, RESOURCE_EXHAUSTED: 1 });
  assert.equal(create.totalMs, 20);
  assert.equal(create.spanMs, 2000);
  assert.equal(create.latency.max, 12.5);
  assert.equal(methodFigures(calls, "DeleteVolume").calls, 0);
});

Deno.test("parseThrottling() reads both of client-go's forms", () => {
  const text = [
    'I1203 request.go:752] "Waited before sending request" delay="1.5s" reason="client-side ' +
    'throttling, not priority and fairness" verb="POST" URL="https://x/api/v1/persistentvolumes"',
    "I1203 request.go:629] Waited for 250ms due to client-side throttling, not priority and " +
    "fairness, request: PUT:https://x",
    "I1203 something unrelated 3s",
  ].join("\n");
  assert.deepEqual(parseThrottling(text), { waits: 2, totalMs: 1750, maxMs: 1500 });
});
