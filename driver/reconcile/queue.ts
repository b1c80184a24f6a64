/**
 * A keyed work queue: a key is handed to at most one worker at a time, a key added while it is
 * being processed is handed out again once the worker is done, and failed keys come back after an
 * exponential backoff that resets on success.
 */
import { backoffDelay, type BackoffOptions } from "../../lib/k8s/mod.ts";

/** The timer functions the queue uses; tests pass a manual clock. */
export interface Timers {
  /** Returns an opaque handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real timers of the runtime. */
export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/** Options of a WorkQueue. */
export interface WorkQueueOptions {
  backoff?: BackoffOptions;
  timers?: Timers;
}

/** A failed key's first retry waits 100 ms, doubling per failure up to 10 minutes, no jitter. */
const QUEUE_BACKOFF: Required<BackoffOptions> = {
  initialMs: 100,
  maxMs: 10 * 60 * 1000,
  factor: 2,
  jitter: 0,
};

/** Keys waiting, keys being processed, per-key failure counts and delayed re-adds. */
export class WorkQueue {
  readonly #ready: string[] = [];
  /** Keys that must be processed (again): in `#ready`, or processing and re-added. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, unknown>();
  readonly #waiters: Array<(key: string | undefined) => void> = [];
  readonly #timers: Timers;
  readonly #backoff: BackoffOptions;
  #shutDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#backoff = { ...QUEUE_BACKOFF, ...options.backoff };
  }

  /** Number of keys waiting to be handed out. */
  get length(): number {
    return this.#ready.length;
  }

  /** Whether `shutDown()` was called. */
  get isShutDown(): boolean {
    return this.#shutDown;
  }

  /** Queues `key` now; a no-op when it is already waiting. */
  add(key: string): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Queues `key` after `ms`; an earlier pending delayed add of the same key is kept. */
  addAfter(key: string, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) return this.add(key);
    if (this.#delayed.has(key)) return;
    const id = this.#timers.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, id);
  }

  /** Counts a failure of `key` and queues it again after its backoff delay; returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = backoffDelay(failures - 1, this.#backoff);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the failure count of `key` (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times `key` failed in a row. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /**
   * The next key to process, marked as processing until `done(key)`. Resolves with undefined once
   * the queue is shut down and empty of ready keys.
   */
  get(): Promise<string | undefined> {
    const key = this.#ready.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    if (this.#shutDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` as processed; a key re-added meanwhile is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shutDown) this.#push(key);
  }

  /** Stops handing out keys: waiting `get()` calls resolve with undefined, timers are cleared. */
  shutDown(): void {
    this.#shutDown = true;
    for (const id of this.#delayed.values()) this.#timers.clearTimeout(id);
    this.#delayed.clear();
    this.#ready.length = 0;
    this.#dirty.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  #take(key: string): string {
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }

  #push(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(this.#take(key));
    else this.#ready.push(key);
  }
}
