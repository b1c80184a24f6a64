/**
 * Informer: a list+watch cache of one kind. It lists (paged), then watches from the list's
 * resourceVersion; a closed watch resumes from the last version seen, a 410 relists (and
 * emits deletes for objects that vanished meanwhile), other failures back off and retry.
 */
import { AbortedError, DeadlineExceededError, ExpiredError } from "../errors/mod.ts";
import { type Logger, nullLogger } from "../log/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import { backoffDelay, type BackoffOptions, sleep } from "./backoff.ts";
import { cacheable, deepFreeze, isNewerVersion, ObjectCache, objectKey } from "./informer_cache.ts";
import type { ResourceClient, Selector, WatchEvent } from "./types.ts";

/** Options of an Informer that caches `C`s made from the `T`s it lists and watches. */
export interface InformerOptions<T = KubeObject, C = T> {
  /** Only this namespace (namespaced kinds); all when omitted. */
  namespace?: string;
  labelSelector?: Selector;
  fieldSelector?: string;
  /** Every this many milliseconds, re-deliver every cached object as an update (0: never). */
  resyncMs?: number;
  logger?: Logger;
  /** Pacing of retries after failures (default 500 ms doubling to 30 s). */
  backoff?: BackoffOptions;
  /** Page size of the initial list and relists (default 500). */
  pageSize?: number;
  /** Server-side lifetime of one watch request (default 5 to 10 minutes, random). */
  watchTimeoutSeconds?: number;
  /**
   * What the cache keeps of each listed, watched or applied object (it must return a new
   * object and keep metadata's name, namespace and resourceVersion). Without it the cache
   * keeps the object less its managedFields.
   */
  transform?: (obj: T) => C;
}

/** Callbacks for cache changes. Objects are frozen: clone them before changing. */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  /** Also called by resync with `oldObj === newObj`. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };
const QUICK_CLOSE_MS = 1000;

/** A list+watch cache of one kind; see the module doc. */
export class Informer<T extends KubeObject, C extends KubeObject = T> {
  readonly #client: ResourceClient<T>;
  readonly #options: InformerOptions<T, C>;
  readonly #log: Logger;
  readonly #cache = new ObjectCache<C>();
  readonly #handlers = new Set<InformerHandlers<C>>();
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #synced = false;
  #rv: string | undefined;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #resync: ReturnType<typeof setInterval> | undefined;

  constructor(client: ResourceClient<T>, options: InformerOptions<T, C> = {}) {
    this.#client = client;
    this.#options = options;
    this.#log = (options.logger ?? nullLogger()).with({ informer: client.kind });
  }

  /** Registers callbacks; returns a function that removes them. */
  addHandlers(handlers: InformerHandlers<C>): () => void {
    this.#handlers.add(handlers);
    return () => this.#handlers.delete(handlers);
  }

  /** Adds a secondary index: `fn` returns the index values of an object. */
  addIndex(name: string, fn: (obj: C) => string[]): void {
    this.#cache.addIndex(name, fn);
  }

  /** Cached objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): C[] {
    const out = this.#cache.byIndex(name, value);
    if (out === undefined) throw new RangeError(`Unknown informer index "${name}"`);
    return out;
  }

  /** Starts listing and watching in the background; calling it twice is harmless. */
  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal);
    const every = this.#options.resyncMs ?? 0;
    if (every > 0) this.#resync = setInterval(() => this.#resyncAll(), every);
  }

  /** Stops the loop and waits for it to finish; pending waitForSync calls reject. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    if (this.#resync !== undefined) clearInterval(this.#resync);
    this.#resync = undefined;
    await this.#loop;
    this.#loop = undefined;
    this.#abort = undefined;
    this.#settleWaiters(new AbortedError(`Cannot sync ${this.#client.kind} cache: stopped`));
  }

  /** Whether the first list has been loaded. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion of the newest state the cache has seen. */
  get lastSyncResourceVersion(): string | undefined {
    return this.#rv;
  }

  /**
   * Resolves once the first list has been loaded.
   * @throws {AbortedError} when the signal aborts or the informer stops first
   * @throws {DeadlineExceededError} when the signal's reason is a timeout
   */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const what = `Cannot sync ${this.#client.kind} cache`;
        const reason = signal?.reason as { name?: string } | undefined;
        reject(
          reason?.name === "TimeoutError"
            ? new DeadlineExceededError(`${what}: timed out`)
            : new AbortedError(`${what}: cancelled`),
        );
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push({
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      });
    });
  }

  /** Every cached object (frozen). */
  list(): C[] {
    return this.#cache.values();
  }

  /** A cached object (frozen) by name, and namespace for namespaced kinds. */
  get(name: string, namespace?: string): C | undefined {
    const ns = namespace ?? this.#options.namespace;
    return this.#cache.get(ns ? `${ns}/${name}` : name);
  }

  /** Number of cached objects. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * Puts the result of a local write into the cache at once, if it is newer than the cached
   * copy; handlers are told. The watch event for the same version is then ignored.
   */
  apply(obj: T): boolean {
    const old = this.#cache.get(objectKey(obj));
    if (old && !isNewerVersion(old.metadata.resourceVersion, obj.metadata.resourceVersion)) {
      return false;
    }
    this.#upsert(this.#cacheable(structuredClone(obj)));
    return true;
  }

  /** What the cache keeps of `obj` (frozen); `obj` is the caller's to give up. */
  #cacheable(obj: T): C {
    const transform = this.#options.transform;
    return transform ? deepFreeze(transform(obj)) : cacheable(obj) as unknown as C;
  }

  /** Removes a locally deleted object from the cache at once; handlers are told. */
  applyDelete(obj: T): boolean {
    const old = this.#cache.delete(objectKey(obj));
    if (old) this.#notify((h) => h.onDelete?.(old));
    return old !== undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let expired = 0;
    while (!signal.aborted) {
      try {
        if (this.#rv === undefined || !this.#synced) await this.#relist(signal);
        const started = Date.now();
        const seen = await this.#watch(signal);
        expired = 0;
        if (seen > 0) failures = 0;
        else if (Date.now() - started < QUICK_CLOSE_MS) await this.#pause(failures++, signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof ExpiredError) {
          this.#log.info("Relisting after expired resource version", { error: err });
          this.#rv = undefined;
          if (expired++ > 0) await this.#pause(failures++, signal);
          continue;
        }
        this.#log.warn("List or watch failed; retrying", { error: err, attempt: failures + 1 });
        await this.#pause(failures++, signal);
      }
    }
  }

  async #pause(attempt: number, signal: AbortSignal): Promise<void> {
    const delay = backoffDelay(attempt, this.#options.backoff ?? DEFAULT_BACKOFF);
    await sleep(delay, signal).catch(() => {});
  }

  #scope(): { namespace?: string; labelSelector?: Selector; fieldSelector?: string } {
    const { namespace, labelSelector, fieldSelector } = this.#options;
    return {
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(fieldSelector !== undefined ? { fieldSelector } : {}),
    };
  }

  async #relist(signal: AbortSignal): Promise<void> {
    // Each page is reduced at once, so a large list never holds every full object at a time.
    const items: C[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.#client.list({
        ...this.#scope(),
        limit: this.#options.pageSize ?? 500,
        signal,
        ...(cont ? { continue: cont } : {}),
      });
      for (const item of page.items) items.push(this.#cacheable(item));
      rv ??= page.resourceVersion;
      cont = page.continue;
    } while (cont);
    this.#replace(items, rv);
  }

  /** Makes the cache equal to a fresh list, telling handlers what changed. */
  #replace(items: C[], rv: string): void {
    const fresh = new Map(items.map((o) => [objectKey(o), o]));
    for (const [key, old] of this.#cache.entries()) {
      if (fresh.has(key)) continue;
      this.#cache.delete(key);
      this.#notify((h) => h.onDelete?.(old));
    }
    for (const obj of fresh.values()) {
      const old = this.#cache.get(objectKey(obj));
      if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      this.#upsert(obj);
    }
    this.#rv = rv;
    if (!this.#synced) {
      this.#synced = true;
      this.#log.debug("Cache synced", { objects: this.#cache.size, resourceVersion: rv });
    }
    this.#settleWaiters();
  }

  /** Watches from the cache's version; returns how many events arrived before it closed. */
  async #watch(signal: AbortSignal): Promise<number> {
    let seen = 0;
    const timeout = this.#options.watchTimeoutSeconds ?? Math.round(300 + Math.random() * 300);
    const events = this.#client.watch({
      ...this.#scope(),
      ...(this.#rv !== undefined ? { resourceVersion: this.#rv } : {}),
      timeoutSeconds: timeout,
      signal,
    });
    for await (const event of events) {
      seen++;
      this.#handle(event);
    }
    return seen;
  }

  #handle(event: WatchEvent<T>): void {
    const obj = event.object;
    const rv = obj.metadata.resourceVersion;
    if (event.type !== "BOOKMARK") {
      const old = this.#cache.get(objectKey(obj));
      const newer = !old || isNewerVersion(old.metadata.resourceVersion, rv);
      if (event.type === "DELETED") {
        if (old && newer) {
          this.#cache.delete(objectKey(obj));
          const gone = this.#cacheable(obj);
          this.#notify((h) => h.onDelete?.(gone));
        }
      } else if (newer) {
        this.#upsert(this.#cacheable(obj));
      }
    }
    if (rv !== undefined && isNewerVersion(this.#rv, rv)) this.#rv = rv;
  }

  #upsert(obj: C): void {
    const old = this.#cache.set(obj);
    if (old) this.#notify((h) => h.onUpdate?.(old, obj));
    else this.#notify((h) => h.onAdd?.(obj));
  }

  #resyncAll(): void {
    if (!this.#synced) return;
    for (const obj of this.#cache.values()) this.#notify((h) => h.onUpdate?.(obj, obj));
  }

  #notify(call: (h: InformerHandlers<C>) => void): void {
    for (const handler of this.#handlers) {
      try {
        call(handler);
      } catch (err) {
        this.#log.error("Informer handler failed", { error: err });
      }
    }
  }

  #settleWaiters(error?: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) error ? w.reject(error) : w.resolve();
  }
}
