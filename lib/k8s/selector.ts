/**
 * Label and field selectors: parsing, matching and formatting, shared by the REST client,
 * the informer and the in-memory fake.
 */
import { InvalidArgumentError } from "../errors/mod.ts";
import type { Selector } from "./types.ts";

/** Operator of one selector requirement. */
export type SelectorOperator =
  | "="
  | "!="
  | "in"
  | "notin"
  | "exists"
  | "!"
  | "gt"
  | "lt";

/** One requirement of a label selector; requirements are ANDed. */
export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

const KEY_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function bad(selector: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid label selector "${selector}": ${why}`);
}

function checkKey(selector: string, key: string): string {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && KEY_PREFIX.test(prefix));
  if (!prefixOk || !KEY_NAME.test(name)) throw bad(selector, `invalid key "${key}"`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw bad(selector, `invalid value "${value}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) throw bad(selector, "unbalanced parentheses");
  }
  if (depth !== 0) throw bad(selector, "unbalanced parentheses");
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim());
}

const SET_TERM = /^(\S+)\s+(in|notin)\s*\((.*)\)$/;
const CMP_TERM = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(.*)$/;

function parseTerm(selector: string, term: string): Requirement {
  if (term === "") throw bad(selector, "empty requirement");
  const set = SET_TERM.exec(term);
  if (set) {
    const values = (set[3] ?? "").split(",").map((v) => checkValue(selector, v.trim()));
    return {
      key: checkKey(selector, set[1] ?? ""),
      operator: set[2] as "in" | "notin",
      values,
    };
  }
  const cmp = CMP_TERM.exec(term);
  if (cmp) {
    const key = checkKey(selector, cmp[1] ?? "");
    const value = (cmp[3] ?? "").trim();
    const op = cmp[2];
    if (op === "<" || op === ">") {
      if (!/^-?[0-9]+$/.test(value)) throw bad(selector, `"${value}" is not an integer`);
      return { key, operator: op === "<" ? "lt" : "gt", values: [value] };
    }
    return { key, operator: op === "!=" ? "!=" : "=", values: [checkValue(selector, value)] };
  }
  if (term.startsWith("!")) {
    return { key: checkKey(selector, term.slice(1).trim()), operator: "!", values: [] };
  }
  if (/\s/.test(term)) throw bad(selector, `cannot parse "${term}"`);
  return { key: checkKey(selector, term), operator: "exists", values: [] };
}

const PARSED = new Map<string, Requirement[]>();
const PARSED_LIMIT = 256;

/**
 * Parses a label selector (`k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 * `k>1`, `k<1`; commas AND the terms). A map means key equals value for every entry.
 *
 * @throws {InvalidArgumentError} naming the selector when the syntax is wrong
 */
export function parseSelector(selector: Selector): Requirement[] {
  if (typeof selector !== "string") {
    return Object.entries(selector).map(([k, v]) => {
      const text = `${k}=${v}`;
      return { key: checkKey(text, k), operator: "=", values: [checkValue(text, v)] };
    });
  }
  const cached = PARSED.get(selector);
  if (cached) return cached;
  const text = selector.trim();
  const reqs = text === "" ? [] : splitTerms(text).map((t) => parseTerm(selector, t));
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  PARSED.set(selector, reqs);
  return reqs;
}

function matchesRequirement(labels: Record<string, string>, req: Requirement): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.operator) {
    case "=":
      return has && value === req.values[0];
    case "!=":
      return !has || value !== req.values[0];
    case "in":
      return has && req.values.includes(value as string);
    case "notin":
      return !has || !req.values.includes(value as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^-?[0-9]+$/.test(value as string)) return false;
      const diff = Number(value) - Number(req.values[0]);
      return req.operator === "gt" ? diff > 0 : diff < 0;
    }
  }
}

/** Whether a label set satisfies every requirement of the selector (undefined matches all). */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: Selector | Requirement[] | undefined,
): boolean {
  if (selector === undefined) return true;
  const reqs = Array.isArray(selector) ? selector : parseSelector(selector);
  const set = labels ?? {};
  return reqs.every((r) => matchesRequirement(set, r));
}

function formatRequirement(req: Requirement): string {
  switch (req.operator) {
    case "=":
    case "!=":
      return `${req.key}${req.operator}${req.values[0] ?? ""}`;
    case "in":
    case "notin":
      return `${req.key} ${req.operator} (${req.values.join(",")})`;
    case "exists":
      return req.key;
    case "!":
      return `!${req.key}`;
    case "gt":
      return `${req.key}>${req.values[0] ?? ""}`;
    case "lt":
      return `${req.key}<${req.values[0] ?? ""}`;
  }
}

/**
 * The canonical text of a selector, as sent in `?labelSelector=`.
 *
 * @throws {InvalidArgumentError} when the selector does not parse
 * @example formatSelector({ a: "1", b: "2" }) === "a=1,b=2"
 */
export function formatSelector(selector: Selector | Requirement[]): string {
  const reqs = Array.isArray(selector) ? selector : parseSelector(selector);
  return reqs.map(formatRequirement).join(",");
}

/** One term of a field selector: `path=value`, `path==value` or `path!=value`. */
export interface FieldRequirement {
  path: string;
  negate: boolean;
  value: string;
}

/**
 * Parses a field selector such as `metadata.name=x,spec.nodeName!=n1`.
 *
 * @throws {InvalidArgumentError} naming the selector when the syntax is wrong
 */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (selector.trim() === "") return [];
  return selector.split(",").map((term) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) {
      throw new InvalidArgumentError(
        `Invalid field selector "${selector}": cannot parse "${term.trim()}"`,
      );
    }
    return { path: m[1] as string, negate: m[2] === "!=", value: m[3] as string };
  });
}

function fieldValue(object: unknown, path: string): string {
  let cur: unknown = object;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? "" : String(cur);
}

/** Whether an object satisfies a field selector; fields are read by dotted path. */
export function matchesFieldSelector(object: unknown, selector: string | undefined): boolean {
  if (selector === undefined) return true;
  return parseFieldSelector(selector).every((req) =>
    (fieldValue(object, req.path) === req.value) !== req.negate
  );
}
