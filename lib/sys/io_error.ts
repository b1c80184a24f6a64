/** Recognises I/O errors (EIO) through wrapped causes. */

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
