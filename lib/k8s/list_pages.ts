/** Following a list's `continue` tokens: one loop for the REST client and the fake alike. */
import type { ListOptions, ListResult } from "./types.ts";

/** The items of every page `list` returns, from `options.continue` (or the first page) on. */
export async function listAllPages<T>(
  list: (options: ListOptions) => Promise<ListResult<T>>,
  options: ListOptions = {},
): Promise<T[]> {
  const items: T[] = [];
  let cont = options.continue;
  do {
    const page = await list({ ...options, ...(cont ? { continue: cont } : {}) });
    items.push(...page.items);
    cont = page.continue;
  } while (cont);
  return items;
}
