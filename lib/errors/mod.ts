/**
 * Domain error classes.
 *
 * May import: nothing (leaf module).
 * @module
 */
export {
  AbortedError,
  AlreadyExistsError,
  CommandError,
  type CommandFailure,
  ConflictError,
  DeadlineExceededError,
  DirectpvError,
  type DirectpvErrorOptions,
  errorMessage,
  ExpiredError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
  UnsafeOperationError,
} from "./errors.ts";
