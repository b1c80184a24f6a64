/** Watches over the fake store: replay from a resourceVersion, then live events. */
import { InvalidArgumentError } from "../errors/mod.ts";
import type { FakeStore, StoreEvent } from "./fake_store.ts";
import type { KindInfo } from "./kinds.ts";
import type { RequestContext } from "./status_errors.ts";
import type { AnyObject, WatchEvent, WatchOptions } from "./types.ts";

/** A live watch that the fake can end, cleanly or with an error. */
export interface WatchHandle {
  close(error?: Error): void;
}

/** Translates a store event into what a watcher with this scope sees (selectors move objects in/out). */
function translate(
  store: FakeStore,
  info: KindInfo,
  options: WatchOptions,
  event: StoreEvent,
): WatchEvent<AnyObject> | undefined {
  const inScope = (o: AnyObject | undefined) => o !== undefined && store.inScope(info, o, options);
  const now = inScope(event.object);
  let type: WatchEvent<AnyObject>["type"] | undefined;
  if (event.type === "MODIFIED") {
    const before = inScope(event.previous);
    type = before && now ? "MODIFIED" : now ? "ADDED" : before ? "DELETED" : undefined;
  } else {
    type = now ? event.type : undefined;
  }
  return type ? { type, object: structuredClone(event.object) } : undefined;
}

function startVersion(rv: string | undefined, ctx: RequestContext): number | undefined {
  if (rv === undefined || rv === "" || rv === "0") return undefined;
  if (!/^[0-9]+$/.test(rv)) {
    throw new InvalidArgumentError(
      `Cannot watch ${ctx.kind} objects: invalid resourceVersion "${rv}"`,
    );
  }
  return Number(rv);
}

/** Synthetic ADDED events of the current state, or the history after a resourceVersion. */
function backlog(
  store: FakeStore,
  info: KindInfo,
  options: WatchOptions,
  ctx: RequestContext,
): WatchEvent<AnyObject>[] {
  const from = startVersion(options.resourceVersion, ctx);
  if (from === undefined) {
    return store.snapshot(info).filter((obj) => store.inScope(info, obj, options))
      .map((object) => ({ type: "ADDED", object }));
  }
  return store.eventsSince(info, from, ctx)
    .map((event) => translate(store, info, options, event))
    .filter((ev): ev is WatchEvent<AnyObject> => ev !== undefined);
}

/**
 * Streams events of one kind. Without a resourceVersion (or "0") it starts with a synthetic
 * ADDED per existing object; with one it replays the history after it (ExpiredError if gone).
 * Ends when the signal aborts, `timeoutSeconds` pass, or the handle is closed.
 */
export async function* watchStore(
  store: FakeStore,
  info: KindInfo,
  options: WatchOptions,
  handles: Set<WatchHandle>,
): AsyncGenerator<WatchEvent<AnyObject>> {
  const ctx: RequestContext = { verb: "watch", kind: info.kind };
  const queue: WatchEvent<AnyObject>[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let failure: Error | undefined;
  const resource = store.resourceKey(info);
  const unsubscribe = store.subscribe((event) => {
    if (event.resource !== resource) return;
    const ev = translate(store, info, options, event);
    if (ev) queue.push(ev);
    wake?.();
  });
  const handle: WatchHandle = {
    close(error?: Error) {
      closed = true;
      failure ??= error;
      wake?.();
    },
  };
  const onAbort = () => handle.close();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    queue.push(...backlog(store, info, options, ctx));
    handles.add(handle);
    if (options.signal?.aborted) return;
    options.signal?.addEventListener("abort", onAbort);
    if (options.timeoutSeconds !== undefined) {
      timer = setTimeout(onAbort, options.timeoutSeconds * 1000);
    }
    while (true) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (closed) return;
      await new Promise<void>((resolve) => wake = resolve);
      wake = undefined;
    }
  } finally {
    unsubscribe();
    handles.delete(handle);
    options.signal?.removeEventListener("abort", onAbort);
    if (timer !== undefined) clearTimeout(timer);
  }
}
