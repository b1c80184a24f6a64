/** Decoding of a watch response: newline-delimited JSON events; ERROR events become errors. */
import { InvalidArgumentError } from "../errors/mod.ts";
import { type ApiStatus, errorFromStatus, type RequestContext } from "./status_errors.ts";
import type { WatchEvent, WatchEventType } from "./types.ts";

const TYPES = new Set<string>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);

/** Splits a byte stream into lines of text. */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
  buffer += decoder.decode();
  if (buffer !== "") yield buffer;
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
): AsyncGenerator<WatchEvent<T>> {
  for await (const line of lines(body)) {
    const event = parseWatchLine<T>(line, ctx);
    if (event) yield event;
  }
}
