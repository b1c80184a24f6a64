/** Small helpers of the fake store: keys, timestamps, continue tokens, API-server errors. */
import { groupOf, type KindInfo } from "./kinds.ts";
import { errorFromStatus, type RequestContext } from "./status_errors.ts";
import type { AnyObject } from "./types.ts";

const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** RFC 3339 with whole seconds, as the API server writes timestamps. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.[0-9]{3}Z$/, "Z");
}

/** Store key of an object: `namespace/name` or `name`. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** Five random characters for `generateName`, from the API server's alphabet. */
export function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => NAME_CHARS[b % NAME_CHARS.length]).join("");
}

/** Whether strategic merge patch is refused (custom resources, as on a real server). */
export function isCustom(info: KindInfo): boolean {
  const group = groupOf(info.apiVersion);
  return group.includes(".") && !group.endsWith(".k8s.io");
}

/** A copy without the fields every write changes, for no-op detection. */
export function stripVolatile(obj: AnyObject): AnyObject {
  const copy = structuredClone(obj);
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  return copy;
}

/** 422 Invalid with the given detail. */
export function invalidError(ctx: RequestContext, message: string): Error {
  return errorFromStatus(422, { reason: "Invalid", message }, ctx);
}

/** 409 Conflict worded like the API server. */
export function conflictError(resource: string, ctx: RequestContext): Error {
  return errorFromStatus(409, {
    reason: "Conflict",
    message: `Operation cannot be fulfilled on ${resource} "${ctx.name}": the object has been ` +
      "modified; please apply your changes to the latest version and try again",
  }, ctx);
}

/** A continue token: the last key returned and the list's resourceVersion. */
export function encodeContinue(lastKey: string, rv: number): string {
  return btoa(JSON.stringify({ k: lastKey, rv }));
}

/**
 * Reads a continue token.
 * @throws {InvalidArgumentError} when it is malformed
 * @throws {ExpiredError} when its version is older than the compacted history
 */
export function decodeContinue(
  token: string,
  compactedRv: number,
  ctx: RequestContext,
): { k: string; rv: number } {
  let parsed: { k?: unknown; rv?: unknown } | undefined;
  try {
    parsed = JSON.parse(atob(token));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.k !== "string" || typeof parsed.rv !== "number") {
    throw invalidError(ctx, `invalid continue token "${token}"`);
  }
  if (parsed.rv < compactedRv) {
    throw errorFromStatus(410, {
      reason: "Expired",
      message: "The provided continue parameter is too old to display a consistent list result",
    }, ctx);
  }
  return { k: parsed.k, rv: parsed.rv };
}
