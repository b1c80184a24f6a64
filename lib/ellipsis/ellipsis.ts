/**
 * Ellipsis expansion for selector arguments, compatible with DirectPV's `pkg/ellipsis`:
 * `node{1...4}`, `sd{a...f}`, `{az...bc}`, several ranges give a cartesian product.
 */
import { InvalidArgumentError } from "../errors/mod.ts";

/** Largest value a range bound may have (DirectPV parses bounds as uint64). */
const MAX_BOUND = 2n ** 64n - 1n;
/** Upper limit on the number of values one argument may expand to. */
export const MAX_EXPANSION = 1_000_000;

const NUMERIC = /^[0-9]+$/;
const ALPHA = /^[a-z]+$/;

interface Range {
  /** First value, inclusive. */
  start: bigint;
  /** Last value, inclusive. */
  end: bigint;
  alpha: boolean;
  /** Literal text between the previous range (or the start) and this one. */
  prefix: string;
}

/** `a`→1, `z`→26, `aa`→27: bijective base 26 with lowercase letters. */
function alphaToNumber(text: string): bigint {
  let value = 0n;
  for (const ch of text) value = value * 26n + BigInt(ch.charCodeAt(0) - 96);
  return value;
}

function numberToAlpha(value: bigint): string {
  let out = "";
  let rest = value;
  while (rest > 0n) {
    const digit = (rest - 1n) % 26n;
    out = String.fromCharCode(97 + Number(digit)) + out;
    rest = (rest - 1n) / 26n;
  }
  return out;
}

function formatValue(value: bigint, alpha: boolean): string {
  return alpha ? numberToAlpha(value) : value.toString();
}

/** Parses one bound; undefined when it is neither a uint64 number nor lowercase letters. */
function parseBound(text: string): { value: bigint; alpha: boolean } | undefined {
  if (NUMERIC.test(text)) {
    const value = BigInt(text);
    return value <= MAX_BOUND ? { value, alpha: false } : undefined;
  }
  if (ALPHA.test(text)) return { value: alphaToNumber(text), alpha: true };
  return undefined;
}

/** UTF-8 byte length, so positions match DirectPV's byte offsets. */
function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function fail(arg: string, detail: string): never {
  throw new InvalidArgumentError(`${arg}: ${detail}`);
}

/** Parses the `{start...end}` found at `[open, close]` (JS indices, both braces included). */
function parseRange(arg: string, open: number, close: number, prefix: string): Range {
  const pattern = arg.slice(open, close + 1);
  const at = byteLength(arg.slice(0, open));
  const tokens = pattern.slice(1, -1).split("...");
  if (tokens.length !== 2) fail(arg, `invalid ellipsis ${pattern} at ${at}`);
  const [first = "", last = ""] = tokens;
  const start = parseBound(first);
  if (!start) fail(arg, `invalid start value '${first}' in ellipsis ${pattern} at ${at}`);
  const end = parseBound(last);
  if (!end) fail(arg, `invalid end value '${last}' in ellipsis ${pattern} at ${at}`);
  if (start.alpha !== end.alpha) {
    fail(arg, `invalid ellipsis ${pattern} at ${at}; start/end must be same kind`);
  }
  const [low, high] = start.value <= end.value
    ? [start.value, end.value]
    : [end.value, start.value];
  return { start: low, end: high, alpha: start.alpha, prefix };
}

/** Finds every closed `{...}` of the argument; the text after the last one is the suffix. */
function findRanges(arg: string): { ranges: Range[]; suffix: string } {
  const ranges: Range[] = [];
  let open = -1;
  let literalStart = 0;
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i];
    if (ch === "{") {
      if (open >= 0) fail(arg, `nested ellipsis pattern at ${byteLength(arg.slice(0, i)) + 1}`);
      open = i;
    } else if (ch === "}") {
      if (open < 0) fail(arg, `invalid ellipsis pattern at ${byteLength(arg.slice(0, i)) + 1}`);
      ranges.push(parseRange(arg, open, i, arg.slice(literalStart, open)));
      literalStart = i + 1;
      open = -1;
    }
  }
  return { ranges, suffix: arg.slice(literalStart) };
}

/**
 * Expands every `{start...end}` range of an argument. Ranges are numeric (no zero padding)
 * or lowercase alphabetic in bijective base 26 (`{y...ab}` → y, z, aa, ab); a reversed range
 * is swapped; several ranges give a cartesian product with the leftmost varying slowest. An
 * unclosed `{` is literal text. Error messages begin with the argument, as DirectPV's do.
 *
 * @throws {InvalidArgumentError} on a nested `{`, a stray `}`, a range without exactly one
 *   `...`, a bad bound, bounds of different kinds, or more than {@link MAX_EXPANSION} values
 * @example expandEllipsis("node{1...3}") // ["node1", "node2", "node3"]
 */
export function expandEllipsis(arg: string): string[] {
  const { ranges, suffix } = findRanges(arg);
  if (ranges.length === 0) return [arg];
  const total = ranges.reduce((n, r) => n * (r.end - r.start + 1n), 1n);
  if (total > BigInt(MAX_EXPANSION)) {
    fail(arg, `ellipsis expands to more than ${MAX_EXPANSION} values`);
  }
  let results = [""];
  for (const range of ranges) {
    const next: string[] = [];
    for (const head of results) {
      for (let v = range.start; v <= range.end; v++) {
        next.push(head + range.prefix + formatValue(v, range.alpha));
      }
    }
    results = next;
  }
  return results.map((value) => value + suffix);
}
