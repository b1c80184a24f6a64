import assert from "node:assert/strict";
import { isIoError } from "./io_error.ts";
import { parseStatfs } from "./statfs.ts";

Deno.test("parseStatfs() multiplies block counts by the fundamental block size", () => {
  assert.deepEqual(parseStatfs("4096 1000 600 500 2048 1024\n"), {
    totalBytes: 4096000,
    freeBytes: 2457600,
    availableBytes: 2048000,
    totalInodes: 2048,
    freeInodes: 1024,
  });
});

Deno.test("parseStatfs() throws SyntaxError on other output", async (t) => {
  for (const text of ["", "1 2 3", "a b c d e f", "1 2 3 4 5 -6"]) {
    await t.step(JSON.stringify(text), () => assert.throws(() => parseStatfs(text), SyntaxError));
  }
});

Deno.test("isIoError() finds EIO through causes", () => {
  const eio = Object.assign(new Error("boom"), { code: "EIO" });
  assert.ok(isIoError(eio));
  assert.ok(isIoError(new Error("wrapped", { cause: eio })));
  assert.ok(isIoError(new Error("Input/output error (os error 5)")));
  assert.ok(!isIoError(new Error("No such file or directory (os error 2)")));
  assert.ok(!isIoError("EIO?"));
  assert.ok(!isIoError(undefined));
});
