/** Waiting on watched objects until each reaches a state, with a deadline. */
import { type ResourceClient, type Selector, sleep } from "../k8s/mod.ts";
import { DeadlineExceededError, ExpiredError, UnavailableError } from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";

/** Options of {@link waitForEach}. */
export interface WaitOptions<T> {
  /** Names of the objects to wait for. */
  names: readonly string[];
  /** Whether an object has reached the wanted state. */
  done: (object: T) => boolean;
  /** Called once per object when it reaches the state (or is deleted, with `deleted`). */
  onDone?: (object: T, deleted: boolean) => void;
  labelSelector?: Selector;
  /** Milliseconds before the wait fails with DeadlineExceededError. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs `body` with a signal that aborts at the deadline or with the caller's signal. */
async function withDeadline(
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
  body: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await body(controller.signal);
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** What {@link waitForEach} saw. */
export interface WaitResult<T> {
  /** Final state of each object that got done (deleted ones are absent). */
  objects: Map<string, T>;
  /** Names still not done when the deadline passed, in the order given. */
  pending: string[];
}

/**
 * Watches `resource` (from its current state, so only states after the caller's writes are
 * seen) until every named object is done or deleted, or the deadline passes. A watch the
 * server closes is restarted.
 */
export async function waitForEach<T extends KubeObject>(
  resource: ResourceClient<T>,
  options: WaitOptions<T>,
): Promise<WaitResult<T>> {
  const pending = new Set(options.names);
  const finished = new Map<string, T>();
  const finish = (name: string, object: T, { deleted }: { deleted: boolean }) => {
    if (!pending.delete(name)) return;
    if (!deleted) finished.set(name, object);
    options.onDone?.(object, deleted);
  };
  await withDeadline(options, async (signal) => {
    for (let round = 0; pending.size > 0 && !signal.aborted; round++) {
      // An abort ends the wait early; the loop condition then sees it.
      if (round > 0) await sleep(RESTART_DELAY_MS, signal).catch(() => {});
      const events = resource.watch({
        signal,
        ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
      });
      try {
        for await (const event of events) {
          const name = event.object.metadata.name ?? "";
          if (!pending.has(name)) continue;
          if (event.type === "DELETED") finish(name, event.object, { deleted: true });
          else if (event.type !== "BOOKMARK" && options.done(event.object)) {
            finish(name, event.object, { deleted: false });
          }
          if (pending.size === 0) break;
        }
      } catch (err) {
        // A dropped or expired watch is started again from the current state.
        if (!(err instanceof ExpiredError || err instanceof UnavailableError)) throw err;
      }
    }
  });
  return { objects: finished, pending: options.names.filter((n) => pending.has(n)) };
}

/** The error for work that did not finish in time. */
export function timedOut(what: string, timeoutMs: number): DeadlineExceededError {
  return new DeadlineExceededError(`${what}: timed out after ${formatDuration(timeoutMs)}`);
}

/** `2m0s`-style duration text, as DirectPV's flags print it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

const RESTART_DELAY_MS = 200;
