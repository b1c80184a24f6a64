/** Locating the pinned control-plane and CSI tools that `harness/tools/build.sh` builds. */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { run } from "./process.ts";

/** Path of the build script, which is the single source of the tools' location. */
export const BUILD_SCRIPT = new URL("../tools/build.sh", import.meta.url).pathname;

/** The directory holding the built tools (`harness/tools/build.sh --print`). */
export async function toolsBinDir(): Promise<string> {
  const res = await run("bash", [BUILD_SCRIPT, "--print"]);
  return res.stdout.trim();
}

/** Names of `names` that are not executable files in `binDir`. */
export async function missingBinaries(binDir: string, names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const info = await Deno.stat(`${binDir}/${name}`).catch(() => undefined);
    if (!info?.isFile || ((info.mode ?? 0) & 0o111) === 0) missing.push(name);
  }
  return missing;
}

/**
 * Checks that every tool in `names` is built.
 *
 * @throws {FailedPreconditionError} naming the missing tools and how to build them
 */
export async function requireBinaries(binDir: string, names: readonly string[]): Promise<void> {
  const missing = await missingBinaries(binDir, names);
  if (missing.length > 0) {
    throw new FailedPreconditionError(
      `Cannot find ${missing.map((m) => `"${m}"`).join(", ")} in "${binDir}": ` +
        `run harness/tools/build.sh`,
    );
  }
}

/**
 * The path of one built tool: `$<envVar>` when set, else `<bin dir>/<name>`, which must exist.
 *
 * @throws {FailedPreconditionError} when the tool is not built
 */
export async function builtTool(name: string, envVar: string): Promise<string> {
  const given = Deno.env.get(envVar);
  if (given) return given;
  const bin = await toolsBinDir();
  await requireBinaries(bin, [name]);
  return `${bin}/${name}`;
}
