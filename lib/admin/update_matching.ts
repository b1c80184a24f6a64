/**
 * One update loop for every verb that flips a field or a label on selected drives or volumes
 * (cordon, uncordon, label, suspend, resume): mutate a copy, skip when nothing changed,
 * write with a retry on conflict, honour dry runs.
 */
import { type ResourceClient, retryOnConflict } from "../k8s/mod.ts";
import type { KubeObject } from "../types/mod.ts";

/** What a mutation did to one object. */
export type MutateResult = "changed" | "unchanged";

/**
 * Changes `object` in place. Returns `unchanged` to skip the write. May throw a domain error
 * to refuse the object.
 */
export type Mutate<T> = (object: T) => MutateResult;

/** Outcome for one selected object. */
export interface UpdateOutcome<T> {
  /** The object as written (or as it would be written in a dry run). */
  object: T;
  changed: boolean;
}

/** Options of {@link updateMatching}. */
export interface UpdateMatchingOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Attempts per object on conflict (default 5). */
  attempts?: number;
}

/**
 * Applies `mutate` to each object and writes the ones it changed. A conflict re-reads the
 * object and mutates it again.
 *
 * @throws whatever `mutate` throws, and API errors other than a conflict
 */
export async function updateMatching<T extends KubeObject>(
  resource: ResourceClient<T>,
  objects: readonly T[],
  mutate: Mutate<T>,
  options: UpdateMatchingOptions = {},
): Promise<UpdateOutcome<T>[]> {
  const out: UpdateOutcome<T>[] = [];
  for (const object of objects) {
    out.push(await updateOne(resource, object, mutate, options));
  }
  return out;
}

async function updateOne<T extends KubeObject>(
  resource: ResourceClient<T>,
  object: T,
  mutate: Mutate<T>,
  options: UpdateMatchingOptions,
): Promise<UpdateOutcome<T>> {
  const write = {
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const name = object.metadata.name ?? "";
  return await retryOnConflict(async (attempt) => {
    const current = attempt === 0 ? object : await resource.get(name, write);
    const copy = structuredClone(current);
    if (mutate(copy) === "unchanged") return { object: copy, changed: false };
    const written = await resource.update(copy, write);
    return { object: options.dryRun ? copy : written, changed: true };
  }, {
    attempts: options.attempts ?? 5,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
