/**
 * What ListVolumes and ListSnapshots share: the max_entries check, name order and the cut of
 * one page. Each keeps its own token (a volume name, a snapshot index).
 */
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { KubeObject } from "../../lib/types/mod.ts";

/**
 * Refuses a negative `max_entries` (0 means no limit).
 *
 * @throws {InvalidArgumentError} for a negative max_entries
 */
export function requireMaxEntries(maxEntries: number): void {
  if (maxEntries < 0) {
    throw new InvalidArgumentError(`max_entries ${maxEntries} is negative`);
  }
}

/** Orders objects by name (code-point order, as the API server lists them). */
export function byName(a: KubeObject, b: KubeObject): number {
  const [x, y] = [a.metadata.name ?? "", b.metadata.name ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The page of `items` from index `start`, at most `maxEntries` long (0: all), and its end. */
export function pageOf<T>(
  items: readonly T[],
  start: number,
  maxEntries: number,
): { page: T[]; end: number } {
  const end = maxEntries > 0 ? Math.min(start + maxEntries, items.length) : items.length;
  return { page: items.slice(start, end), end };
}
