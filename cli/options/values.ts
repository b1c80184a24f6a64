/**
 * Validation of selector flag values (reference §1.2). Every function throws UsageError with
 * a message naming the bad value.
 */
import { expandEllipsis } from "../../lib/ellipsis/mod.ts";
import { isQualifiedName, labelKeyOf } from "../../lib/admin/mod.ts";
import {
  DRIVE_STATUSES,
  type DriveStatus,
  isValidLabelValue,
  LOWER_UUID,
  VOLUME_STATUSES,
  type VolumeStatus,
} from "../../lib/types/mod.ts";
import { UsageError } from "../exit_codes.ts";

/** Commander collector for string-slice flags: repeatable and comma-separated. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",")];
}

function expand(value: string): string[] {
  try {
    return expandEllipsis(value);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function expandAll(values: readonly string[], what: string): string[] {
  const out: string[] = [];
  for (const raw of values) {
    const value = raw.trim();
    if (value === "") throw new UsageError(`Empty ${what}`);
    out.push(...expand(value));
  }
  return [...new Set(out)];
}

/** `--nodes`: trimmed, non-empty, ellipsis-expanded. */
export function parseNodes(values: readonly string[]): string[] {
  return expandAll(values, "node name");
}

/** `--drives`: a leading `/dev/` is dropped; non-empty; ellipsis-expanded. */
export function parseDriveNames(values: readonly string[]): string[] {
  return expandAll(values.map((v) => v.trim().replace(/^\/dev\//, "")), "drive name");
}

/** `--pod-names`. */
export function parsePodNames(values: readonly string[]): string[] {
  return expandAll(values, "pod name");
}

/** `--pod-namespaces`. */
export function parsePodNamespaces(values: readonly string[]): string[] {
  return expandAll(values, "pod namespace");
}

/** Drive ids (`--drive-id`, `--ids`, positional): lowercase UUIDs. */
export function parseDriveIds(values: readonly string[]): string[] {
  return [
    ...new Set(values.map((raw) => {
      const value = raw.trim();
      if (value === "") throw new UsageError("Empty drive ID");
      if (!LOWER_UUID.test(value)) throw new UsageError(`Invalid drive ID "${value}"`);
      return value;
    })),
  ];
}

/** Volume names (positional, `--ids` of `label volumes`): non-empty. */
export function parseVolumeNames(values: readonly string[]): string[] {
  return [
    ...new Set(values.map((raw) => {
      const value = raw.trim();
      if (value === "") throw new UsageError("Empty volume name");
      return value;
    })),
  ];
}

function parseStatuses<S extends string>(
  values: readonly string[],
  known: readonly S[],
  noun: string,
): S[] {
  return [
    ...new Set(values.map((raw) => {
      const lower = raw.trim().toLowerCase();
      const status = known.find((s) => s.toLowerCase() === lower);
      if (!status) {
        throw new UsageError(
          `Unknown ${noun} status "${raw}"; valid values are ${
            known.map((s) => s.toLowerCase()).sort().join("|")
          }`,
        );
      }
      return status;
    })),
  ];
}

/** The drive statuses `--status` accepts (`repairing` is not one of them). */
export const SELECTABLE_DRIVE_STATUSES: readonly DriveStatus[] = DRIVE_STATUSES.filter((s) =>
  s !== "Repairing"
);

/** `--status` of drive commands: error|lost|moving|ready|removed, any case. */
export function parseDriveStatuses(values: readonly string[]): DriveStatus[] {
  return parseStatuses(values, SELECTABLE_DRIVE_STATUSES, "drive");
}

/** `--status` of volume commands: pending|ready, any case. */
export function parseVolumeStatuses(values: readonly string[]): VolumeStatus[] {
  return parseStatuses(values, VOLUME_STATUSES, "volume");
}

/**
 * `--labels k=v,…`: each `k=v` with a valid key and value; keys get the
 * `directpv.min.io/` prefix as `label` gives them.
 */
export function parseLabelSelectors(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of values) {
    const parts = raw.split("=");
    if (parts.length !== 2 || parts[0] === "") {
      throw new UsageError(`Invalid label "${raw}"; expected key=value`);
    }
    const [key = "", value = ""] = parts;
    const full = labelKeyOf(key);
    if (!isQualifiedName(full)) throw new UsageError(`Invalid label key "${key}" in "${raw}"`);
    if (!isValidLabelValue(value)) {
      throw new UsageError(`Invalid label value "${value}" in "${raw}"`);
    }
    out[full] = value;
  }
  return out;
}

const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)/g;
const DURATION = /^(?:[0-9]+(?:\.[0-9]+)?(?:ms|h|m|s))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations (`2m0s`, `90s`, `1h30m`, `500ms`) in milliseconds; must be positive. */
export function parseDuration(text: string): number {
  const value = text.trim();
  if (!DURATION.test(value)) {
    throw new UsageError(`Invalid duration "${text}"; expected a value such as 2m0s, 90s or 1h`);
  }
  let ms = 0;
  for (const m of value.matchAll(DURATION_PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
  if (ms <= 0) throw new UsageError(`Invalid duration "${text}": must be positive`);
  return Math.round(ms);
}
