import assert from "node:assert/strict";
import { parse } from "yaml";
import { CHART_DIR, helmChartFiles } from "./helm_chart.ts";
import { PLACEHOLDER } from "./helm_text.ts";

const files = helmChartFiles();
const file = (path: string) => files.find((f) => f.path === `${CHART_DIR}/${path}`)?.text ?? "";

Deno.test("the chart's templates hold no placeholder the generator failed to replace", () => {
  const templates = files.filter((f) => f.path.includes("/templates/"));
  assert.ok(templates.length >= 10);
  for (const t of templates) {
    for (const placeholder of Object.values(PLACEHOLDER)) {
      assert.ok(!t.text.includes(placeholder), `${t.path} still holds ${placeholder}`);
    }
  }
});

Deno.test("values.yaml sets every value the schema knows and nothing else", () => {
  const values = parse(file("values.yaml")) as Record<string, unknown>;
  const schema = JSON.parse(file("values.schema.json")) as { properties: object };
  assert.deepEqual(Object.keys(values).sort(), Object.keys(schema.properties).sort());
  assert.equal(values["image"], "directpv:v4.2.0");
  assert.equal(values["quota"], "required");
});

Deno.test("the node server's template branches on the registrar sidecars and legacy on its value", () => {
  assert.match(file("templates/node-server.yaml"), /\{\{- if \$\.Values\.nodeDriverRegistrar \}\}/);
  assert.match(file("templates/legacy-node-server.yaml"), /^\{\{- if \$\.Values\.legacy \}\}$/m);
  assert.match(file("templates/namespace.yaml"), /semverCompare "<1\.25-0"/);
});
