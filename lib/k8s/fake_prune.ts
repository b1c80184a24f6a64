/**
 * Structural pruning as kube-apiserver applies it to custom resources: fields the CRD schema
 * does not declare are dropped (not refused) on every write, so the fake stores what the
 * real server stores. The schemas are the ones install puts in the CRDs (lib/types).
 */
import { crdSchemas, GROUP, type JSONSchemaProps } from "../types/mod.ts";
import { groupOf, type KindInfo } from "./kinds.ts";
import type { AnyObject } from "./types.ts";

type Json = Record<string, unknown>;

const PRESERVE = "x-kubernetes-preserve-unknown-fields";

/** The fields of `metav1.ObjectMeta`: the server decodes metadata into it and drops the rest. */
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/** Fields at a resource's root that the server keeps whatever the schema says. */
const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

const SCHEMAS: ReadonlyMap<string, JSONSchemaProps> = new Map(
  crdSchemas().map(({ plural, schema }) => [plural, schema]),
);

function isMap(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The CRD schema of a kind, or undefined when the kind is not one of ours. */
export function schemaOf(info: KindInfo): JSONSchemaProps | undefined {
  return groupOf(info.apiVersion) === GROUP ? SCHEMAS.get(info.plural) : undefined;
}

/**
 * Prunes `value` in place by `schema`; `undefined` stands for "no schema here", under which
 * maps lose every field (as in apiextensions' algorithm). Under
 * `x-kubernetes-preserve-unknown-fields` unknown fields stay, known ones are still pruned.
 */
function prune(value: unknown, schema: JSONSchemaProps | undefined, preserved = false): void {
  const preserve = preserved || schema?.[PRESERVE] === true;
  if (Array.isArray(value)) {
    for (const item of value) prune(item, schema?.items, preserve && !schema?.items);
    return;
  }
  if (!isMap(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const known = schema?.properties?.[key] ?? schema?.additionalProperties;
    if (known) prune(child, known);
    else if (!preserve) delete value[key];
  }
}

/** Drops what the server would not store: unknown fields and unknown metadata fields. */
export function pruneObject(info: KindInfo, object: AnyObject): AnyObject {
  const schema = schemaOf(info);
  return schema ? pruneResource(schema, object) : object;
}

/** Prunes a whole resource by its root schema; apiVersion, kind and metadata always stay. */
export function pruneResource(schema: JSONSchemaProps, object: AnyObject): AnyObject {
  if (!isMap(object)) return object;
  const root: Json = object;
  for (const [key, child] of Object.entries(root)) {
    if (ROOT_FIELDS.has(key)) continue;
    const known = schema.properties?.[key];
    if (known) prune(child, known);
    else if (schema[PRESERVE] !== true) delete root[key];
  }
  if (isMap(object.metadata)) {
    for (const key of Object.keys(object.metadata)) {
      if (!OBJECT_META_FIELDS.has(key)) delete (object.metadata as Json)[key];
    }
  }
  return object;
}
