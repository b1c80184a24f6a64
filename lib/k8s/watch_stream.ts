/** Decoding of a watch response: newline-delimited JSON events; ERROR events become errors. */
import { InvalidArgumentError } from "../errors/mod.ts";
import { type ApiStatus, errorFromStatus, type RequestContext } from "./status_errors.ts";
import type { WatchEvent, WatchEventType } from "./types.ts";

const TYPES = new Set<string>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);

/**
 * Splits a byte stream into lines of text. When `signal` aborts, the stream is cancelled and
 * iteration ends, even while a read is pending or buffered lines remain.
 */
export async function* lines(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    while (!signal?.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        if (signal?.aborted) return;
        yield buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
    }
    if (signal?.aborted) return;
    buffer += decoder.decode();
    if (buffer !== "") yield buffer;
  } finally {
    signal?.removeEventListener("abort", cancel);
    reader.releaseLock();
  }
}

/**
 * Parses one watch line. ERROR events throw the mapped domain error (code 410 →
 * ExpiredError); undefined for blank lines.
 */
export function parseWatchLine<T>(line: string, ctx: RequestContext): WatchEvent<T> | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  let event: { type?: string; object?: unknown };
  try {
    event = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      `Cannot ${ctx.verb} ${ctx.kind} objects: bad event "${text.slice(0, 200)}"`,
    );
  }
  if (event.type === "ERROR") {
    const status = (event.object ?? {}) as ApiStatus;
    throw errorFromStatus(status.code ?? 500, status, ctx);
  }
  if (!event.type || !TYPES.has(event.type) || typeof event.object !== "object") {
    throw new InvalidArgumentError(
      `Cannot ${ctx.verb} ${ctx.kind} objects: unknown event type "${event.type}"`,
    );
  }
  return { type: event.type as WatchEventType, object: event.object as T };
}

/** The events of a watch response body, in order. */
export async function* decodeWatch<T>(
  body: ReadableStream<Uint8Array>,
  ctx: RequestContext,
  signal?: AbortSignal,
): AsyncGenerator<WatchEvent<T>> {
  for await (const line of lines(body, signal)) {
    const event = parseWatchLine<T>(line, ctx);
    if (event) yield event;
  }
}
