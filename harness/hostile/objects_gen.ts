/**
 * DirectPVDrive, DirectPVVolume and DirectPVNode objects as a third party might write them:
 * a well-formed object (lib/admin/testing.ts) with one to three fields mutated — a wrong
 * type, a missing field, a huge, negative or fractional number, an unknown enum value, odd
 * unicode, a label gone. The API server refuses some (schema); the rest reach our readers.
 */
import { makeDrive, makeNode, makeVolume } from "../../lib/admin/testing.ts";
import { type KubeObject, LABELS } from "../../lib/types/mod.ts";
import type { Rng } from "./rng.ts";

/** The node hostile object `i` names (its own, so cases never see each other's capacity). */
export function hostileNode(i: number): string {
  return `hostile-node-${i}`;
}

/** One generated object and what was done to it. */
export interface HostileObject {
  kind: "drive" | "volume" | "node";
  object: KubeObject;
  mutations: string[];
}

const DRIVE_PATHS: readonly Field[] = [
  ["status", "object"],
  ["status.totalCapacity", "int"],
  ["status.freeCapacity", "int"],
  ["status.allocatedCapacity", "int"],
  ["status.status", "string"],
  ["status.topology", "map"],
  [`status.topology.${LABELS.node}`, "string"],
  ["status.fsuuid", "string"],
  ["status.make", "string"],
  ["status.conditions", "list"],
  ["spec", "object"],
  ["spec.unschedulable", "bool"],
  ["metadata.labels", "map"],
  [`metadata.labels.${LABELS.node}`, "label"],
  [`metadata.labels.${LABELS.driveName}`, "label"],
  [`metadata.labels.${LABELS.accessTier}`, "label"],
  ["metadata.finalizers", "list"],
];
const VOLUME_PATHS: readonly Field[] = [
  ["status", "object"],
  ["status.totalCapacity", "int"],
  ["status.usedCapacity", "int"],
  ["status.availableCapacity", "int"],
  ["status.status", "string"],
  ["status.fsuuid", "string"],
  ["status.dataPath", "string"],
  ["status.targetPath", "string"],
  ["status.stagingTargetPath", "string"],
  ["metadata.labels", "map"],
  [`metadata.labels.${LABELS.drive}`, "label"],
  [`metadata.labels.${LABELS.node}`, "label"],
  [`metadata.labels.${LABELS.driveName}`, "label"],
  ["metadata.finalizers", "list"],
];
const NODE_PATHS: readonly Field[] = [
  ["status", "object"],
  ["status.devices", "list"],
  ["status.devices.0", "object"],
  ["status.devices.0.size", "int"],
  ["status.devices.0.name", "string"],
  ["status.devices.0.id", "string"],
  ["status.devices.0.majorMinor", "string"],
  ["status.devices.0.deniedReason", "string"],
  ["status.devices.0.fsType", "string"],
  ["spec", "object"],
  ["spec.refresh", "bool"],
  ["metadata.labels", "map"],
];

type FieldType = "int" | "string" | "label" | "bool" | "map" | "list" | "object";
/** A dotted path and the type the schema gives it. */
type Field = readonly [string, FieldType];

type Hostile = { value: unknown; what: string };

/** Values of the field's own type that a reader may still choke on. */
const SAME_TYPE: Record<FieldType, (rng: Rng, corpus: readonly string[]) => Hostile> = {
  int: (rng) =>
    rng.pick([
      { value: -1 - rng.int(1e6), what: "negative" },
      { value: rng.pick([2 ** 53 + 1, 2 ** 62, 9.2e18]), what: "huge" },
      { value: 0, what: "zero" },
      { value: Number.MAX_SAFE_INTEGER, what: "max safe integer" },
    ]),
  string: (rng, corpus) =>
    rng.pick([
      { value: rng.pick(["Exploded", "ready", "", "READY", "Ready "]), what: "unknown enum" },
      { value: rng.pick(corpus), what: "corpus value" },
      { value: "\u202e\u0000💾 ｄｒｉｖｅ", what: "unicode" },
      { value: "x".repeat(5000), what: "5000 characters" },
    ]),
  label: (rng) =>
    rng.pick([
      { value: "", what: "empty label" },
      { value: "Exploded", what: "unknown label value" },
      { value: "a".repeat(63), what: "63-character label" },
    ]),
  bool: () => ({ value: true, what: "true" }),
  map: (rng) =>
    rng.pick([
      { value: {}, what: "empty map" },
      { value: { "example.com/odd": "1" }, what: "a foreign key" },
    ]),
  list: (rng) =>
    rng.pick([
      { value: [], what: "empty list" },
      { value: [{}], what: "a list of an empty object" },
    ]),
  object: () => ({ value: {}, what: "empty object" }),
};

/** Values of another type, or none: mostly refused by the schema. */
function otherType(rng: Rng): Hostile {
  return rng.pick<Hostile>([
    { value: undefined, what: "missing" },
    { value: null, what: "null" },
    { value: "12Gi", what: "a string" },
    { value: false, what: "a boolean" },
    { value: { nested: 1 }, what: "an object" },
    { value: [1, "two"], what: "an array" },
    { value: 1.5, what: "fractional" },
    { value: 1e300, what: "beyond int64" },
  ]);
}

/** A hostile value for a field: three times in four of its own type. */
function hostileValue(rng: Rng, corpus: readonly string[], type: FieldType): Hostile {
  return rng.int(4) === 0 ? otherType(rng) : SAME_TYPE[type](rng, corpus);
}

/** Sets (or, for undefined, deletes) the dotted `path` of `object`, creating parents. */
function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = splitPath(path);
  let at: Record<string, unknown> = object;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (next === null || typeof next !== "object") at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  const last = keys.at(-1) ?? "";
  if (value === undefined) delete at[last];
  else at[last] = value;
}

/** Dotted path keys; a label key such as `directpv.min.io/node` stays whole. */
function splitPath(path: string): string[] {
  const m = /^(metadata\.labels|status\.topology)\.(.+)$/.exec(path);
  if (m) return [...(m[1] ?? "").split("."), m[2] ?? ""];
  return path.split(".");
}

function base(kind: HostileObject["kind"], run: string, i: number): KubeObject {
  const id = `${run}-${i.toString(16).padStart(4, "0")}-4000-8000-${"0".repeat(12)}`;
  if (kind === "drive") {
    return makeDrive({ id, node: hostileNode(i), name: `sd${i}`, volumes: [`pvc-${run}-${i}`] });
  }
  if (kind === "volume") {
    return makeVolume({
      name: `pvc-${run}-${i}`,
      driveId: id,
      node: hostileNode(i),
      driveName: "sdb",
    });
  }
  return makeNode(`${hostileNode(i)}-${run}`, [{
    id: "8:16",
    majorMinor: "8:16",
    name: "sdb",
    size: 10 * 2 ** 30,
    make: "ACME",
    fsType: "",
    fsuuid: "",
    deniedReason: "",
  }]);
}

/** Object `i` of a run: a kind, its base and one to three hostile mutations. */
export function hostileObject(
  rng: Rng,
  corpus: readonly string[],
  run: string,
  i: number,
): HostileObject {
  const kind = rng.pick(["drive", "drive", "volume", "volume", "node"] as const);
  const object = base(kind, run, i);
  const paths = kind === "drive" ? DRIVE_PATHS : kind === "volume" ? VOLUME_PATHS : NODE_PATHS;
  const mutations: string[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const [path, type] = rng.pick(paths);
    const { value, what } = hostileValue(rng, corpus, type);
    setPath(object as unknown as Record<string, unknown>, path, value);
    mutations.push(`${path}: ${what}`);
  }
  return { kind, object, mutations };
}
