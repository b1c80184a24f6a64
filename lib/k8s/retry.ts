/** Optimistic-concurrency helpers: retry on ConflictError, and get → mutate → update loops. */
import { ConflictError, ifFound } from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import { backoffDelay, type BackoffOptions, sleep } from "./backoff.ts";
import { deepEqual, mergePatchBetween } from "./patch.ts";
import type { NamespaceOption, ResourceClient, WriteOptions } from "./types.ts";

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

/** Return this from a mutate function to skip the write. */
export const UNCHANGED: unique symbol = Symbol("unchanged");

/**
 * Changes an object in place (return nothing) or returns a replacement; returns `UNCHANGED`
 * to leave the stored object as it is. May throw to refuse the object.
 */
export type Mutator<T> = (
  object: T,
  attempt: number,
) => T | void | typeof UNCHANGED | Promise<T | void | typeof UNCHANGED>;

/** Options of updateWithRetry. */
export interface UpdateWithRetryOptions<T> extends RetryOptions, NamespaceOption {
  /** Write through the status subresource (`updateStatus`). */
  status?: boolean;
  dryRun?: boolean;
  /** The object as the caller last read it: the first attempt mutates it without a GET. */
  current?: T;
}

/** What one read-mutate-write did. */
export interface UpdateOutcome<T> {
  /** The object as stored (or as a dry run would store it); as read when nothing changed. */
  object: T;
  changed: boolean;
}

/**
 * Reads the object, lets `mutate` change it and writes it back, starting over when the
 * write loses a race (ConflictError). No write happens when `mutate` returns `UNCHANGED` or
 * leaves the object equal to what was read. Returns the object as stored.
 *
 * @throws {NotFoundError} when the object does not exist
 * @throws {ConflictError} when every attempt lost a race
 */
export async function updateWithRetry<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  mutate: Mutator<T>,
  options: UpdateWithRetryOptions<T> = {},
): Promise<T> {
  return (await updateOutcome(client, name, mutate, options)).object;
}

/**
 * updateWithRetry for an object that may be gone: resolves with undefined when it does not
 * exist (or disappears between attempts).
 *
 * @throws {ConflictError} when every attempt lost a race
 */
export async function updateIfExists<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  mutate: Mutator<T>,
  options: UpdateWithRetryOptions<T> = {},
): Promise<T | undefined> {
  return await ifFound(updateWithRetry(client, name, mutate, options));
}

/** updateWithRetry that also says whether a write happened. */
export function updateOutcome<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  mutate: Mutator<T>,
  options: UpdateWithRetryOptions<T> = {},
): Promise<UpdateOutcome<T>> {
  const ns = options.namespace === undefined ? {} : { namespace: options.namespace };
  const signal = options.signal ? { signal: options.signal } : {};
  const write = { ...ns, ...signal, ...(options.dryRun ? { dryRun: true } : {}) };
  return retryOnConflict(async (attempt) => {
    const current = attempt === 0 && options.current
      ? structuredClone(options.current)
      : await client.get(name, { ...ns, ...signal });
    const original = structuredClone(current);
    const result = await mutate(current, attempt);
    if (result === UNCHANGED) return { object: original, changed: false };
    const next = result ?? current;
    if (deepEqual(next, original)) return { object: original, changed: false };
    const stored = options.status
      ? await client.updateStatus(next, write)
      : await updateByPatch(client, original, next, write);
    return { object: stored, changed: true };
  }, options);
}

/**
 * Writes `next` over `current` (the object as last read) with the outcome of
 * `client.update(next)` — the stored object becomes `next`, and a `current` that is no longer
 * the stored version fails with ConflictError — but sent as a JSON merge patch of their
 * difference guarded by `current`'s resourceVersion. kube-apiserver 1.36 spends about 45 ms
 * in every PUT of a custom resource that carries finalizers, as our drives always do, and
 * serves the same change as a PATCH in a few milliseconds. The main resource only: status
 * written through a status subresource still needs `updateStatus`. `current` and `next` may
 * be a view of the object with fewer fields (a cache's compact record): fields neither names
 * are left as stored, and the resourceVersion guard still covers them.
 *
 * @throws {ConflictError} when `current` is stale
 * @throws {NotFoundError} when the object is gone
 */
export async function updateByPatch<T extends KubeObject, V extends KubeObject = T>(
  client: ResourceClient<T>,
  current: V,
  next: V,
  options: WriteOptions & NamespaceOption = {},
): Promise<T> {
  const diff = mergePatchBetween(current, next) as Record<string, unknown>;
  const metadata = (diff.metadata ?? {}) as Record<string, unknown>;
  const patch = {
    ...diff,
    metadata: { ...metadata, resourceVersion: current.metadata.resourceVersion },
  };
  const namespace = options.namespace ?? current.metadata.namespace;
  return await client.patch(current.metadata.name ?? "", patch, {
    ...options,
    ...(namespace === undefined ? {} : { namespace }),
    type: "merge",
  });
}
