import assert from "node:assert/strict";
import { ifFound, NotFoundError, UnavailableError } from "./mod.ts";

Deno.test("ifFound() passes a value through", async () => {
  assert.equal(await ifFound(Promise.resolve("node1")), "node1");
});

Deno.test("ifFound() turns a NotFoundError (and its subclasses) into undefined", async () => {
  class DriveNotFoundError extends NotFoundError {}
  assert.equal(await ifFound(Promise.reject(new NotFoundError("gone"))), undefined);
  assert.equal(await ifFound(Promise.reject(new DriveNotFoundError("gone"))), undefined);
});

Deno.test("ifFound() rethrows every other error", async () => {
  await assert.rejects(ifFound(Promise.reject(new UnavailableError("down"))), UnavailableError);
  await assert.rejects(ifFound(Promise.reject(new Error("boom"))), /boom/);
});
