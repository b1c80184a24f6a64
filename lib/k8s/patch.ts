/** JSON merge patch (RFC 7386) and JSON patch (RFC 6902), applied to plain JSON values. */
import { ConflictError, InvalidArgumentError } from "../errors/mod.ts";

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Applies an RFC 7386 merge patch and returns the result; the inputs are not changed. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/**
 * The RFC 7386 merge patch that turns `before` into `after`: changed members are set,
 * removed ones are null, arrays and scalars are replaced whole. `after` must hold no null
 * members (a merge patch cannot express them); Kubernetes objects as we write them do not.
 */
export function mergePatchBetween(before: Json, after: Json): Json {
  if (!isObject(before) || !isObject(after)) return structuredClone(after);
  const patch: Record<string, Json> = {};
  for (const [key, value] of Object.entries(before)) {
    if (value !== undefined && after[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined || deepEqual(before[key], value)) continue;
    patch[key] = isObject(value) && isObject(before[key])
      ? mergePatchBetween(before[key], value)
      : structuredClone(value);
  }
  return patch;
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "test" | "move" | "copy";
  path: string;
  value?: Json;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) {
    throw new InvalidArgumentError(`Cannot apply JSON patch: invalid path "${pointer}"`);
  }
  return pointer.slice(1).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function walk(doc: Json, tokens: string[], pointer: string): Json {
  let cur = doc;
  for (const token of tokens) {
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(token) && Number(token) < cur.length) {
      cur = cur[Number(token)];
    } else if (isObject(cur) && Object.hasOwn(cur, token)) {
      cur = cur[token];
    } else {
      throw new InvalidArgumentError(`Cannot apply JSON patch: path "${pointer}" does not exist`);
    }
  }
  return cur;
}

function arrayIndex(arr: Json[], token: string, pointer: string, mode: "add" | "read"): number {
  if (mode === "add" && token === "-") return arr.length;
  const max = mode === "add" ? arr.length : arr.length - 1;
  if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) > max) {
    throw new InvalidArgumentError(`Cannot apply JSON patch: bad array index in "${pointer}"`);
  }
  return Number(token);
}

function addAt(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return value;
  const parent = walk(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, "add"), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new InvalidArgumentError(`Cannot apply JSON patch: path "${pointer}" does not exist`);
  return doc;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return undefined;
  const parent = walk(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, "read"), 1);
  else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw new InvalidArgumentError(`Cannot apply JSON patch: path "${pointer}" does not exist`);
  return doc;
}

function applyOperation(doc: Json, op: JsonPatchOperation): Json {
  switch (op.op) {
    case "add":
      return addAt(doc, op.path, structuredClone(op.value));
    case "remove":
      return removeAt(doc, op.path);
    case "replace":
      walk(doc, parsePointer(op.path), op.path);
      return addAt(removeAt(doc, op.path), op.path, structuredClone(op.value));
    case "test":
      if (!deepEqual(walk(doc, parsePointer(op.path), op.path), op.value)) {
        throw new ConflictError(`Cannot apply JSON patch: test of "${op.path}" failed`);
      }
      return doc;
    case "move":
    case "copy": {
      const from = op.from ?? "";
      const value = structuredClone(walk(doc, parsePointer(from), from));
      const base = op.op === "move" ? removeAt(doc, from) : doc;
      return addAt(base, op.path, value);
    }
    default:
      throw new InvalidArgumentError(
        `Cannot apply JSON patch: unknown operation "${(op as { op: string }).op}"`,
      );
  }
}

/**
 * Applies an RFC 6902 JSON patch and returns the result; the target is not changed.
 *
 * @throws {InvalidArgumentError} when an operation is malformed or its path is missing
 * @throws {ConflictError} when a `test` operation fails
 */
export function applyJsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) {
    throw new InvalidArgumentError("Cannot apply JSON patch: the patch is not an array");
  }
  let doc = structuredClone(target);
  for (const op of patch as JsonPatchOperation[]) {
    if (!isObject(op) || typeof op.path !== "string") {
      throw new InvalidArgumentError("Cannot apply JSON patch: an operation has no path");
    }
    doc = applyOperation(doc, op);
  }
  return doc;
}

/** Structural equality of JSON values (key order does not matter). */
export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
