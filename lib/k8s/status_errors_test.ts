import assert from "node:assert/strict";
import {
  AlreadyExistsError,
  ConflictError,
  ExpiredError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
  UnimplementedError,
} from "../errors/mod.ts";
import { describeRequest, errorFromNetwork, errorFromStatus } from "./status_errors.ts";
import { decodeWatch, parseWatchLine } from "./watch_stream.ts";

const CTX = { verb: "update", kind: "DirectPVDrive", name: "d1" };

Deno.test("errorFromStatus() maps HTTP failures to domain errors", async (t) => {
  const cases: [number, string | undefined, new (...a: never[]) => Error][] = [
    [404, "NotFound", NotFoundError],
    [409, "AlreadyExists", AlreadyExistsError],
    [409, "Conflict", ConflictError],
    [400, "BadRequest", InvalidArgumentError],
    [422, "Invalid", InvalidArgumentError],
    [415, "UnsupportedMediaType", InvalidArgumentError],
    [401, "Unauthorized", PermissionDeniedError],
    [403, "Forbidden", PermissionDeniedError],
    [410, "Expired", ExpiredError],
    [405, "MethodNotAllowed", UnimplementedError],
    [429, "TooManyRequests", UnavailableError],
    [500, "InternalError", UnavailableError],
    [503, undefined, UnavailableError],
    [504, "Timeout", UnavailableError],
  ];
  for (const [code, reason, cls] of cases) {
    await t.step(`${code} ${reason ?? ""}`, () => {
      const err = errorFromStatus(
        code,
        reason ? { reason, message: "server says" } : undefined,
        CTX,
      );
      assert.ok(err instanceof cls, `${err.name} is not ${cls.name}`);
    });
  }
});

Deno.test("errorFromStatus() names the verb, kind and name and keeps the server message", () => {
  const err = errorFromStatus(409, {
    reason: "Conflict",
    message: 'Operation cannot be fulfilled on directpvdrives.directpv.min.io "d1": modified',
  }, CTX);
  assert.equal(
    err.message,
    'Cannot update DirectPVDrive "d1": Operation cannot be fulfilled on directpvdrives.directpv.min.io "d1": modified',
  );
  assert.equal(
    errorFromStatus(503, undefined, { verb: "list", kind: "Pod" }).message,
    "Cannot list Pod objects: HTTP status 503",
  );
  assert.equal(
    describeRequest({ verb: "get", kind: "Pod", name: "p", namespace: "ns" }),
    'get Pod "ns/p"',
  );
});

Deno.test("errorFromNetwork() is UnavailableError with the cause", () => {
  const cause = new TypeError("Connection refused (os error 111)");
  const err = errorFromNetwork(cause, { verb: "get", kind: "Node", name: "n1" });
  assert.ok(err instanceof UnavailableError);
  assert.equal(err.cause, cause);
  assert.equal(
    err.message,
    'Cannot get Node "n1": the API server cannot be reached: Connection refused (os error 111)',
  );
});

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      controller.close();
    },
  });
}

Deno.test("decodeWatch() splits newline-delimited events across chunks", async () => {
  const ctx = { verb: "watch", kind: "Pod" };
  const events = [];
  const body = streamOf(
    '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD',
    'IFIED","object":{"metadata":{"name":"a"}}}\n\n',
    '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}',
  );
  for await (const ev of decodeWatch(body, ctx)) events.push(ev.type);
  assert.deepEqual(events, ["ADDED", "MODIFIED", "BOOKMARK"]);
});

Deno.test("parseWatchLine() turns ERROR 410 into ExpiredError", () => {
  const ctx = { verb: "watch", kind: "DirectPVDrive" };
  const line = JSON.stringify({
    type: "ERROR",
    object: {
      kind: "Status",
      code: 410,
      reason: "Expired",
      message: "too old resource version: 1 (50)",
    },
  });
  assert.throws(() => parseWatchLine(line, ctx), (err: unknown) => {
    assert.ok(err instanceof ExpiredError);
    assert.equal(
      err.message,
      "Cannot watch DirectPVDrive objects: too old resource version: 1 (50)",
    );
    return true;
  });
  assert.equal(parseWatchLine("  ", ctx), undefined);
  assert.throws(() => parseWatchLine("{not json", ctx), InvalidArgumentError);
  assert.throws(() => parseWatchLine('{"type":"WHAT","object":{}}', ctx), InvalidArgumentError);
});
