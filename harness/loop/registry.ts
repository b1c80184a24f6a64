/**
 * The registry of loop drives in a directory, `<dir>/loop-drives.json`. Every create,
 * reattach and cleanup updates it, so the leftovers of a crashed run can be cleaned later.
 */
import { removePath, writeJsonAtomic } from "../lib/mod.ts";

/** File name of the registry inside a drive directory. */
export const REGISTRY_FILE = "loop-drives.json";

/** One registered drive. */
export interface RegistryEntry {
  name: string;
  backingFile: string;
  size: number;
  readOnly: boolean;
  /** Loop device it was last attached to. */
  device?: string;
}

interface RegistryFile {
  version: 1;
  drives: RegistryEntry[];
}

/** Path of the registry in `dir`. */
export function registryPath(dir: string): string {
  return `${dir}/${REGISTRY_FILE}`;
}

/** The registered drives of `dir` (none when there is no registry). */
export async function readRegistry(dir: string): Promise<RegistryEntry[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(registryPath(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const file = JSON.parse(text) as RegistryFile;
  if (file.version !== 1 || !Array.isArray(file.drives)) {
    throw new SyntaxError(`Invalid loop drive registry "${registryPath(dir)}"`);
  }
  return file.drives;
}

/** Adds or replaces entries (matched by backing file). */
export async function registerDrives(
  dir: string,
  entries: readonly RegistryEntry[],
): Promise<void> {
  const keep = (await readRegistry(dir)).filter((d) =>
    !entries.some((e) => e.backingFile === d.backingFile)
  );
  await writeRegistry(dir, [...keep, ...entries]);
}

/** Removes the entries of these backing files; deletes the registry when it becomes empty. */
export async function unregisterDrives(
  dir: string,
  backingFiles: readonly string[],
): Promise<void> {
  const keep = (await readRegistry(dir)).filter((d) => !backingFiles.includes(d.backingFile));
  await writeRegistry(dir, keep);
}

async function writeRegistry(dir: string, drives: RegistryEntry[]): Promise<void> {
  if (drives.length === 0) {
    await removePath(registryPath(dir));
    return;
  }
  const file: RegistryFile = { version: 1, drives };
  await writeJsonAtomic(registryPath(dir), file);
}
