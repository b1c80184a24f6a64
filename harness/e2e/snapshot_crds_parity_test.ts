/**
 * The VolumeSnapshot CRDs install adds describe the same API as the external-snapshotter
 * release the tests build (its CRDs, copied into the tools cache by `harness/tools/build.sh`):
 * names, scope, printer columns, and for every schema path its type, format, enum, required
 * list and CEL rules. Descriptions and rule messages are ours and not compared.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { snapshotCrdObjects } from "../../lib/install/mod.ts";
import type { JSONSchemaProps } from "../../lib/types/mod.ts";
import { testGate, toolsBinDir } from "../lib/mod.ts";

const gate = await testGate("VolumeSnapshot CRD parity", {
  tools: ["csi-snapshotter", "snapshot-controller"],
});

interface CrdShape {
  metadata: { name: string };
  spec: {
    group: string;
    names: Record<string, unknown>;
    scope: string;
    versions: Array<{
      name: string;
      served: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: unknown;
      additionalPrinterColumns?: Array<{ name: string; type: string; jsonPath: string }>;
    }>;
  };
}

/** Each schema path with the keywords that define the API (not its documentation). */
function facts(schema: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (node: JSONSchemaProps, path: string) => {
    out[path] = {
      type: node.type,
      format: node.format,
      enum: node.enum,
      pattern: node.pattern,
      required: node.required ? [...node.required].sort() : undefined,
      intOrString: node["x-kubernetes-int-or-string"],
      mapType: node["x-kubernetes-map-type"],
      rules: node["x-kubernetes-validations"]?.map((r) => r.rule).sort(),
      values: node.additionalProperties?.type,
    };
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      walk(child, `${path}.${name}`);
    }
  };
  walk(schema, "");
  return JSON.parse(JSON.stringify(out));
}

function served(crd: CrdShape) {
  const version = crd.spec.versions.find((v) => v.served);
  assert.ok(version, `${crd.metadata.name} serves no version`);
  return {
    group: crd.spec.group,
    scope: crd.spec.scope,
    names: crd.spec.names,
    version: version.name,
    status: version.subresources !== undefined,
    columns: (version.additionalPrinterColumns ?? []).map((c) => [c.name, c.type, c.jsonPath]),
    schema: facts(version.schema.openAPIV3Schema),
  };
}

Deno.test({
  name: "install's VolumeSnapshot CRDs match the external-snapshotter release the tests run",
  ignore: gate.ignore,
  fn: async () => {
    gate.assert();
    const dir = join(await toolsBinDir(), "..", "crds", "snapshot");
    const ours = new Map(snapshotCrdObjects().map((crd) => [crd.metadata.name, crd]));
    const files = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assert.equal(files.length, 3, `three VolumeSnapshot CRDs in ${dir}: ${files.join(", ")}`);
    for (const file of files) {
      const upstream = parse(await Deno.readTextFile(join(dir, file))) as CrdShape;
      const mine = ours.get(upstream.metadata.name) as unknown as CrdShape | undefined;
      assert.ok(mine, `install has no CRD ${upstream.metadata.name}`);
      assert.deepEqual(served(mine), served(upstream), upstream.metadata.name);
    }
  },
});
