/**
 * Domain errors. lib code throws only these (or the built-in SyntaxError/RangeError/TypeError
 * for parsing); the driver maps them to gRPC codes and the CLI to exit codes, each through
 * one table.
 */

/** Options accepted by every domain error. */
export interface DirectpvErrorOptions {
  cause?: unknown;
}

/** Base class of every domain error. */
export class DirectpvError extends Error {
  constructor(message: string, options?: DirectpvErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** The object or device asked for does not exist. */
export class NotFoundError extends DirectpvError {}
/**
 * What `pending` resolves to, or undefined when it rejects with a {@linkcode NotFoundError}:
 * for reads where a missing object is an answer, not a failure.
 *
 * @example const node = await ifFound(kube.coreNodes.get(name));
 */
export async function ifFound<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The object to create exists already. */
export class AlreadyExistsError extends DirectpvError {}
/** An update lost an optimistic-concurrency race (stale resourceVersion). */
export class ConflictError extends DirectpvError {}
/** The caller passed a bad value. */
export class InvalidArgumentError extends DirectpvError {}
/** The system is not in a state that allows the operation (drive not Ready, volume staged…). */
export class FailedPreconditionError extends DirectpvError {}
/** No resource is left to satisfy the request (no drive fits). */
export class ResourceExhaustedError extends DirectpvError {}
/** A requested size or range is outside what can be served. */
export class OutOfRangeError extends DirectpvError {}
/** Another operation on the same object is in flight. */
export class AbortedError extends DirectpvError {}
/** A dependency (the API server, a device) cannot be reached right now. */
export class UnavailableError extends DirectpvError {}
/** The operation is not supported. */
export class UnimplementedError extends DirectpvError {}
/** The operation ran out of time or was cancelled. */
export class DeadlineExceededError extends DirectpvError {}
/** The caller may not perform the operation. */
export class PermissionDeniedError extends DirectpvError {}
/** The request was understood but refused for safety (formatting a mounted drive…). */
export class UnsafeOperationError extends FailedPreconditionError {}

/** Facts about a failed external command. */
export interface CommandFailure {
  command: string;
  args: readonly string[];
  code: number;
  stderr: string;
}

/** An external command exited non-zero. */
export class CommandError extends DirectpvError {
  readonly command: string;
  readonly args: readonly string[];
  readonly code: number;
  readonly stderr: string;

  constructor(failure: CommandFailure, options?: DirectpvErrorOptions) {
    const detail = failure.stderr.trim();
    super(
      `Command "${[failure.command, ...failure.args].join(" ")}" exited with code ${failure.code}` +
        (detail ? `: ${detail}` : ""),
      options,
    );
    this.command = failure.command;
    this.args = failure.args;
    this.code = failure.code;
    this.stderr = failure.stderr;
  }
}

/** Returns the message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A watch or list continuation is too old (HTTP 410 Gone); the caller must relist. */
export class ExpiredError extends DirectpvError {}
