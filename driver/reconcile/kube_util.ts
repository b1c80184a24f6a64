/** Small Kubernetes helpers shared by the reconcilers. */
import { NotFoundError } from "../../lib/errors/mod.ts";
import { type Informer, type ResourceClient, updateWithRetry } from "../../lib/k8s/mod.ts";
import type { KubeObject } from "../../lib/types/mod.ts";
import type { ObjectSource } from "./controller.ts";

/** Options of `mutate`. */
export interface MutateOptions {
  /** Attempts before a conflict is given up (default 5). */
  attempts?: number;
  signal?: AbortSignal;
}

/**
 * Reads the latest object, lets `change` edit it in place and writes it back, retrying on
 * conflicts. `change` returns false to skip the write. Resolves with the stored object, or
 * undefined when the object does not exist.
 *
 * @throws {ConflictError} when every attempt conflicted
 */
export async function mutate<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  change: (object: T) => boolean | Promise<boolean>,
  options: MutateOptions = {},
): Promise<T | undefined> {
  try {
    return await updateWithRetry(
      client,
      name,
      async (object) => (await change(object)) ? undefined : false,
      {
        attempts: options.attempts ?? 5,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** An informer seen as the controller's object source. */
export function informerSource<T extends KubeObject>(informer: Informer<T>): ObjectSource<T> {
  return {
    list: () => informer.list(),
    get: (name) => informer.get(name),
    subscribe: (listener) =>
      informer.addHandlers({
        onAdd: (o) => listener("add", o),
        onUpdate: (old, o) => listener("update", o, old),
        onDelete: (o) => listener("delete", o),
      }),
  };
}

/** Shares one in-flight run of `fn` between concurrent callers. */
export function coalesce<R>(fn: () => Promise<R>): () => Promise<R> {
  let running: Promise<R> | undefined;
  return () => {
    running ??= fn().finally(() => (running = undefined));
    return running;
  };
}
