/** Polling helpers with bounded timeouts. */
import { DeadlineExceededError } from "../../lib/errors/mod.ts";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message (`the API server to be ready`). */
  description: string;
  /** Errors from `probe` for which this returns true end the wait at once (rethrown). */
  fatal?: (err: unknown) => boolean;
}

/**
 * Calls `probe` until it returns a value other than undefined/false and returns that value.
 * Errors thrown by `probe` count as "not yet" (the last one becomes the timeout error's
 * cause) unless `fatal` says otherwise.
 *
 * @throws {DeadlineExceededError} when the timeout passes first
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (options.fatal?.(err)) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new DeadlineExceededError(
        `Timed out after ${options.timeoutMs} ms waiting for ${options.description}`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await sleep(options.intervalMs ?? 100);
  }
}
