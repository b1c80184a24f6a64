import assert from "node:assert/strict";
import { formatJson, formatText, Logger, type LogRecord } from "./logger.ts";
import { captureLogger } from "./testing.ts";

const record = (
  fields: Record<string, unknown>,
  level: LogRecord["level"] = "info",
): LogRecord => ({
  time: new Date("2026-01-02T03:04:05Z"),
  level,
  msg: "Volume staged",
  fields,
});

Deno.test("formatJson() writes one JSON object per record with fields flattened", () => {
  const line = formatJson(record({ volume: "pvc-1", error: new Error("boom"), n: 3n }));
  assert.deepEqual(JSON.parse(line), {
    time: "2026-01-02T03:04:05.000Z",
    level: "info",
    msg: "Volume staged",
    volume: "pvc-1",
    error: "boom",
    n: "3",
  });
});

Deno.test("formatText() prefixes warnings and errors, quotes spaces, encodes objects", () => {
  assert.equal(formatText(record({ path: "/a b" }, "error")), 'ERROR Volume staged path="/a b"');
  assert.equal(formatText(record({}, "warn")), "WARNING Volume staged");
  assert.equal(formatText(record({ req: { id: "x" } })), 'Volume staged req={"id":"x"}');
});

Deno.test("Logger.with() adds fields and levels filter records", () => {
  const { logger, records } = captureLogger("info");
  logger.with({ component: "node" }).debug("hidden");
  logger.with({ component: "node" }).info("shown", { a: 1 });
  assert.equal(records.length, 1);
  assert.deepEqual(records[0]?.fields, { component: "node", a: 1 });
  const lines: string[] = [];
  new Logger({ sink: (l) => lines.push(l), format: "text", level: "warn" }).warn("w");
  assert.deepEqual(lines, ["WARNING w"]);
});
