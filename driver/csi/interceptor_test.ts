import assert from "node:assert/strict";
import { NotFoundError } from "../../lib/errors/mod.ts";
import { captureLogger } from "../../lib/log/testing.ts";
import {
  type CallResult,
  CallWrapper,
  lockKeyOf,
  redact,
  SECRET_FIELDS,
  STRIPPED,
  VOLUME_LOCK_FIELDS,
} from "./interceptor.ts";
import type { AnyHandler, CallContext } from "./services.ts";
import { Status } from "./status.ts";

const signal = new AbortController().signal;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

function failed(result: CallResult): { code: Status; message: string } {
  assert.ok(!result.ok, "the call fails");
  return (result as { status: { code: Status; message: string } }).status;
}

Deno.test("CallWrapper.invoke() returns the handler's response and passes signal and logger", async () => {
  const { logger } = captureLogger();
  const calls = new CallWrapper({ logger });
  let seen: CallContext | undefined;
  const handler: AnyHandler = (_req, ctx) => {
    seen = ctx;
    return Promise.resolve({ nodeId: "n1" });
  };
  const result = await calls.invoke("NodeGetInfo", {}, { handler, signal });
  assert.deepEqual(result, { ok: true, response: { nodeId: "n1" } });
  assert.equal(seen?.signal, signal);
  assert.ok(seen?.logger);
});

Deno.test("CallWrapper.invoke() answers UNIMPLEMENTED for a missing handler", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const status = failed(await calls.invoke("ListVolumes", {}, { handler: undefined, signal }));
  assert.equal(status.code, Status.UNIMPLEMENTED);
  assert.equal(status.message, 'Method "ListVolumes" is not implemented');
});

Deno.test("CallWrapper.invoke() maps a thrown domain error through the status table", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const handler: AnyHandler = () => Promise.reject(new NotFoundError('Volume "pvc-1" not found'));
  const status = failed(
    await calls.invoke("NodeStageVolume", { volumeId: "pvc-1" }, { handler, signal }),
  );
  assert.deepEqual(status, { code: Status.NOT_FOUND, message: 'Volume "pvc-1" not found' });
});

Deno.test("CallWrapper.invoke() aborts a second concurrent call on the same volume", async (t) => {
  for (
    const [method, request] of [
      ["CreateVolume", { name: "pvc-1" }],
      ["DeleteVolume", { volumeId: "pvc-1" }],
      ["NodePublishVolume", { volumeId: "pvc-1" }],
    ] as const
  ) {
    await t.step(method, async () => {
      const calls = new CallWrapper({ logger: captureLogger().logger });
      const gate = deferred();
      const slow: AnyHandler = () => gate.promise.then(() => ({}));
      const first = calls.invoke(method, request, { handler: slow, signal });
      const second = await calls.invoke(method, request, {
        handler: () => Promise.resolve({}),
        signal,
      });
      assert.deepEqual(failed(second), {
        code: Status.ABORTED,
        message: 'An operation on volume "pvc-1" is already in progress',
      });
      gate.resolve();
      assert.ok((await first).ok);
      assert.equal(calls.locks.size, 0);
    });
  }
});

Deno.test("CallWrapper.invoke() shares one lock between CreateVolume's name and other calls' volume id", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const gate = deferred();
  const first = calls.invoke("CreateVolume", { name: "pvc-1" }, {
    handler: () => gate.promise,
    signal,
  });
  const del = await calls.invoke("DeleteVolume", { volumeId: "pvc-1" }, {
    handler: () => Promise.resolve({}),
    signal,
  });
  assert.equal(failed(del).code, Status.ABORTED);
  gate.resolve();
  await first;
});

Deno.test("CallWrapper.invoke() runs calls on different volumes in parallel", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const gate = deferred();
  let running = 0;
  let peak = 0;
  const handler: AnyHandler = async () => {
    running++;
    peak = Math.max(peak, running);
    await gate.promise;
    running--;
    return {};
  };
  const a = calls.invoke("NodeStageVolume", { volumeId: "a" }, { handler, signal });
  const b = calls.invoke("NodeStageVolume", { volumeId: "b" }, { handler, signal });
  await Promise.resolve();
  assert.equal(peak, 2);
  gate.resolve();
  assert.deepEqual((await Promise.all([a, b])).map((r) => r.ok), [true, true]);
});

Deno.test("CallWrapper.invoke() releases the volume lock after the handler fails", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const boom: AnyHandler = () => Promise.reject(new Error("boom"));
  assert.equal(
    failed(await calls.invoke("NodeStageVolume", { volumeId: "v" }, { handler: boom, signal }))
      .code,
    Status.INTERNAL,
  );
  assert.ok(!calls.locks.isHeld("v"));
  const ok = await calls.invoke("NodeStageVolume", { volumeId: "v" }, {
    handler: () => Promise.resolve({}),
    signal,
  });
  assert.ok(ok.ok);
});

Deno.test("CallWrapper.invoke() takes no lock for read-only calls or an empty volume id", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const gate = deferred();
  const slow: AnyHandler = () => gate.promise.then(() => ({}));
  const stats = calls.invoke("NodeGetVolumeStats", { volumeId: "v" }, { handler: slow, signal });
  const stage = calls.invoke("NodeStageVolume", { volumeId: "v" }, {
    handler: () => Promise.resolve({}),
    signal,
  });
  assert.ok((await stage).ok);
  const empty = calls.invoke("NodeStageVolume", { volumeId: "" }, { handler: slow, signal });
  assert.equal(calls.locks.size, 0);
  gate.resolve();
  await Promise.all([stats, empty]);
});

Deno.test("lockKeyOf() reads the lock field of mutating methods only", () => {
  assert.equal(lockKeyOf("CreateVolume", { name: "pvc-1", volumeId: "x" }), "pvc-1");
  assert.equal(lockKeyOf("NodeExpandVolume", { volumeId: "pvc-2" }), "pvc-2");
  assert.equal(lockKeyOf("ValidateVolumeCapabilities", { volumeId: "pvc-2" }), undefined);
  assert.equal(lockKeyOf("DeleteVolume", { volumeId: "" }), undefined);
  assert.equal(VOLUME_LOCK_FIELDS["CreateVolume"], "name");
});

Deno.test("CallWrapper.invoke() logs method, duration and code for each call", async () => {
  const { logger, records } = captureLogger("info");
  let t = 100;
  const calls = new CallWrapper({ logger, now: () => (t += 12.5) });
  await calls.invoke("NodeStageVolume", { volumeId: "v" }, {
    handler: () => Promise.resolve({}),
    signal,
  });
  assert.equal(records.length, 1);
  assert.equal(records[0]?.level, "info");
  assert.equal(records[0]?.msg, "CSI call");
  assert.deepEqual(records[0]?.fields, {
    method: "NodeStageVolume",
    volume: "v",
    durationMs: 12.5,
    code: "OK",
  });
});

Deno.test("CallWrapper.invoke() logs failures at warn and INTERNAL at error with the stack", async () => {
  const { logger, records } = captureLogger("info");
  const calls = new CallWrapper({ logger });
  await calls.invoke("DeleteVolume", { volumeId: "v" }, {
    handler: () => Promise.reject(new NotFoundError("gone")),
    signal,
  });
  await calls.invoke("DeleteVolume", { volumeId: "v" }, {
    handler: () => Promise.reject(new Error("boom")),
    signal,
  });
  assert.deepEqual(records.map((r) => [r.level, r.fields.code, r.fields.error]), [
    ["warn", "NOT_FOUND", "gone"],
    ["error", "INTERNAL", "boom"],
  ]);
  assert.match(String(records[1]?.fields.stack), /Error: boom\n\s+at /);
});

Deno.test("CallWrapper.invoke() logs Probe at debug only", async () => {
  const info = captureLogger("info");
  await new CallWrapper({ logger: info.logger }).invoke("Probe", {}, {
    handler: () => Promise.resolve({}),
    signal,
  });
  assert.equal(info.records.length, 0);
  const debug = captureLogger("debug");
  await new CallWrapper({ logger: debug.logger }).invoke("Probe", {}, {
    handler: () => Promise.resolve({}),
    signal,
  });
  assert.deepEqual(debug.records.map((r) => [r.level, r.msg]), [
    ["debug", "CSI request"],
    ["debug", "CSI response"],
    ["debug", "CSI call"],
  ]);
});

Deno.test("CallWrapper.invoke() logs requests at debug with secrets stripped", async () => {
  const { logger, records } = captureLogger("debug");
  const calls = new CallWrapper({ logger });
  const request = {
    name: "pvc-1",
    parameters: { "directpv.min.io/access-tier": "Hot" },
    secrets: { password: "hunter2" },
    nested: [{ secrets: { token: "s3cr3t" } }],
  };
  let seen: unknown;
  await calls.invoke("CreateVolume", request, {
    handler: (req) => {
      seen = req;
      return Promise.resolve({ volume: { volumeId: "pvc-1" } });
    },
    signal,
  });
  const logged = JSON.stringify(records.map((r) => r.fields));
  assert.doesNotMatch(logged, /hunter2|s3cr3t|password|token/);
  assert.deepEqual(records[0]?.fields.request, {
    name: "pvc-1",
    parameters: { "directpv.min.io/access-tier": "Hot" },
    secrets: STRIPPED,
    nested: [{ secrets: STRIPPED }],
  });
  assert.equal(seen, request, "the handler gets the request unchanged");
  assert.deepEqual(request.secrets, { password: "hunter2" });
});

Deno.test("CallWrapper.invoke() logs no request at info", async () => {
  const { logger, records } = captureLogger("info");
  await new CallWrapper({ logger }).invoke("NodeStageVolume", {
    volumeId: "v",
    secrets: { k: "hunter2" },
  }, { handler: () => Promise.resolve({}), signal });
  assert.equal(records.length, 1);
  assert.equal(records[0]?.fields.request, undefined);
});

Deno.test("redact() keeps empty secret maps and values that are not objects", () => {
  assert.deepEqual(redact({ secrets: {}, n: 1, d: null, list: ["a"] }), {
    secrets: {},
    n: 1,
    d: null,
    list: ["a"],
  });
  const date = new Date(0);
  assert.equal((redact({ at: date }) as { at: Date }).at, date);
});

Deno.test("SECRET_FIELDS names every csi_secret field of csi.proto", async () => {
  const proto = await Deno.readTextFile(new URL("../../proto/csi.proto", import.meta.url));
  const names = [
    ...proto.matchAll(/map<string, string> (\w+) = \d+\s*\[[^\]]*\(csi_secret\) = true/g),
  ]
    .map((m) => m[1]);
  const marked = proto.split("(csi_secret) = true").length - 1;
  assert.equal(names.length, marked, "every marked field is a string map");
  for (const name of names) assert.ok(SECRET_FIELDS.has(name ?? ""), `${name} is redacted`);
});
