/**
 * `deno task release`: the single-file `kubectl-directpv` for every platform (deno compile
 * --target), a krew archive per platform, the krew plugin manifest, the Helm chart package with
 * a chart repository index, and SHA256SUMS, written to dist/release/ only when every part was
 * built.
 *
 *   deno task release [--out DIR] [--targets linux-amd64,..] [--base-url URL]
 *   deno task release --binaries DIR   package binaries built elsewhere (DIR/<os>-<arch>/kubectl-directpv)
 *
 * DIRECTPV_DENORT_DIR names a directory of `denort-<target>` runtimes for machines where deno
 * compile cannot download them; without one reachable, the task says so and writes nothing.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CHART_DIR } from "../../lib/install/mod.ts";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { writeHelmRepository } from "./helm_repo.ts";
import { run } from "../image/command.ts";
import {
  BINARY_NAME,
  checksums,
  krewManifest,
  type PlatformArchive,
  PLUGIN_NAME,
  releaseName,
  sha256File,
  writeArchive,
} from "./krew.ts";
import {
  findRuntimes,
  missingRuntimesMessage,
  platformOf,
  type Target,
  TARGETS,
} from "./targets.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULT_BASE_URL = `https://github.com/directpv/directpv/releases/download/${RELEASE_TAG}`;

class ReleaseError extends Error {}

function selectTargets(list: string | undefined): Target[] {
  if (list === undefined) return [...TARGETS];
  return list.split(",").map((name) => {
    const target = TARGETS.find((t) => platformOf(t) === name.trim());
    if (!target) {
      const known = TARGETS.map(platformOf).join(", ");
      throw new ReleaseError(`Unknown platform "${name}" in --targets; known: ${known}`);
    }
    return target;
  });
}

async function denoDir(): Promise<string | undefined> {
  const out = await run(Deno.execPath(), ["info", "--json"], { capture: true });
  return (JSON.parse(out) as { denoDir?: string }).denoDir;
}

/** Compiles the plugin for each target into `stage`; throws naming the runtimes it lacks. */
async function compileAll(targets: readonly Target[], stage: string): Promise<Map<Target, string>> {
  const runtimes = await findRuntimes(targets, {
    denortDir: Deno.env.get("DIRECTPV_DENORT_DIR"),
    // DIRECTPV_DENORT_CACHE stands for deno's cache directory (tests point it at an empty one).
    denoDir: Deno.env.get("DIRECTPV_DENORT_CACHE") ?? await denoDir(),
    downloadBase: Deno.env.get("DIRECTPV_DENORT_BASE") ?? "https://dl.deno.land",
    denoVersion: Deno.version.deno,
  });
  const missing = missingRuntimesMessage(runtimes);
  if (missing !== undefined) throw new ReleaseError(missing);
  const binaries = new Map<Target, string>();
  for (const runtime of runtimes) {
    const output = join(stage, releaseName(RELEASE_TAG, runtime.target));
    const env = runtime.source === "file" ? { DENORT_BIN: runtime.path } : {};
    console.error(
      `Compiling ${basename(output)} (${runtime.target.deno}, runtime: ${runtime.source})`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      // No lockfile: deno compile 2.9 overflows its stack when it reads this one (the versions
      // are the exact ones deno.json pins; `deno task ok` checks the lock on its own).
      args: [
        "compile",
        "--no-lock",
        "--allow-all",
        "--no-check",
        "--target",
        runtime.target.deno,
        "--output",
        output,
        join(ROOT, "cli/main.ts"),
      ],
      cwd: ROOT,
      env,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new ReleaseError(`deno compile for ${runtime.target.deno} failed`);
    binaries.set(runtime.target, output);
  }
  return binaries;
}

/** Copies binaries built elsewhere into `stage`. */
async function prebuilt(dir: string, targets: readonly Target[], stage: string) {
  const binaries = new Map<Target, string>();
  for (const target of targets) {
    const from = join(dir, platformOf(target), BINARY_NAME);
    const output = join(stage, releaseName(RELEASE_TAG, target));
    try {
      await Deno.copyFile(from, output);
    } catch (err) {
      throw new ReleaseError(`Cannot read the ${platformOf(target)} binary ${from}: ${err}`);
    }
    await Deno.chmod(output, 0o755);
    binaries.set(target, output);
  }
  return binaries;
}

async function packageRelease(stage: string, binaries: Map<Target, string>, baseUrl: string) {
  const archives: PlatformArchive[] = [];
  for (const [target, binary] of binaries) {
    const file = await writeArchive(binary, join(ROOT, "README.md"), stage, basename(binary));
    archives.push({ target, file: basename(file), sha256: await sha256File(file) });
  }
  await Deno.writeTextFile(
    join(stage, `${PLUGIN_NAME}.yaml`),
    krewManifest(RELEASE_TAG, baseUrl, archives),
  );
  const chart = join(ROOT, "manifests", CHART_DIR);
  const helmFiles = await writeHelmRepository(chart, stage, baseUrl, await sourceDateEpoch());
  const files = [...binaries.values()].map((b) => basename(b));
  files.push(...archives.map((a) => a.file), `${PLUGIN_NAME}.yaml`, ...helmFiles);
  await Deno.writeTextFile(join(stage, "SHA256SUMS"), await checksums(stage, files));
}

/** Seconds since the epoch the release records: SOURCE_DATE_EPOCH, else the HEAD commit's. */
async function sourceDateEpoch(): Promise<number> {
  const given = Deno.env.get("SOURCE_DATE_EPOCH");
  if (given && /^\d+$/.test(given)) return Number(given);
  const out = await run("git", ["-C", ROOT, "log", "-1", "--format=%ct"], { capture: true })
    .catch(() => "0");
  return Number(out.trim()) || 0;
}

async function listing(dir: string): Promise<string> {
  const sums = await Deno.readTextFile(join(dir, "SHA256SUMS"));
  const rows = await Promise.all(
    sums.trim().split("\n").map(async (line) => {
      const [sum = "", file = ""] = line.split(/\s+/);
      const { size } = await Deno.stat(join(dir, file));
      return `${String(size).padStart(10)}  ${sum}  ${file}`;
    }),
  );
  return rows.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: "string", default: join(ROOT, "dist/release") },
      targets: { type: "string" },
      "base-url": { type: "string", default: DEFAULT_BASE_URL },
      binaries: { type: "string" },
    },
  });
  const out = values.out;
  await Deno.mkdir(dirname(out), { recursive: true });
  const stage = await Deno.makeTempDir({ dir: dirname(out), prefix: ".release-" });
  try {
    const targets = selectTargets(values.targets);
    const binaries = values.binaries
      ? await prebuilt(values.binaries, targets, stage)
      : await compileAll(targets, stage);
    await packageRelease(stage, binaries, values["base-url"]);
    await Deno.remove(out, { recursive: true }).catch(() => {});
    await Deno.rename(stage, out);
    console.log(await listing(out));
    return 0;
  } catch (err) {
    if (!(err instanceof ReleaseError)) throw err;
    console.error(err.message);
    return 1;
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
