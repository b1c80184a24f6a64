/** Reads and validates `drives.yaml`; every error names the line it was found on. */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { YAMLMap } from "yaml";
import { InvalidArgumentError } from "../errors/mod.ts";
import { INIT_CONFIG_VERSION } from "./init_config.ts";
import type { InitConfig, InitConfigDrive, InitConfigNode } from "./init_config.ts";

/** Makes `YAMLMap.get` return the scalar node (with its range), not its value. */
const KEEP_SCALAR = true;

/** A `drives.yaml` that cannot be used; `line` is 1-based. */
export class InitConfigError extends InvalidArgumentError {
  readonly line: number;
  readonly source: string | undefined;

  constructor(detail: string, where: { line: number; source?: string | undefined }) {
    const name = where.source === undefined ? "" : ` "${where.source}"`;
    super(`Cannot read init config${name} at line ${where.line}: ${detail}`);
    this.line = where.line;
    this.source = where.source;
  }
}

/** Options of {@link readInitConfig}. */
export interface ReadInitConfigOptions {
  /** File name used in error messages. */
  source?: string;
}

const ROOT_KEYS = ["version", "nodes"];
const NODE_KEYS = ["name", "drives"];
const DRIVE_KEYS = ["id", "name", "size", "make", "fs", "select", "force"];
/** A device id as discover writes it: `<major>:<minor>$<base64>`. */
const DEVICE_ID = /^\d+:\d+\$[A-Za-z0-9+/]+={0,2}$/;
/** A Kubernetes node name (a DNS-1123 subdomain). */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

class Reader {
  readonly #lines: LineCounter;
  readonly #source: string | undefined;

  constructor(lines: LineCounter, source: string | undefined) {
    this.#lines = lines;
    this.#source = source;
  }

  lineOf(node: unknown, fallback = 1): number {
    const offset = isNode(node) ? node.range?.[0] : undefined;
    return offset === undefined ? fallback : this.#lines.linePos(offset).line;
  }

  fail(detail: string, line: number): never {
    throw new InitConfigError(detail, { line, source: this.#source });
  }

  /** Checks that `node` is a mapping with only the allowed keys. */
  mapping(node: unknown, what: string, keys: string[], line: number): YAMLMap {
    if (!isMap(node)) this.fail(`${what} must be a mapping`, line);
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const keyLine = this.lineOf(pair.key, line);
      if (typeof key !== "string") this.fail(`${what} has a key that is not a string`, keyLine);
      if (!keys.includes(key)) this.fail(`unknown field "${key}" in ${what}`, keyLine);
    }
    return node;
  }

  string(map: YAMLMap, key: string, opts: { required: boolean; nonEmpty?: boolean }) {
    const line = this.lineOf(map);
    if (!map.has(key)) {
      return opts.required ? this.fail(`missing field "${key}"`, line) : undefined;
    }
    const node = map.get(key, KEEP_SCALAR);
    const value = isScalar(node) ? node.value : node;
    const at = this.lineOf(node, line);
    if (typeof value !== "string") this.fail(`field "${key}" must be a string`, at);
    if (opts.nonEmpty && value === "") this.fail(`field "${key}" must not be empty`, at);
    return value;
  }

  size(map: YAMLMap): number {
    const line = this.lineOf(map);
    if (!map.has("size")) this.fail(`missing field "size"`, line);
    const node = map.get("size", KEEP_SCALAR);
    const value = isScalar(node) ? node.value : node;
    const at = this.lineOf(node, line);
    if (typeof value !== "bigint" || value < 0n) {
      this.fail(`field "size" must be a non-negative whole number of bytes`, at);
    }
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`field "size" is too large`, at);
    return Number(value);
  }
}

/** A value as messages show it: control characters escaped, at most 80 characters. */
function shown(value: string): string {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}...` : escaped;
}

/**
 * The items of list `field` of `parent`, each read by `read` (an absent or null field is an
 * empty list); a second item with the same `key` fails at that key's line.
 */
function readUniqueList<K extends string, T extends Record<K, string>>(
  r: Reader,
  parent: YAMLMap,
  spec: {
    field: string;
    /** The line a list that is not one is reported at when it has none. */
    line: number;
    key: K;
    read: (r: Reader, item: unknown, line: number) => T;
    duplicate: (value: string) => string;
  },
): T[] {
  const list = parent.get(spec.field, KEEP_SCALAR);
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) r.fail(`field "${spec.field}" must be a list`, r.lineOf(list, spec.line));
  const items: T[] = [];
  const seen = new Set<string>();
  for (const item of list.items) {
    const at = r.lineOf(item, r.lineOf(list));
    const value = spec.read(r, item, at);
    if (seen.has(value[spec.key])) {
      const keyLine = r.lineOf((item as YAMLMap).get(spec.key, KEEP_SCALAR), at);
      r.fail(spec.duplicate(value[spec.key]), keyLine);
    }
    seen.add(value[spec.key]);
    items.push(value);
  }
  return items;
}

function readDrive(r: Reader, node: unknown, line: number): InitConfigDrive {
  const map = r.mapping(node, "drive", DRIVE_KEYS, line);
  const id = r.string(map, "id", { required: true, nonEmpty: true }) as string;
  if (!DEVICE_ID.test(id)) {
    r.fail(`invalid drive id "${shown(id)}": it must be <major>:<minor>$<hash>`, line);
  }
  const name = r.string(map, "name", { required: true, nonEmpty: true }) as string;
  const size = r.size(map);
  const make = r.string(map, "make", { required: true }) as string;
  const fs = r.string(map, "fs", { required: false });
  const select = r.string(map, "select", { required: false });
  const force = r.string(map, "force", { required: false });
  return {
    id,
    name,
    size,
    make,
    ...(fs !== undefined ? { fs } : {}),
    ...(select !== undefined ? { select } : {}),
    ...(force !== undefined ? { force } : {}),
  };
}

function readNode(r: Reader, node: unknown, line: number): InitConfigNode {
  const map = r.mapping(node, "node", NODE_KEYS, line);
  const name = r.string(map, "name", { required: true, nonEmpty: true }) as string;
  if (name.length > 253 || !NODE_NAME.test(name)) {
    r.fail(`invalid node name "${shown(name)}": it must be a Kubernetes node name`, line);
  }
  const drives = readUniqueList(r, map, {
    field: "drives",
    line,
    key: "id",
    read: readDrive,
    duplicate: (id) => `duplicate drive id "${id}" on node "${name}"`,
  });
  return drives.length > 0 ? { name, drives } : { name };
}

function readNodes(r: Reader, root: YAMLMap): InitConfigNode[] {
  return readUniqueList(r, root, {
    field: "nodes",
    line: r.lineOf(root),
    key: "name",
    read: readNode,
    duplicate: (name) => `duplicate node name "${name}"`,
  });
}

function readVersion(r: Reader, contents: unknown): YAMLMap {
  if (!isMap(contents)) r.fail('expected a mapping with "version" and "nodes"', 1);
  if (!contents.has("version")) r.fail(`missing field "version"`, r.lineOf(contents));
  const node = contents.get("version", KEEP_SCALAR);
  if (!isScalar(node)) r.fail(`field "version" must be a string`, r.lineOf(node));
  if (node.value !== INIT_CONFIG_VERSION) {
    r.fail(`unsupported init config version "${String(node.value)}"`, r.lineOf(node));
  }
  return r.mapping(contents, "init config", ROOT_KEYS, 1);
}

/**
 * Parses `drives.yaml` text. Rejects bad YAML, versions other than `v1`, missing or
 * mistyped fields, unknown fields, duplicate node names and duplicate drive ids on a node.
 *
 * @throws {InitConfigError} (an InvalidArgumentError) naming the line of the problem
 */
export function readInitConfig(text: string, options: ReadInitConfigOptions = {}): InitConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    intAsBigInt: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const r = new Reader(lines, options.source);
  const error = doc.errors[0];
  if (error) r.fail(`invalid YAML: ${error.message}`, lines.linePos(error.pos[0]).line);
  if (doc.contents === null) r.fail("the file is empty", 1);
  const root = readVersion(r, doc.contents);
  return { version: INIT_CONFIG_VERSION, nodes: readNodes(r, root) };
}
