/** Optimistic-concurrency helpers: retry on ConflictError, and get → mutate → update loops. */
import { ConflictError } from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import { backoffDelay, type BackoffOptions, sleep } from "./backoff.ts";
import { deepEqual } from "./patch.ts";
import type { NamespaceOption, ResourceClient } from "./types.ts";

/** How conflict retries are paced. */
export interface RetryOptions {
  /** Attempts in total, the first included (default 5). */
  attempts?: number;
  /** Delay between attempts (default 10 ms growing to 1 s). */
  backoff?: BackoffOptions;
  signal?: AbortSignal;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 10, maxMs: 1000, factor: 2, jitter: 0.1 };

/**
 * Runs `fn` until it does not throw ConflictError, at most `attempts` times; the last
 * ConflictError is rethrown. Any other error is thrown at once.
 *
 * @example await retryOnConflict(async () => await kube.drives.update(next))
 */
export async function retryOnConflict<R>(
  fn: (attempt: number) => Promise<R>,
  options: RetryOptions = {},
): Promise<R> {
  const attempts = Math.max(1, options.attempts ?? 5);
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt + 1 >= attempts) throw err;
    }
    await sleep(backoffDelay(attempt, options.backoff ?? DEFAULT_BACKOFF), options.signal);
  }
}

/** Return this (or `false`) from a mutate function to skip the write. */
export const UNCHANGED: unique symbol = Symbol("unchanged");

/**
 * Changes an object in place (return nothing), returns a replacement, or returns
 * `UNCHANGED`/`false` to leave the stored object as it is.
 */
export type Mutator<T> = (
  object: T,
  attempt: number,
) => T | void | false | typeof UNCHANGED | Promise<T | void | false | typeof UNCHANGED>;

/** Options of updateWithRetry. */
export interface UpdateWithRetryOptions extends RetryOptions, NamespaceOption {
  /** Write through the status subresource (`updateStatus`). */
  status?: boolean;
  dryRun?: boolean;
}

/**
 * Reads the object, lets `mutate` change it and writes it back, starting over when the
 * write loses a race (ConflictError). No write happens when `mutate` returns
 * `UNCHANGED`/`false` or leaves the object equal to what was read. Returns the object as
 * stored.
 *
 * @throws {NotFoundError} when the object does not exist
 * @throws {ConflictError} when every attempt lost a race
 */
export function updateWithRetry<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  mutate: Mutator<T>,
  options: UpdateWithRetryOptions = {},
): Promise<T> {
  const ns = options.namespace === undefined ? {} : { namespace: options.namespace };
  const write = {
    ...ns,
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return retryOnConflict(async (attempt) => {
    const current = await client.get(name, {
      ...ns,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const original = structuredClone(current);
    const result = await mutate(current, attempt);
    if (result === false || result === UNCHANGED) return original;
    const next = result ?? current;
    if (deepEqual(next, original)) return original;
    return options.status
      ? await client.updateStatus(next, write)
      : await client.update(next, write);
  }, options);
}
