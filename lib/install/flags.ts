/** Parsing of install's `--node-selector` and `--tolerations` values (reference §1.4). */
import { InvalidArgumentError } from "../errors/mod.ts";
import type { TaintEffect, Toleration } from "./k8s_objects.ts";

const NODE_SELECTOR_HINT = "format of '--node-selector' flag value must be [<key>=<value>]";
const TOLERATION_HINT =
  "format of '--tolerations' flag value must be <key>[=value]:<NoSchedule|PreferNoSchedule|NoExecute>";
const EFFECTS: readonly string[] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/**
 * Parses `KEY=VALUE` node-selector items; a later key wins.
 *
 * @throws {InvalidArgumentError} `invalid node selector value X; …` (not exactly one `=`)
 *   or `invalid key in node selector value X; …` (empty key)
 * @example parseNodeSelector(["disk=nvme"]) // { disk: "nvme" }
 */
export function parseNodeSelector(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const tokens = value.split("=");
    if (tokens.length !== 2) {
      throw new InvalidArgumentError(`invalid node selector value ${value}; ${NODE_SELECTOR_HINT}`);
    }
    const [key = "", val = ""] = tokens;
    if (key === "") {
      throw new InvalidArgumentError(
        `invalid key in node selector value ${value}; ${NODE_SELECTOR_HINT}`,
      );
    }
    out[key] = val;
  }
  return out;
}

function tolerationError(what: string, value: string): InvalidArgumentError {
  return new InvalidArgumentError(`${what} ${value}; ${TOLERATION_HINT}`);
}

function parseToleration(value: string): Toleration {
  const eq = value.indexOf("=");
  let key: string;
  let val = "";
  let effect = "";
  if (eq < 0) {
    const parts = value.split(":");
    if (parts.length > 2) throw tolerationError("invalid toleration", value);
    [key = "", effect = ""] = parts;
  } else {
    key = value.slice(0, eq);
    val = value.slice(eq + 1);
  }
  if (key === "") throw tolerationError("invalid key in toleration", value);
  if (val !== "") {
    const parts = val.split(":");
    if (parts.length !== 2) throw tolerationError("invalid value in toleration", value);
    [val = "", effect = ""] = parts;
  }
  if (!EFFECTS.includes(effect)) {
    throw tolerationError("invalid toleration effect in toleration", value);
  }
  return val === ""
    ? { key, operator: "Exists", effect: effect as TaintEffect }
    : { key, operator: "Equal", value: val, effect: effect as TaintEffect };
}

/**
 * Parses `KEY=VALUE:EFFECT` (operator Equal) and `KEY:EFFECT` (operator Exists) items.
 * The effect is mandatory: `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
 *
 * @throws {InvalidArgumentError} `invalid toleration X`, `invalid key in toleration X`,
 *   `invalid value in toleration X` or `invalid toleration effect in toleration X`, each
 *   followed by the format hint
 */
export function parseTolerations(values: readonly string[]): Toleration[] {
  return values.map(parseToleration);
}
