/** The seed corpus in `corpus/`: hostile values the generators start from and mix. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "corpus");

/** The values of a corpus file: one JSON string (or bare number) a line, `#` comments. */
export async function corpusLines(name: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(DIR, name));
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) =>
    l.startsWith('"') ? JSON.parse(l) as string : l.trim()
  );
}

/** The files of a corpus directory, by name. */
export async function corpusFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of Deno.readDir(join(DIR, dir))) {
    if (entry.isFile) out.set(entry.name, await Deno.readTextFile(join(DIR, dir, entry.name)));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
