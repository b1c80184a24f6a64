/**
 * File errors: the one mapping of Deno's file-system errors to domain errors, and the
 * recognition of I/O errors (EIO) through wrapped causes.
 */
import {
  AlreadyExistsError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from "../errors/mod.ts";

const EIO_TEXT = /input\/output error|os error 5\b|\bEIO\b/i;

/**
 * Whether `err`, or any error in its `cause` chain, is an I/O error (EIO): the mark of a
 * failing drive.
 */
export function isIoError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (typeof current === "object") {
      const code = (current as { code?: unknown }).code;
      if (code === "EIO") return true;
    }
    if (current instanceof Error) {
      if (EIO_TEXT.test(current.message)) return true;
      current = current.cause;
    } else {
      return false;
    }
  }
  return false;
}

/** Maps a Deno file-system error to a domain error naming the action and path. */
export function fsError(err: unknown, action: string, path: string): Error {
  // Deno appends the operation and path (`: readfile '/x'`); the message names both already.
  const reason = (err instanceof Error ? err.message : String(err))
    .replace(/(\(os error \d+\)): \w+ '[^]*'$/, "$1");
  const message = `Cannot ${action} "${path}": ${reason}`;
  if (err instanceof Deno.errors.NotFound) return new NotFoundError(message, { cause: err });
  if (err instanceof Deno.errors.AlreadyExists) {
    return new AlreadyExistsError(message, { cause: err });
  }
  if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotCapable) {
    return new PermissionDeniedError(message, { cause: err });
  }
  return new UnavailableError(message, { cause: err });
}
