import assert from "node:assert/strict";
import * as errors from "../../lib/errors/mod.ts";
import { codeName, codeOf, Status, STATUS_TABLE, toRpcStatus } from "./status.ts";

const CASES: Array<[string, unknown, Status]> = [
  ["NotFoundError", new errors.NotFoundError("x"), Status.NOT_FOUND],
  ["AlreadyExistsError", new errors.AlreadyExistsError("x"), Status.ALREADY_EXISTS],
  ["InvalidArgumentError", new errors.InvalidArgumentError("x"), Status.INVALID_ARGUMENT],
  ["FailedPreconditionError", new errors.FailedPreconditionError("x"), Status.FAILED_PRECONDITION],
  ["UnsafeOperationError", new errors.UnsafeOperationError("x"), Status.FAILED_PRECONDITION],
  ["ResourceExhaustedError", new errors.ResourceExhaustedError("x"), Status.RESOURCE_EXHAUSTED],
  ["OutOfRangeError", new errors.OutOfRangeError("x"), Status.OUT_OF_RANGE],
  ["AbortedError", new errors.AbortedError("x"), Status.ABORTED],
  ["ConflictError", new errors.ConflictError("x"), Status.ABORTED],
  ["UnavailableError", new errors.UnavailableError("x"), Status.UNAVAILABLE],
  ["DeadlineExceededError", new errors.DeadlineExceededError("x"), Status.DEADLINE_EXCEEDED],
  ["UnimplementedError", new errors.UnimplementedError("x"), Status.UNIMPLEMENTED],
  ["PermissionDeniedError", new errors.PermissionDeniedError("x"), Status.PERMISSION_DENIED],
  [
    "CommandError",
    new errors.CommandError({ command: "mkfs.xfs", args: [], code: 1, stderr: "" }),
    Status.INTERNAL,
  ],
  ["plain Error", new Error("x"), Status.INTERNAL],
  ["TypeError", new TypeError("x"), Status.INTERNAL],
  ["a thrown string", "x", Status.INTERNAL],
  ["an aborted signal's AbortError", new DOMException("x", "AbortError"), Status.DEADLINE_EXCEEDED],
  [
    "a timeout signal's TimeoutError",
    new DOMException("x", "TimeoutError"),
    Status.DEADLINE_EXCEEDED,
  ],
];

Deno.test("codeOf() maps each domain error to its gRPC code", async (t) => {
  for (const [name, err, code] of CASES) {
    await t.step(`${name} -> ${codeName(code)}`, () => {
      assert.equal(codeOf(err), code);
    });
  }
});

Deno.test("codeOf() covers every row of STATUS_TABLE", () => {
  const tested = new Set(CASES.map(([, err]) => (err as object).constructor));
  for (const [cls] of STATUS_TABLE) assert.ok(tested.has(cls), `${cls.name} has a case`);
});

Deno.test("codeOf() maps subclasses of a domain error like their base", () => {
  class DriveNotFoundError extends errors.NotFoundError {}
  assert.equal(codeOf(new DriveNotFoundError("x")), Status.NOT_FOUND);
});

Deno.test("toRpcStatus() keeps the error message as the status message", () => {
  assert.deepEqual(toRpcStatus(new errors.NotFoundError('Volume "pvc-1" not found')), {
    code: Status.NOT_FOUND,
    message: 'Volume "pvc-1" not found',
  });
  assert.deepEqual(toRpcStatus("boom"), { code: Status.INTERNAL, message: "boom" });
});

Deno.test("codeName() names gRPC codes", () => {
  assert.equal(codeName(Status.OK), "OK");
  assert.equal(codeName(Status.FAILED_PRECONDITION), "FAILED_PRECONDITION");
});
