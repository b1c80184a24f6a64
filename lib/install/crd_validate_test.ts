/**
 * DirectPV-written objects (lib/types/testdata) validate against our CRD schemas, checked by a
 * small structural validator: types, formats, required fields, no unknown fields, enums,
 * patterns, lengths, minimums and list-map keys.
 */
import assert from "node:assert/strict";
import type { JSONSchemaProps } from "../types/mod.ts";
import { crdObjects } from "./mod.ts";

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function checkScalar(schema: JSONSchemaProps, value: unknown, path: string): string[] {
  const errors: string[] = [];
  if (typeof value === "string") {
    if (schema.format === "date-time" && !DATE_TIME.test(value)) {
      errors.push(`${path}: not a date-time`);
    }
    if (schema.enum && !schema.enum.includes(value)) {
      errors.push(`${path}: not one of ${schema.enum}`);
    }
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: pattern`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      errors.push(`${path}: longer than ${schema.maxLength}`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errors.push(`${path}: shorter than ${schema.minLength}`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      errors.push(`${path}: below minimum`);
    }
    if (schema.format === "int64" && !Number.isSafeInteger(value)) {
      errors.push(`${path}: not int64`);
    }
  }
  return errors;
}

function checkArray(schema: JSONSchemaProps, value: unknown[], path: string): string[] {
  const errors: string[] = [];
  const items = schema.items;
  if (items) value.forEach((item, i) => errors.push(...validate(items, item, `${path}[${i}]`)));
  const keys = schema["x-kubernetes-list-map-keys"];
  if (schema["x-kubernetes-list-type"] === "map" && keys) {
    const seen = new Set<string>();
    for (const item of value) {
      const id = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
      if (seen.has(id)) errors.push(`${path}: duplicate list-map key ${id}`);
      seen.add(id);
    }
  }
  return errors;
}

function checkObject(schema: JSONSchemaProps, value: Record<string, unknown>, path: string) {
  const errors: string[] = [];
  for (const name of schema.required ?? []) {
    if (!(name in value)) errors.push(`${path || "."}: missing required "${name}"`);
  }
  if (!schema.properties && !schema.additionalProperties) return errors; // e.g. metadata
  for (const [name, child] of Object.entries(value)) {
    const sub = schema.properties?.[name] ?? schema.additionalProperties;
    if (!sub) errors.push(`${path || "."}: unknown field "${name}"`);
    else errors.push(...validate(sub, child, `${path}.${name}`));
  }
  return errors;
}

/** The problems of a value against a schema; empty when it is valid. */
function validate(schema: JSONSchemaProps, value: unknown, path = ""): string[] {
  const type = typeOf(value);
  const fits = schema.type === type || (schema.type === "number" && type === "integer");
  if (schema.type && !fits) return [`${path || "."}: ${type} is not ${schema.type}`];
  if (Array.isArray(value)) return checkArray(schema, value, path);
  if (type === "object") return checkObject(schema, value as Record<string, unknown>, path);
  return checkScalar(schema, value, path);
}

const SCHEMAS = new Map(
  crdObjects().map((crd) => [
    crd.spec.names.kind,
    crd.spec.versions[0]?.schema.openAPIV3Schema ?? {},
  ]),
);

async function items(file: string): Promise<Array<Record<string, unknown>>> {
  const url = new URL(`../types/testdata/${file}`, import.meta.url);
  return (JSON.parse(await Deno.readTextFile(url)) as { items: Array<Record<string, unknown>> })
    .items;
}

for (const file of ["drives.json", "volumes.json", "nodes.json", "initrequests.json"]) {
  Deno.test(`DirectPV objects of ${file} validate against our CRD schema`, async () => {
    for (const item of await items(file)) {
      const schema = SCHEMAS.get(item.kind as string);
      assert.ok(schema, `no CRD for kind ${item.kind}`);
      assert.deepEqual(validate(schema, item), [], `${item.kind} ${JSON.stringify(item.metadata)}`);
    }
  });
}

Deno.test("the CRD validator rejects what the API server would reject", async (t) => {
  const [drive] = await items("drives.json");
  assert.ok(drive);
  const schema = SCHEMAS.get("DirectPVDrive") ?? {};
  const cases: Array<[string, (d: { status: Record<string, unknown> }) => void, string]> = [
    ["unknown field", (d) => (d.status.volumes = 1), '.status: unknown field "volumes"'],
    ["missing required", (d) => delete d.status.fsuuid, '.status: missing required "fsuuid"'],
    [
      "wrong type",
      (d) => (d.status.totalCapacity = "1Gi"),
      ".status.totalCapacity: string is not integer",
    ],
    [
      "bad enum",
      (d) => (d.status.conditions = [cond({ status: "Yes" })]),
      ".status.conditions[0].status: not one of True,False,Unknown",
    ],
    [
      "bad reason",
      (d) => (d.status.conditions = [cond({ reason: "has space" })]),
      ".status.conditions[0].reason: pattern",
    ],
    [
      "duplicate condition type",
      (d) => (d.status.conditions = [cond({}), cond({})]),
      '.status.conditions: duplicate list-map key ["IOError"]',
    ],
    [
      "topology value type",
      (d) => (d.status.topology = { a: 1 }),
      ".status.topology.a: integer is not string",
    ],
  ];
  for (const [name, mutate, want] of cases) {
    await t.step(name, () => {
      const copy = structuredClone(drive) as { status: Record<string, unknown> };
      mutate(copy);
      assert.deepEqual(validate(schema, copy), [want]);
    });
  }
});

function cond(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    lastTransitionTime: "2025-03-02T04:10:55Z",
    message: "Drive has I/O error",
    reason: "DriveHasIOError",
    status: "True",
    type: "IOError",
    ...overrides,
  };
}
