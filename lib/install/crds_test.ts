import assert from "node:assert/strict";
import type { JSONSchemaProps } from "../types/mod.ts";
import { crdObjects, type CustomResourceDefinition } from "./mod.ts";
import { CRD_ADDITIONS, OWN_KINDS } from "./crds.ts";

interface CrdFacts {
  group: string;
  names: CustomResourceDefinition["spec"]["names"];
  scope: string;
  versions: Array<{ name: string; served: boolean; storage: boolean }>;
  fields: Record<string, Record<string, unknown>>;
  required: Record<string, string[]>;
}

const FIXTURE = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/directpv_crd_fields.json", import.meta.url)),
) as { crds: Record<string, CrdFacts> };

/** Every schema path with its own keywords, and every required list, of a schema. */
function flatten(schema: JSONSchemaProps): Pick<CrdFacts, "fields" | "required"> {
  const fields: CrdFacts["fields"] = {};
  const required: CrdFacts["required"] = {};
  const walk = (node: JSONSchemaProps, path: string): void => {
    const {
      description: _description,
      properties,
      items,
      additionalProperties,
      required: req,
      ...own
    } = node;
    fields[path] = own;
    if (req) required[path] = req;
    const base = path === "." ? "" : path;
    for (const [name, child] of Object.entries(properties ?? {})) walk(child, `${base}.${name}`);
    if (items) walk(items, `${path}[]`);
    if (additionalProperties) walk(additionalProperties, `${path}{}`);
  };
  walk(schema, ".");
  return { fields, required };
}

function factsOf(crd: CustomResourceDefinition): CrdFacts {
  const version = crd.spec.versions[0];
  assert.ok(version);
  return {
    group: crd.spec.group,
    names: crd.spec.names,
    scope: crd.spec.scope,
    versions: crd.spec.versions.map(({ name, served, storage }) => ({ name, served, storage })),
    ...flatten(version.schema.openAPIV3Schema),
  };
}

/** The CRDs that have a DirectPV counterpart. */
function directpvCrds() {
  return crdObjects().filter((crd) => !OWN_KINDS.includes(crd.spec.names.kind));
}

Deno.test("crdObjects() returns exactly DirectPV's four CRDs, then DirectPVSnapshot", () => {
  assert.deepEqual(
    crdObjects().map((crd) => crd.metadata.name),
    [...Object.keys(FIXTURE.crds), "directpvsnapshots.directpv.min.io"],
  );
});

Deno.test("crdObjects() schemas match DirectPV's CRDs field for field", async (t) => {
  for (const crd of directpvCrds()) {
    const want = FIXTURE.crds[crd.metadata.name];
    await t.step(crd.metadata.name, async (t) => {
      assert.ok(want, `no fixture for ${crd.metadata.name}`);
      const got = factsOf(crd);
      await t.step("names, group, scope and versions", () => {
        assert.equal(got.group, want.group);
        assert.deepEqual(got.names, want.names);
        assert.equal(got.scope, want.scope);
        assert.deepEqual(got.versions, want.versions);
      });
      await t.step("every path with its type, format and constraints", () => {
        const plural = crd.spec.names.plural;
        const ours = new Set<string>(
          CRD_ADDITIONS.filter((a) => a.startsWith(`${plural}:`)).map((a) =>
            a.slice(plural.length + 1)
          ),
        );
        for (const path of ours) {
          assert.deepEqual(got.fields[path], { type: "string" }, `addition ${path}`);
          const parent = path.slice(0, path.lastIndexOf("."));
          const name = path.slice(path.lastIndexOf(".") + 1);
          assert.ok(!got.required[parent]?.includes(name), `addition ${path} is optional`);
          assert.ok(!(path in want.fields), `addition ${path} is not DirectPV's`);
        }
        const extra = Object.keys(got.fields).filter((p) => !(p in want.fields) && !ours.has(p));
        const missing = Object.keys(want.fields).filter((p) => !(p in got.fields));
        assert.deepEqual({ extra, missing }, { extra: [], missing: [] });
        for (const [path, facts] of Object.entries(want.fields)) {
          assert.deepEqual(got.fields[path], facts, path);
        }
      });
      await t.step("every required list, in order", () => {
        assert.deepEqual(got.required, want.required);
      });
    });
  }
});

Deno.test("crdObjects() CRDs carry the version label and no conversion webhook", () => {
  for (const crd of crdObjects()) {
    assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
    assert.equal(crd.metadata.labels?.["directpv.min.io/version"], "v1beta1");
    assert.equal(crd.metadata.labels?.["application-name"], "directpv.min.io");
    assert.deepEqual(crd.spec.conversion, { strategy: "None" });
  }
});

Deno.test("crdObjects() returns fresh objects each call", () => {
  const [a] = crdObjects();
  const [b] = crdObjects();
  assert.ok(a && b);
  a.spec.versions[0]?.schema.openAPIV3Schema.required?.push("x");
  assert.deepEqual(b.spec.versions[0]?.schema.openAPIV3Schema.required, ["metadata", "status"]);
});
