/** The informer's object cache: frozen objects by key, secondary indexes, version ordering. */
import type { KubeObject } from "../types/mod.ts";

/** `namespace/name` for namespaced objects, `name` otherwise. */
export function objectKey(obj: KubeObject): string {
  const { namespace, name = "" } = obj.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/** Whether resourceVersion `next` is newer than `current` (numeric when both are numbers). */
export function isNewerVersion(current: string | undefined, next: string | undefined): boolean {
  if (current === undefined || next === undefined) return true;
  if (/^[0-9]+$/.test(current) && /^[0-9]+$/.test(next)) return BigInt(next) > BigInt(current);
  return next !== current;
}

/** Freezes an object and everything in it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Prepares an object for the cache: drops `metadata.managedFields` (server-side apply
 * bookkeeping that no reader of the cache needs and that is often the biggest part of a
 * small object) and freezes it. Writes based on a cached copy keep the server's
 * managedFields: an update that omits them leaves them as they are, a merge patch does not
 * name them.
 */
export function cacheable<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return deepFreeze(obj);
}

interface Index<T> {
  // Method syntax keeps Informer<Drive> usable where Informer<KubeObject> is expected.
  fn(obj: T): string[];
  values: Map<string, Set<string>>;
}

/** Objects by key plus named secondary indexes, kept in step. */
export class ObjectCache<T extends KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #indexes = new Map<string, Index<T>>();

  get size(): number {
    return this.#objects.size;
  }

  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  values(): T[] {
    return [...this.#objects.values()];
  }

  entries(): [string, T][] {
    return [...this.#objects.entries()];
  }

  /** Stores a frozen object under its key; returns the one it replaced. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#objects.get(key);
    if (old) this.#unindex(key, old);
    this.#objects.set(key, obj);
    this.#index(key, obj);
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.#objects.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#objects.delete(key);
    return old;
  }

  /** Adds (or replaces) an index computed by `fn` over every object. */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    const index: Index<T> = { fn, values: new Map() };
    this.#indexes.set(name, index);
    for (const [key, obj] of this.#objects) this.#indexOne(index, key, obj);
  }

  /** Objects whose index `name` yields `value`; undefined when there is no such index. */
  byIndex(name: string, value: string): T[] | undefined {
    const index = this.#indexes.get(name);
    if (!index) return undefined;
    const keys = index.values.get(value) ?? new Set<string>();
    return [...keys].map((k) => this.#objects.get(k)).filter((o): o is T => o !== undefined);
  }

  #index(key: string, obj: T): void {
    for (const index of this.#indexes.values()) this.#indexOne(index, key, obj);
  }

  #indexOne(index: Index<T>, key: string, obj: T): void {
    for (const value of index.fn(obj)) {
      let keys = index.values.get(value);
      if (!keys) {
        keys = new Set();
        index.values.set(value, keys);
      }
      keys.add(key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const index of this.#indexes.values()) {
      for (const value of index.fn(obj)) {
        const keys = index.values.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.values.delete(value);
      }
    }
  }
}
