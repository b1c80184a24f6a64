/**
 * Generates `proto/gen/` from the `.proto` files in `proto/` (the CSI spec and the kubelet's
 * plugin registration API), or checks that it is current.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env tools/gen_proto.ts [--check]
 *
 * The compiler is `buf` (its npm package carries the binary and the google/protobuf
 * imports) and the code generator is `ts-proto`; both run under this Deno from the npm
 * registry at the versions pinned below, with their dependency tree pinned by
 * `tools/gen_proto.lock`. Nothing is installed into the repository. `--check` generates into
 * a temporary directory and fails when a file differs from, is missing from or is extra in
 * `proto/gen/`.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Pinned generator versions. Changing one regenerates proto/gen and updates the lock. */
export const BUF = "npm:@bufbuild/buf@1.74.0/buf";
export const TS_PROTO = "npm:ts-proto@2.18.0/protoc-gen-ts_proto";

/**
 * ts-proto options: grpc-js service stubs (clients for tests) and generic definitions (the
 * server builds its handlers from them), int64 as number, Deno-style `.ts` imports, no JSON
 * codecs, plain `fromPartial` signatures.
 */
export const TS_PROTO_OPTIONS = [
  "outputServices=grpc-js",
  "outputServices=generic-definitions",
  "forceLong=number",
  "importSuffix=.ts",
  "env=node",
  "outputJsonMethods=false",
  "useExactTypes=false",
];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PROTO_DIR = join(ROOT, "proto");
const GEN_DIR = join(PROTO_DIR, "gen");
const LOCK = join(ROOT, "tools", "gen_proto.lock");

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** `deno run` arguments shared by both tools: no project config, the generator lock. */
async function denoRunArgs(): Promise<string[]> {
  const frozen = await exists(LOCK) ? ["--frozen"] : [];
  return ["run", "-A", "-q", "--no-config", `--lock=${LOCK}`, ...frozen];
}

async function generate(outDir: string): Promise<void> {
  const deno = Deno.execPath();
  const runArgs = await denoRunArgs();
  const template = {
    version: "v2",
    plugins: [{ local: [deno, ...runArgs, TS_PROTO], out: outDir, opt: TS_PROTO_OPTIONS }],
  };
  const out = await new Deno.Command(deno, {
    args: [...runArgs, BUF, "generate", PROTO_DIR, "--template", JSON.stringify(template)],
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot generate proto code: buf exited with ${out.code}`);
  await pruneUnreachable(outDir);
}

/** Generated files under `dir`, relative, sorted. */
async function listFiles(dir: string, sub = ""): Promise<string[]> {
  const out: string[] = [];
  if (!await exists(join(dir, sub))) return out;
  for await (const entry of Deno.readDir(join(dir, sub))) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...await listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** The generated file of each `.proto` file in `proto/` (`csi.proto` → `csi.ts`). */
async function entryFiles(): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(PROTO_DIR)) {
    if (entry.isFile && entry.name.endsWith(".proto")) {
      out.push(entry.name.replace(/\.proto$/, ".ts"));
    }
  }
  return out.sort();
}

/**
 * Removes generated files no entry point imports (google/protobuf/descriptor.ts is
 * emitted only because csi.proto declares option extensions, which ts-proto does not output).
 */
async function pruneUnreachable(dir: string): Promise<void> {
  const reachable = new Set<string>();
  const queue = await entryFiles();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (reachable.has(file)) continue;
    reachable.add(file);
    const text = await Deno.readTextFile(join(dir, file));
    for (const m of text.matchAll(/from "(\.\.?\/[^"]+)"/g)) {
      queue.push(relative(dir, join(dir, dirname(file), m[1] as string)));
    }
  }
  for (const file of await listFiles(dir)) {
    if (!reachable.has(file)) await Deno.remove(join(dir, file));
  }
  await removeEmptyDirs(dir);
}

async function removeEmptyDirs(dir: string): Promise<boolean> {
  let empty = true;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && await removeEmptyDirs(join(dir, entry.name))) {
      await Deno.remove(join(dir, entry.name));
    } else {
      empty = false;
    }
  }
  return empty;
}

/** Files that differ between two generated trees. */
export async function staleFiles(expectedDir: string, actualDir: string): Promise<string[]> {
  const expected = await listFiles(expectedDir);
  const actual = await listFiles(actualDir);
  const stale: string[] = [];
  for (const file of new Set([...expected, ...actual])) {
    if (!expected.includes(file)) stale.push(`${file} (not generated any more)`);
    else if (!actual.includes(file)) stale.push(`${file} (missing)`);
    else if (
      await Deno.readTextFile(join(expectedDir, file)) !==
        await Deno.readTextFile(join(actualDir, file))
    ) stale.push(`${file} (differs)`);
  }
  return stale.sort();
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const tmp = await Deno.makeTempDir({ prefix: "directpv-proto-" });
  try {
    await generate(tmp);
    if (check) {
      const stale = await staleFiles(tmp, GEN_DIR);
      for (const line of stale) console.error(`proto/gen/${line}`);
      if (stale.length > 0) {
        console.error("proto/gen is stale: run `deno task proto:gen`");
        return 1;
      }
      console.error("proto/gen is current");
      return 0;
    }
    await Deno.remove(GEN_DIR, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    await Deno.mkdir(GEN_DIR, { recursive: true });
    for (const file of await listFiles(tmp)) {
      await Deno.mkdir(join(GEN_DIR, dirname(file)), { recursive: true });
      await Deno.copyFile(join(tmp, file), join(GEN_DIR, file));
    }
    console.error(
      `Generated ${relative(ROOT, GEN_DIR)}/ from ${relative(ROOT, PROTO_DIR)}/*.proto`,
    );
    return 0;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
