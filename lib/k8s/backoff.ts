/** Capped exponential backoff with jitter, and an abortable sleep. */
import { AbortedError } from "../errors/mod.ts";

/** Backoff parameters; delay(n) = min(maxMs, initialMs * factor^n) ± jitter. */
export interface BackoffOptions {
  /** First delay in milliseconds (default 100). */
  initialMs?: number;
  /** Largest delay in milliseconds (default 30000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Random spread as a fraction of the delay, 0..1 (default 0.1). */
  jitter?: number;
}

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 30_000;
  const base = Math.min(max, initial * (options.factor ?? 2) ** attempt);
  const jitter = options.jitter ?? 0.1;
  return Math.max(0, Math.round(base * (1 + jitter * (Math.random() * 2 - 1))));
}

/**
 * Waits `ms` milliseconds, or until the signal aborts.
 * @throws {AbortedError} when the signal aborts
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError("Cannot wait: the operation was cancelled"));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError("Cannot wait: the operation was cancelled"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
