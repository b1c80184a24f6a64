/**
 * One generic controller for every reconciler: a cache of watched objects feeds a keyed work
 * queue, N workers call the reconcile function with the latest cached object, failures come back
 * with per-key exponential backoff, and every key is re-queued at each resync period.
 */
import type { KubeObject } from "../../lib/types/mod.ts";
import { errorMessage } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { BackoffOptions } from "../../lib/k8s/mod.ts";
import { REAL_TIMERS, type Timers, WorkQueue } from "./queue.ts";

/** Kind of change a source reports. */
export type ChangeType = "add" | "update" | "delete";

/** A watched, cached set of objects (an informer). */
export interface ObjectSource<T extends KubeObject> {
  /** Every cached object. */
  list(): T[];
  /** The cached object of that name. */
  get(name: string): T | undefined;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (type: ChangeType, object: T, previous?: T) => void): () => void;
}

/** What a reconcile call may ask for besides success. */
export interface ReconcileResult {
  /** Process the key again after this many milliseconds. */
  requeueAfterMs?: number;
}

/** What the reconcile function receives. */
export interface ReconcileContext {
  /** Aborted when the controller stops. */
  signal: AbortSignal;
}

/** Reconciles one key; `object` is undefined when it is gone from the cache. */
export type ReconcileFn<T> = (
  key: string,
  object: T | undefined,
  context: ReconcileContext,
) => Promise<ReconcileResult | void>;

/** Options of a Controller. */
export interface ControllerOptions<T extends KubeObject> {
  /** Name for logs (`drive`, `volume`, `node`, `initrequest`). */
  name: string;
  source: ObjectSource<T>;
  reconcile: ReconcileFn<T>;
  logger: Logger;
  /** Parallel workers (default 1); one key is never processed by two at once. */
  workers?: number;
  /** Re-queue every cached key this often (default off). */
  resyncMs?: number;
  backoff?: BackoffOptions;
  timers?: Timers;
  /** Only changes accepted by this predicate are queued. */
  filter?: (object: T, type: ChangeType, previous?: T) => boolean;
}

/** Runs a reconcile function over a source until stopped. */
export class Controller<T extends KubeObject> {
  readonly #options: ControllerOptions<T>;
  readonly #queue: WorkQueue;
  readonly #timers: Timers;
  readonly #abort = new AbortController();
  readonly #logger: Logger;
  #workers: Promise<void>[] = [];
  #unsubscribe: (() => void) | undefined;
  #resyncTimer: unknown;
  #stopped = false;

  constructor(options: ControllerOptions<T>) {
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
    const queueOptions = options.backoff ? { backoff: options.backoff } : {};
    this.#queue = new WorkQueue({ ...queueOptions, timers: this.#timers });
    this.#logger = options.logger.with({ controller: options.name });
  }

  /** The underlying queue (for tests and metrics). */
  get queue(): WorkQueue {
    return this.#queue;
  }

  /** Subscribes to the source, queues every cached object and starts the workers. */
  start(): void {
    if (this.#unsubscribe || this.#stopped) return;
    const { source, filter } = this.#options;
    this.#unsubscribe = source.subscribe((type, object, previous) => {
      if (filter && !filter(object, type, previous)) return;
      const name = object.metadata.name;
      if (name) this.#queue.add(name);
    });
    this.#enqueueAll();
    for (let i = 0; i < Math.max(1, this.#options.workers ?? 1); i++) {
      this.#workers.push(this.#work());
    }
    this.#armResync();
  }

  /** Queues one key now (external triggers). */
  enqueue(key: string): void {
    this.#queue.add(key);
  }

  /** Stops taking keys and waits for in-flight reconcile calls to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#resyncTimer !== undefined) this.#timers.clearTimeout(this.#resyncTimer);
    this.#resyncTimer = undefined;
    this.#abort.abort();
    this.#queue.shutDown();
    await Promise.all(this.#workers);
  }

  #enqueueAll(): void {
    const { source, filter } = this.#options;
    for (const object of source.list()) {
      if (filter && !filter(object, "add")) continue;
      if (object.metadata.name) this.#queue.add(object.metadata.name);
    }
  }

  #armResync(): void {
    const period = this.#options.resyncMs;
    if (!period || period <= 0 || this.#stopped) return;
    this.#resyncTimer = this.#timers.setTimeout(() => {
      this.#enqueueAll();
      this.#armResync();
    }, period);
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      try {
        await this.#process(key);
      } finally {
        this.#queue.done(key);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const object = this.#options.source.get(key);
    try {
      const result = await this.#options.reconcile(key, object, { signal: this.#abort.signal });
      this.#queue.forget(key);
      if (result?.requeueAfterMs !== undefined && !this.#stopped) {
        this.#queue.addAfter(key, result.requeueAfterMs);
      }
    } catch (err) {
      if (this.#stopped) return;
      const delayMs = this.#queue.addRateLimited(key);
      this.#logger.warn("Reconcile failed; retrying", {
        key,
        error: errorMessage(err),
        failures: this.#queue.failures(key),
        delayMs,
      });
    }
  }
}
