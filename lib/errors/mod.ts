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
  ConflictError,
  DeadlineExceededError,
  DirectpvError,
  errorMessage,
  ExpiredError,
  FailedPreconditionError,
  ifFound,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
  UnsafeOperationError,
} from "./errors.ts";
