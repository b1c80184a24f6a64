import assert from "node:assert/strict";
import { parse } from "yaml";
import { renderList, renderManifest } from "./structured.ts";
import { renderTable } from "./table.ts";

const COLUMNS = [
  { header: "NAME", cell: (r: { name: string; size?: number }) => r.name },
  { header: "SIZE", cell: (r: { name: string; size?: number }) => r.size },
];

Deno.test("renderTable() draws the light box style with a header rule and - for empty cells", () => {
  assert.equal(
    renderTable(COLUMNS, [{ name: "alpha", size: 10 }, { name: "" }]),
    [
      "┌───────┬──────┐",
      "│ NAME  │ SIZE │",
      "├───────┼──────┤",
      "│ alpha │ 10   │",
      "│ -     │ -    │",
      "└───────┴──────┘",
      "",
    ].join("\n"),
  );
});

Deno.test("renderTable() without headers prints only the rows", () => {
  assert.equal(
    renderTable(COLUMNS, [{ name: "a", size: 1 }], { headers: false }),
    ["┌───┬───┐", "│ a │ 1 │", "└───┴───┘", ""].join("\n"),
  );
});

Deno.test("renderList() prints one List document as JSON or YAML", () => {
  const items = [{ kind: "X", metadata: { name: "a" } }];
  assert.equal(
    renderList(items, "json"),
    '{\n  "kind": "List",\n  "apiVersion": "v1",\n  "items": [\n    {\n      "kind": "X",\n      "metadata": {\n        "name": "a"\n      }\n    }\n  ]\n}\n',
  );
  assert.equal(
    renderList(items, "yaml"),
    "kind: List\napiVersion: v1\nitems:\n- kind: X\n  metadata:\n    name: a\n",
  );
  assert.deepEqual(JSON.parse(renderList([], "json")), {
    kind: "List",
    apiVersion: "v1",
    items: [],
  });
});

Deno.test("renderManifest() separates YAML documents and makes JSON one List", () => {
  const objects = [{ kind: "A", metadata: { name: "a" } }, { kind: "B", metadata: { name: "b" } }];
  assert.equal(
    renderManifest(objects, "yaml"),
    "kind: A\nmetadata:\n  name: a\n---\nkind: B\nmetadata:\n  name: b\n",
  );
  assert.deepEqual(JSON.parse(renderManifest(objects, "json")).items, objects);
  assert.deepEqual(parse(renderManifest(objects, "yaml").split("---\n")[1] ?? ""), objects[1]);
});

Deno.test("renderTable() lines up every row of a long table", () => {
  const rows = Array.from(
    { length: 450 },
    (_, i) => ({ name: `n${i}`, size: i === 420 ? 123456 : i }),
  );
  const lines = renderTable(COLUMNS, rows).trimEnd().split("\n");
  assert.equal(lines.length, 450 + 4);
  assert.equal(lines[0], "┌──────┬────────┐");
  assert.equal(lines[1], "│ NAME │ SIZE   │");
  assert.equal(lines[2], "├──────┼────────┤");
  assert.equal(lines[3], "│ n0   │ 0      │");
  assert.equal(lines[203], "│ n200 │ 200    │");
  assert.equal(lines[423], "│ n420 │ 123456 │");
  assert.equal(lines.at(-1), "└──────┴────────┘");
  assert.ok(lines.slice(3, -1).every((l) => l.startsWith("│ ") && l.length === lines[0]?.length));
});
