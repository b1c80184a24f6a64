import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkBoundaries, declaredImports, importsOf, moduleOf } from "./check_boundaries.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "boundaries-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

async function rulesOf(files: Record<string, string>): Promise<string[]> {
  const root = await tree(files);
  try {
    return (await checkBoundaries(root)).map((v) => `${v.rule} ${v.file}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("moduleOf() names lib submodules and top-level modules", () => {
  assert.equal(moduleOf("lib/types/drive.ts"), "lib/types");
  assert.equal(moduleOf("cli/commands/list.ts"), "cli");
  assert.equal(moduleOf("deno.json"), undefined);
});

Deno.test("importsOf() finds static, re-export, side-effect and dynamic imports", () => {
  const text = `import { a } from "./a.ts";\nexport * from "../b/mod.ts";\nimport "./c.ts";\n` +
    `const d = await import("./d.ts");\nimport type { E } from "./e.ts";`;
  assert.deepEqual(importsOf(text).sort(), ["../b/mod.ts", "./a.ts", "./c.ts", "./d.ts", "./e.ts"]);
});

Deno.test("checkBoundaries() accepts a clean tree", async () => {
  const rules = await rulesOf({
    "lib/types/mod.ts": `/** May import: nothing. */\nexport { x } from "./drive.ts";`,
    "lib/types/drive.ts": `export const x = 1;`,
    "lib/k8s/mod.ts":
      `/** May import: lib/types. */\nimport { x } from "../types/mod.ts"; export const y = x;`,
    "lib/k8s/client_test.ts":
      `import { y } from "./mod.ts"; import { f } from "../sys/testing.ts"; Deno.test("t", () => {});`,
    "lib/sys/testing.ts": `export const f = await Deno.makeTempDir();`,
    "cli/main.ts": `import { y } from "../lib/k8s/mod.ts"; Deno.exit(y);`,
  });
  assert.deepEqual(rules, []);
});

Deno.test("checkBoundaries() rejects lib importing cli or driver", async () => {
  const rules = await rulesOf({
    "lib/admin/mod.ts": `/** May import: cli, driver. */\n` +
      `import { a } from "../../cli/mod.ts";\nimport { b } from "../../driver/mod.ts";`,
    "cli/mod.ts": `export const a = 1;`,
    "driver/mod.ts": `export const b = 1;`,
  });
  assert.deepEqual(rules, ["layer lib/admin/mod.ts", "layer lib/admin/mod.ts"]);
});

Deno.test("checkBoundaries() rejects cli and driver importing each other", async () => {
  const rules = await rulesOf({
    "cli/app.ts": `import { b } from "../driver/mod.ts";`,
    "driver/mod.ts": `import { a } from "../cli/mod.ts"; export const b = 1;`,
    "cli/mod.ts": `export const a = 1;`,
  });
  assert.ok(rules.includes("layer cli/app.ts"));
  assert.ok(rules.includes("layer driver/mod.ts"));
});

Deno.test("checkBoundaries() rejects deep imports past mod.ts", async () => {
  const rules = await rulesOf({
    "lib/device/probe.ts": `import type { Host } from "../sys/host.ts";`,
    "lib/sys/host.ts": `export interface Host {}`,
    "lib/sys/mod.ts": `/** May import: nothing. */\nexport type { Host } from "./host.ts";`,
  });
  assert.deepEqual(rules, ["deep-import lib/device/probe.ts"]);
});

Deno.test("checkBoundaries() rejects testing.ts imports from production code", async () => {
  const rules = await rulesOf({
    "lib/device/probe.ts": `import { f } from "../sys/testing.ts";`,
    "lib/sys/testing.ts": `export const f = 1;`,
  });
  assert.deepEqual(rules, ["deep-import lib/device/probe.ts"]);
});

Deno.test("checkBoundaries() rejects cycles between modules", async () => {
  const rules = await rulesOf({
    "lib/a/mod.ts": `import { b } from "../b/mod.ts"; export const a = 1;`,
    "lib/b/mod.ts": `import { a } from "../a/mod.ts"; export const b = 1;`,
  });
  assert.ok(rules.some((r) => r.startsWith("cycle ")), rules.join(", "));
});

Deno.test("checkBoundaries() rejects Deno side effects outside the allowed files", async () => {
  const rules = await rulesOf({
    "lib/device/probe.ts":
      `// Deno.readFile in a comment is fine\nexport const t = await Deno.readTextFile("/sys");`,
    "lib/xfs/mkfs.ts": `import { spawn } from "node:child_process"; export const s = spawn;`,
    "lib/types/mod.ts":
      `// May import: nothing.\nexport const isLinux = Deno.build.os === "linux";`,
    "lib/sys/real_host.ts": `export const c = new Deno.Command("mount");`,
  });
  assert.deepEqual(rules, ["side-effect lib/device/probe.ts", "side-effect lib/xfs/mkfs.ts"]);
});

Deno.test("declaredImports() reads the names of a May import line", () => {
  assert.deepEqual(
    declaredImports("/**\n * May import: lib/types, lib/errors (no I/O, no k8s).\n */"),
    ["lib/types", "lib/errors"],
  );
  assert.deepEqual(declaredImports(" * May import: nothing (leaf module)."), []);
  assert.equal(declaredImports("/** No line here. */"), undefined);
});

Deno.test("checkBoundaries() rejects imports a May import line does not name", async () => {
  const rules = await rulesOf({
    "lib/types/mod.ts": `// May import: nothing.\nexport const t = 1;`,
    "lib/log/mod.ts": `// May import: nothing.\nexport const l = 1;`,
    "lib/k8s/mod.ts": `// May import: lib/types.\nexport { k } from "./client.ts";`,
    "lib/k8s/client.ts":
      `import { t } from "../types/mod.ts";\nimport { l } from "../log/mod.ts";\nexport const k = t + l;`,
    "lib/k8s/client_test.ts": `import { l } from "../log/mod.ts";\nDeno.test("t", () => {});`,
    "driver/reconcile/mod.ts": `// May import: lib/types, driver/events.\nexport const r = 1;`,
    "driver/reconcile/node.ts": `import { e } from "../events.ts";\nimport { k } from "../k8s.ts";`,
    "driver/events.ts": `export const e = 1;`,
    "driver/k8s.ts": `export const k = 1;`,
  });
  assert.deepEqual(rules, ["undeclared driver/reconcile/node.ts", "undeclared lib/k8s/client.ts"]);
});

Deno.test("checkBoundaries() wants a May import line in every lib mod.ts", async () => {
  const rules = await rulesOf({ "lib/types/mod.ts": `export const t = 1;` });
  assert.deepEqual(rules, ["undeclared lib/types/mod.ts"]);
});

Deno.test("checkBoundaries() rejects export * in mod.ts except of generated code", async () => {
  const rules = await rulesOf({
    "lib/types/mod.ts": `// May import: nothing.\nexport * from "./drive.ts";`,
    "lib/types/drive.ts": `export const d = 1;`,
    "proto/mod.ts": `// May import: nothing.\nexport * from "./gen/csi.ts";`,
    "proto/gen/csi.ts": `export const c = 1;`,
  });
  assert.deepEqual(rules, ["star-export lib/types/mod.ts"]);
});
