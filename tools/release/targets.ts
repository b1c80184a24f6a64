/**
 * The platforms the single-file plugin is built for, and the `deno compile` runtime (denort)
 * each needs. deno compile downloads denort from dl.deno.land unless DENORT_BIN names one; a
 * machine that reaches neither gets a clear error before anything is built.
 */

/** A platform of the plugin: deno's target triple and krew's os/arch labels. */
export interface Target {
  deno: string;
  os: "linux" | "darwin";
  arch: "amd64" | "arm64";
}

export const TARGETS: readonly Target[] = [
  { deno: "x86_64-unknown-linux-gnu", os: "linux", arch: "amd64" },
  { deno: "aarch64-unknown-linux-gnu", os: "linux", arch: "arm64" },
  { deno: "x86_64-apple-darwin", os: "darwin", arch: "amd64" },
  { deno: "aarch64-apple-darwin", os: "darwin", arch: "arm64" },
];

/** `linux-amd64`. */
export function platformOf(target: Target): string {
  return `${target.os}-${target.arch}`;
}

/** Where the runtime of a target comes from, or why it cannot be had. */
export type Runtime =
  | { target: Target; source: "file"; path: string }
  | { target: Target; source: "deno cache" | "download" }
  | { target: Target; source: "missing"; reason: string };

/** Settings of the runtime lookup (environment variables of the release task). */
export interface RuntimeLookup {
  /** DIRECTPV_DENORT_DIR: a directory holding `denort-<target>` runtimes. */
  denortDir?: string | undefined;
  /** Deno's cache directory (`deno info --json`), where deno compile keeps downloaded runtimes. */
  denoDir?: string | undefined;
  /** DIRECTPV_DENORT_BASE: where deno compile downloads from (dl.deno.land). */
  downloadBase: string;
  denoVersion: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Whether the download server answers for the runtime's archive (10 s at most). */
async function reachable(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    return response.ok ? undefined : `${url} answered ${response.status}`;
  } catch (err) {
    return `${url} cannot be reached (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Finds the runtime of each target: a given file, deno's cache, or the download server. */
export async function findRuntimes(
  targets: readonly Target[],
  lookup: RuntimeLookup,
): Promise<Runtime[]> {
  const runtimes: Runtime[] = [];
  for (const target of targets) {
    const name = `denort-${target.deno}`;
    const file = lookup.denortDir ? `${lookup.denortDir}/${name}` : undefined;
    const cached = lookup.denoDir
      ? `${lookup.denoDir}/dl/release/v${lookup.denoVersion}/${name}.zip`
      : undefined;
    if (file && await isFile(file)) {
      runtimes.push({ target, source: "file", path: file });
    } else if (cached && await isFile(cached)) {
      runtimes.push({ target, source: "deno cache" });
    } else {
      const url = `${lookup.downloadBase}/release/v${lookup.denoVersion}/${name}.zip`;
      const problem = await reachable(url);
      runtimes.push(
        problem === undefined
          ? { target, source: "download" }
          : { target, source: "missing", reason: file ? `no ${file}; ${problem}` : problem },
      );
    }
  }
  return runtimes;
}

/** The message of a release that cannot build some targets. */
export function missingRuntimesMessage(runtimes: readonly Runtime[]): string | undefined {
  const missing = runtimes.filter((r) => r.source === "missing");
  if (missing.length === 0) return undefined;
  const lines = missing.map((r) => `  ${r.target.deno}: ${r.source === "missing" ? r.reason : ""}`);
  return [
    `Cannot build kubectl-directpv for ${missing.length} platform(s): deno compile needs the ` +
    "denort runtime of each target, and none was found",
    ...lines,
    "Set DIRECTPV_DENORT_DIR to a directory holding denort-<target> files (from the Deno " +
    "release of the same version), or run where deno compile can download them. Nothing was " +
    "written",
  ].join("\n");
}
