/**
 * The one table that turns thrown errors into gRPC status codes for CSI replies.
 */
import { status as Status } from "@grpc/grpc-js";
// The table names nearly every domain error class: one namespace rather than a dozen names.
import * as errors from "../../lib/errors/mod.ts";

/** gRPC status codes (grpc-js `status`). */
export { Status };

// deno-lint-ignore no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * Domain error class → gRPC code. The first row whose class the error is an instance of
 * wins; an error matching no row is INTERNAL.
 */
export const STATUS_TABLE: ReadonlyArray<readonly [ErrorClass, Status]> = [
  [errors.NotFoundError, Status.NOT_FOUND],
  [errors.AlreadyExistsError, Status.ALREADY_EXISTS],
  [errors.InvalidArgumentError, Status.INVALID_ARGUMENT],
  [errors.UnsafeOperationError, Status.FAILED_PRECONDITION],
  [errors.FailedPreconditionError, Status.FAILED_PRECONDITION],
  [errors.ResourceExhaustedError, Status.RESOURCE_EXHAUSTED],
  [errors.OutOfRangeError, Status.OUT_OF_RANGE],
  [errors.AbortedError, Status.ABORTED],
  [errors.ConflictError, Status.ABORTED],
  [errors.UnavailableError, Status.UNAVAILABLE],
  [errors.DeadlineExceededError, Status.DEADLINE_EXCEEDED],
  [errors.UnimplementedError, Status.UNIMPLEMENTED],
  [errors.PermissionDeniedError, Status.PERMISSION_DENIED],
];

/** A gRPC status code with its message, as sent to the client. */
export interface RpcStatus {
  code: Status;
  message: string;
}

/** True for the DOMException an aborted or timed-out AbortSignal throws. */
function isAbort(err: unknown): boolean {
  return err instanceof DOMException && (err.name === "AbortError" || err.name === "TimeoutError");
}

/** The gRPC code for a thrown value: its row, DEADLINE_EXCEEDED for an abort, else INTERNAL. */
export function codeOf(err: unknown): Status {
  for (const [cls, code] of STATUS_TABLE) if (err instanceof cls) return code;
  return isAbort(err) ? Status.DEADLINE_EXCEEDED : Status.INTERNAL;
}

/** The status sent for a thrown value; the message is the error's message. */
export function toRpcStatus(err: unknown): RpcStatus {
  return { code: codeOf(err), message: errors.errorMessage(err) };
}

/** The name of a code (`NOT_FOUND`), for logs. */
export function codeName(code: Status): string {
  return Status[code] ?? String(code);
}
