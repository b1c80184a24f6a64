/**
 * The one table of exit codes: 0 success, 2 usage or validation error, 1 every other
 * failure (including "no matching resources found").
 */
import { CommanderError } from "@commander-js/extra-typings";

/** Exit codes of kubectl-directpv. */
export const EXIT_CODES = {
  success: 0,
  failure: 1,
  usage: 2,
} as const;

export type ExitCode = typeof EXIT_CODES[keyof typeof EXIT_CODES];

/** A bad flag, argument or combination of them; exits 2. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UsageError";
  }
}

/** The command ran but part of its work failed (a drive did not initialize); exits 1. */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandFailedError";
  }
}

/** The exit code for an error thrown out of a command (or for success). */
export function exitCodeOf(err: unknown): ExitCode {
  if (err === undefined) return EXIT_CODES.success;
  if (err instanceof UsageError) return EXIT_CODES.usage;
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.usage;
  }
  return EXIT_CODES.failure;
}
