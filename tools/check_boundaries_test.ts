import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkBoundaries, importsOf, moduleOf } from "./check_boundaries.ts";

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
    "lib/types/mod.ts": `export * from "./drive.ts";`,
    "lib/types/drive.ts": `export const x = 1;`,
    "lib/k8s/mod.ts": `import { x } from "../types/mod.ts"; export const y = x;`,
    "lib/k8s/client_test.ts":
      `import { y } from "./mod.ts"; import { f } from "../sys/testing.ts"; Deno.test("t", () => {});`,
    "lib/sys/testing.ts": `export const f = await Deno.makeTempDir();`,
    "cli/main.ts": `import { y } from "../lib/k8s/mod.ts"; Deno.exit(y);`,
  });
  assert.deepEqual(rules, []);
});

Deno.test("checkBoundaries() rejects lib importing cli or driver", async () => {
  const rules = await rulesOf({
    "lib/admin/mod.ts":
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
    "lib/sys/mod.ts": `export * from "./host.ts";`,
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
    "lib/types/mod.ts": `export const isLinux = Deno.build.os === "linux";`,
    "lib/sys/real_host.ts": `export const c = new Deno.Command("mount");`,
  });
  assert.deepEqual(rules, ["side-effect lib/device/probe.ts", "side-effect lib/xfs/mkfs.ts"]);
});
