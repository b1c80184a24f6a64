/**
 * One update loop for every verb that flips a field or a label on selected drives or volumes
 * (cordon, uncordon, label, suspend, resume): mutate a copy, skip when nothing changed,
 * write with a retry on conflict, honour dry runs.
 */
import {
  type Mutator,
  type ResourceClient,
  type UpdateOutcome,
  updateOutcome,
} from "../k8s/mod.ts";
import type { KubeObject } from "../types/mod.ts";

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
  mutate: Mutator<T>,
  options: UpdateMatchingOptions = {},
): Promise<UpdateOutcome<T>[]> {
  const out: UpdateOutcome<T>[] = [];
  for (const object of objects) {
    out.push(
      await updateOutcome(resource, object.metadata.name ?? "", mutate, {
        current: object,
        attempts: options.attempts ?? 5,
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }
  return out;
}
