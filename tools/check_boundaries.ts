/**
 * Import-boundary and side-effect check (DESIGN §4), run by `deno task lint`.
 *
 * Modules are `cli`, `driver`, `proto`, `harness`, `tools` and each `lib/<name>`. Rules:
 * 1. `lib` never imports `cli`, `driver` or `harness`; `cli` and `driver` never import each other.
 * 2. An import that crosses into another module targets that module's `mod.ts`, except that
 *    tests, benchmarks, `testing.ts` files and `harness/` may import a module's `testing.ts`.
 * 3. No import cycles between modules.
 * 4. `Deno.*` side effects (commands, env, args, exit, files, network) and `node:` side-effect
 *    modules appear only in the allow-listed files, tests, benchmarks, `harness/` and `tools/`.
 * 5. Every `lib/<name>/mod.ts` has a `May import:` line, and so may any other `mod.ts`; the
 *    files under it (tests and benchmarks aside) import from outside their folder only what
 *    the nearest such line names (`nothing` names nothing).
 * 6. A `mod.ts` exports by name: no `export *`, except of generated code under `gen/`.
 */
import { dirname, join, normalize, relative } from "node:path";

/** Files allowed to touch the process, the file system or the network directly. */
export const SIDE_EFFECT_FILES = [
  "cli/main.ts",
  "driver/main.ts",
  "driver/http.ts",
  "lib/sys/real_host.ts",
  "lib/sys/blkid.ts",
  "lib/sys/testing.ts",
  "lib/sys/fake_mounts.ts",
  "lib/sys/fault_point.ts",
  "lib/k8s/rest.ts",
  "lib/k8s/kubeconfig.ts",
];

/** `Deno.` members that are pure or type-only and may appear anywhere. */
const PURE_DENO = new Set(["test", "bench", "errors", "build", "inspect", "version", "noColor"]);
const SIDE_EFFECT_NODE =
  /^node:(fs|fs\/promises|child_process|net|http|https|http2|os|process|dgram|tls)$/;
const SOURCE = /\.(ts|tsx|mts)$/;
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

export interface Violation {
  file: string;
  rule: "layer" | "deep-import" | "cycle" | "side-effect" | "undeclared" | "star-export";
  message: string;
}

/** The module a repository-relative path belongs to, or undefined for files at the top. */
export function moduleOf(path: string): string | undefined {
  const parts = path.split("/");
  if (parts[0] === "lib") return parts.length > 2 ? `lib/${parts[1]}` : undefined;
  return parts.length > 1 ? parts[0] : undefined;
}

function isTestLike(path: string): boolean {
  return /_(test|bench)\.ts$/.test(path) || path.endsWith("/testing.ts") ||
    path.startsWith("harness/") || path.startsWith("tools/");
}

async function walk(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(root, dir))) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      if (["node_modules", ".git", "testdata", "gen", "manifests"].includes(entry.name)) continue;
      out.push(...await walk(root, rel));
    } else if (entry.isFile && SOURCE.test(entry.name)) {
      out.push(rel);
    }
  }
  return out;
}

/** Relative import specifiers of a source text. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) out.push(spec);
  }
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

function checkLayer(file: string, from: string, to: string): Violation | undefined {
  const bad = (from.startsWith("lib/") && ["cli", "driver", "harness"].includes(to)) ||
    (from === "cli" && to === "driver") || (from === "driver" && to === "cli") ||
    (["cli", "driver", "proto"].includes(from) && to === "harness");
  return bad
    ? { file, rule: "layer", message: `Module "${from}" may not import "${to}"` }
    : undefined;
}

function checkDeep(file: string, target: string, to: string): Violation | undefined {
  const inner = target.slice(to.length + 1);
  if (inner === "mod.ts") return undefined;
  if (inner === "testing.ts" && isTestLike(file)) return undefined;
  if (to === "proto" && inner.startsWith("gen/")) return undefined;
  return {
    file,
    rule: "deep-import",
    message: `Import of "${target}" reaches past "${to}/mod.ts"`,
  };
}

function checkSideEffects(file: string, text: string): Violation[] {
  if (isTestLike(file) || SIDE_EFFECT_FILES.includes(file)) return [];
  const out: Violation[] = [];
  const code = stripComments(text);
  for (const m of code.matchAll(/\bDeno\.([A-Za-z]+)/g)) {
    const member = m[1] as string;
    if (PURE_DENO.has(member)) continue;
    // Type positions such as `Deno.Command` in `: Deno.CommandOutput` are still flagged:
    // keep even types of side-effect APIs inside the allowed files.
    out.push({
      file,
      rule: "side-effect",
      message: `Uses "Deno.${member}" outside the allowed files`,
    });
  }
  for (const spec of importsOf(code)) {
    if (SIDE_EFFECT_NODE.test(spec)) {
      out.push({
        file,
        rule: "side-effect",
        message: `Imports "${spec}" outside the allowed files`,
      });
    }
  }
  return out;
}

/** The folders a `May import:` line names, or undefined when the text has no such line. */
export function declaredImports(text: string): string[] | undefined {
  const line = /May import:([^\n]*)/.exec(text)?.[1];
  if (line === undefined) return undefined;
  const names = line.replace(/\*\/.*$/, "").replace(/\([^)]*\)/g, "").split(",");
  return names.map((e) => e.trim().replace(/\.$/, "").trim())
    .filter((e) => /^[a-z0-9_]+(\/[a-z0-9_]+)?$/.test(e) && e !== "nothing");
}

/** The `May import:` lines of every `mod.ts`, by folder. */
function declarations(files: string[], texts: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files.filter((f) => f.endsWith("/mod.ts"))) {
    const allowed = declaredImports(texts.get(file) ?? "");
    if (allowed) out.set(dirname(file), allowed);
  }
  return out;
}

function nearestDeclaration(file: string, declared: Map<string, string[]>) {
  for (let dir = dirname(file); dir !== "."; dir = dirname(dir)) {
    const allowed = declared.get(dir);
    if (allowed) return { dir, allowed };
  }
  return undefined;
}

function checkDeclared(
  file: string,
  target: string,
  declared: Map<string, string[]>,
): Violation | undefined {
  if (/_(test|bench)\.ts$/.test(file)) return undefined;
  const near = nearestDeclaration(file, declared);
  if (!near || target.startsWith(`${near.dir}/`)) return undefined;
  if (near.allowed.some((e) => target === `${e}.ts` || target.startsWith(`${e}/`))) {
    return undefined;
  }
  return {
    file,
    rule: "undeclared",
    message: `Import of "${target}" is not named on the "May import:" line of ${near.dir}/mod.ts`,
  };
}

function checkModFile(file: string, text: string, declared: Map<string, string[]>): Violation[] {
  if (!file.endsWith("/mod.ts")) return [];
  const out: Violation[] = [];
  if (/^lib\/[^/]+\/mod\.ts$/.test(file) && !declared.has(dirname(file))) {
    out.push({ file, rule: "undeclared", message: `${file} has no "May import:" line` });
  }
  for (const m of stripComments(text).matchAll(/^export \*(?: as \w+)? from ["']([^"']+)["']/gm)) {
    if ((m[1] as string).startsWith("./gen/")) continue;
    out.push({ file, rule: "star-export", message: `Exports everything of "${m[1]}"; name them` });
  }
  return out;
}

function findCycles(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "visiting");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "visiting") {
        cycles.push([...stack.slice(stack.indexOf(next)), next]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** Checks every source file under `root` and returns the violations found. */
export async function checkBoundaries(root: string): Promise<Violation[]> {
  const violations: Violation[] = [];
  const moduleEdges = new Map<string, Set<string>>();
  const fileEdges = new Map<string, Set<string>>();
  const files = (await walk(root)).sort();
  const texts = new Map<string, string>();
  for (const file of files) texts.set(file, await Deno.readTextFile(join(root, file)));
  const declared = declarations(files, texts);
  for (const file of files) {
    const text = texts.get(file) ?? "";
    violations.push(...checkSideEffects(file, text), ...checkModFile(file, text, declared));
    const from = moduleOf(file);
    for (const spec of importsOf(stripComments(text))) {
      if (!spec.startsWith(".")) continue;
      const target = normalize(join(dirname(file), spec)).split("\\").join("/");
      if (target.startsWith("..")) continue;
      if (!fileEdges.has(file)) fileEdges.set(file, new Set());
      fileEdges.get(file)?.add(target);
      const undeclared = checkDeclared(file, target, declared);
      if (undeclared) violations.push(undeclared);
      const to = moduleOf(target);
      if (!from || !to || from === to) continue;
      const layer = checkLayer(file, from, to);
      if (layer) violations.push(layer);
      const deep = checkDeep(file, target, to);
      if (deep) violations.push(deep);
      if (!isTestLike(file)) {
        if (!moduleEdges.has(from)) moduleEdges.set(from, new Set());
        moduleEdges.get(from)?.add(to);
      }
    }
  }
  for (const cycle of [...findCycles(moduleEdges), ...findCycles(fileEdges)]) {
    violations.push({
      file: cycle[0] as string,
      rule: "cycle",
      message: `Import cycle: ${cycle.join(" -> ")}`,
    });
  }
  return violations;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? Deno.cwd();
  const violations = await checkBoundaries(root);
  for (const v of violations) {
    console.error(
      `${relative(Deno.cwd(), join(root, v.file)) || v.file}: [${v.rule}] ${v.message}`,
    );
  }
  if (violations.length > 0) {
    console.error(`Boundary check failed: ${violations.length} violation(s)`);
    Deno.exit(1);
  }
  console.error("Boundary check passed");
}
