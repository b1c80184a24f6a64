/** `label drives|volumes` (reference §1.9): set or remove user labels. */
import { type KubeClient, UNCHANGED } from "../k8s/mod.ts";
import { InvalidArgumentError } from "../errors/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  GROUP,
  isReservedLabelKey,
  isValidLabelValue,
  type KubeObject,
} from "../types/mod.ts";
import type { DriveQuery, VolumeQuery } from "./listers.ts";
import type { WriteRunOptions } from "./types.ts";
import { DRIVES, type SelectedKind, updateSelected, VOLUMES } from "./update_matching.ts";

/** One label change: set `key` to `value`, or remove `key` when `value` is undefined. */
export interface LabelChange {
  key: string;
  value?: string;
}

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `key` is a Kubernetes qualified name (`[prefix/]name`). */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= 253 && SUBDOMAIN.test(prefix));
}

/** Prefixes a key with `directpv.min.io/` unless it already starts with `directpv.min.io`. */
export function labelKeyOf(key: string): string {
  return key.startsWith(GROUP) ? key : `${GROUP}/${key}`;
}

function parseOne(arg: string): LabelChange {
  const eq = arg.indexOf("=");
  if (eq < 0) {
    if (!arg.endsWith("-")) {
      throw new InvalidArgumentError(`Argument "${arg}" must end with '-' to remove label`);
    }
    return { key: arg.slice(0, -1) };
  }
  if (eq === 0 || arg.indexOf("=", eq + 1) >= 0) {
    throw new InvalidArgumentError(`Argument "${arg}" must be formatted k=v or k-`);
  }
  return { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
}

/**
 * Parses `k=v` (set) and `k-` (remove) arguments into label changes with full keys.
 *
 * @throws {InvalidArgumentError} on a malformed argument, an invalid key or value, or a
 *   reserved key
 * @example parseLabelArgs(["tier=hot"]) // [{ key: "directpv.min.io/tier", value: "hot" }]
 */
export function parseLabelArgs(args: readonly string[]): LabelChange[] {
  if (args.length === 0) throw new InvalidArgumentError("At least one label must be provided");
  return args.map((arg) => {
    const change = parseOne(arg);
    const key = labelKeyOf(change.key);
    if (change.key === "" || !isQualifiedName(key)) {
      throw new InvalidArgumentError(`Invalid label key "${change.key}" in argument "${arg}"`);
    }
    if (change.value !== undefined && !isValidLabelValue(change.value)) {
      throw new InvalidArgumentError(`Invalid label value "${change.value}" in argument "${arg}"`);
    }
    if (isReservedLabelKey(key)) {
      throw new InvalidArgumentError(
        `Cannot ${change.value === undefined ? "remove" : "use"} reserved key "${key}"`,
      );
    }
    return change.value === undefined ? { key } : { key, value: change.value };
  });
}

/** Applies label changes to an object's labels; reports whether anything changed. */
export function applyLabelChanges(object: KubeObject, changes: readonly LabelChange[]): boolean {
  const labels = { ...object.metadata.labels };
  let changed = false;
  for (const { key, value } of changes) {
    if (value === undefined) {
      if (key in labels) {
        delete labels[key];
        changed = true;
      }
    } else if (labels[key] !== value) {
      labels[key] = value;
      changed = true;
    }
  }
  object.metadata.labels = labels;
  return changed;
}

function labelObjects<T extends KubeObject, Q>(
  kind: SelectedKind<T, Q>,
  kube: KubeClient,
  args: WriteRunOptions & { query: Q; changes: readonly LabelChange[] },
): Promise<T[]> {
  const { changes } = args;
  return updateSelected(
    kind,
    kube,
    args,
    (object) => applyLabelChanges(object, changes) ? undefined : UNCHANGED,
    (object) =>
      changes.map(({ key, value }) =>
        value === undefined
          ? `Label '${key}' successfully removed from ${kind.describe(object)}`
          : `Label '${key}:${value}' successfully set on ${kind.describe(object)}`
      ),
  );
}

/** Arguments of {@link labelDrives}. */
export interface LabelDrivesArgs extends WriteRunOptions {
  query: DriveQuery;
  changes: readonly LabelChange[];
}

/** Arguments of {@link labelVolumes}. */
export interface LabelVolumesArgs extends WriteRunOptions {
  query: VolumeQuery;
  changes: readonly LabelChange[];
}

/**
 * Sets or removes labels on the selected drives; returns the drives it changed.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 */
export function labelDrives(kube: KubeClient, args: LabelDrivesArgs): Promise<DirectPVDrive[]> {
  return labelObjects(DRIVES, kube, args);
}

/**
 * Sets or removes labels on the selected volumes; returns the volumes it changed.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 */
export function labelVolumes(kube: KubeClient, args: LabelVolumesArgs): Promise<DirectPVVolume[]> {
  return labelObjects(VOLUMES, kube, args);
}
