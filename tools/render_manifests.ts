/**
 * Renders `manifests/` (the install objects, the monitoring objects and the Helm chart) from lib/install (`deno task manifests`), or with `--check` lists the
 * files that are not what lib/install generates and exits 1 (`deno task manifests:check`).
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  defaultInstallArgs,
  helmChartFiles,
  installObjects,
  type ManifestFile,
  monitoringManifests,
  renderManifests,
} from "../lib/install/mod.ts";

/** The files of `manifests/`, as lib/install generates them with the release's defaults. */
export function generatedManifests(): ManifestFile[] {
  return [
    ...renderManifests(installObjects(defaultInstallArgs())),
    ...monitoringManifests(),
    ...helmChartFiles(),
  ];
}

async function listGenerated(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(join(root, dir)));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return out;
    throw err;
  }
  for (const entry of entries) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...await listGenerated(root, rel));
    else if (entry.isFile && /\.(yaml|json)$/.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** A file of the directory that differs from what is generated. */
export interface StaleFile {
  path: string;
  reason: "missing" | "changed" | "not generated";
}

/** Compares the directory with the generated files. */
export async function staleManifests(
  dir: string,
  files: readonly ManifestFile[],
): Promise<StaleFile[]> {
  const stale: StaleFile[] = [];
  for (const file of files) {
    const current = await readOrUndefined(join(dir, file.path));
    if (current === undefined) stale.push({ path: file.path, reason: "missing" });
    else if (current !== file.text) stale.push({ path: file.path, reason: "changed" });
  }
  const wanted = new Set(files.map((f) => f.path));
  for (const path of await listGenerated(dir)) {
    if (!wanted.has(path)) stale.push({ path, reason: "not generated" });
  }
  return stale;
}

/** Writes the generated files and removes YAML files that are no longer generated. */
export async function writeManifests(dir: string, files: readonly ManifestFile[]): Promise<void> {
  for (const stale of await staleManifests(dir, files)) {
    if (stale.reason === "not generated") await Deno.remove(join(dir, stale.path));
  }
  for (const file of files) {
    const path = join(dir, file.path);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, file.text);
  }
}

async function main(args: string[]): Promise<number> {
  const dir = fileURLToPath(new URL("../manifests/", import.meta.url));
  const files = generatedManifests();
  const shown = relative(Deno.cwd(), dir) || dir;
  if (args.includes("--check")) {
    const stale = await staleManifests(dir, files);
    for (const s of stale) console.error(`${join(shown, s.path)}: ${s.reason}`);
    if (stale.length > 0) {
      console.error(`Manifests are stale: ${stale.length} file(s); run "deno task manifests"`);
      return 1;
    }
    console.error(`Manifests are current (${files.length} files)`);
    return 0;
  }
  await writeManifests(dir, files);
  console.error(`Wrote ${files.length} files to ${shown}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
