/**
 * The krew side of a release: one `.tar.gz` per platform holding `kubectl-directpv` at its
 * root, and the plugin manifest (`directpv.yaml`, kind Plugin) that names each archive with its
 * sha256 and the platform's os/arch selector.
 */
import { stringify } from "yaml";
import { run } from "../image/command.ts";
import type { Target } from "./targets.ts";

/** The plugin's name in krew (`kubectl krew install directpv`). */
export const PLUGIN_NAME = "directpv";
/** The executable krew links as `kubectl-directpv`. */
export const BINARY_NAME = "kubectl-directpv";

/** `kubectl-directpv_v4.2.0_linux_amd64`. */
export function releaseName(version: string, target: Target): string {
  return `${BINARY_NAME}_${version}_${target.os}_${target.arch}`;
}

/** The lowercase hex SHA-256 of a file. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Packs `entries` of `dir` into the gzip-compressed tar `out`: sorted, root-owned, every mtime
 * `mtime`, no gzip timestamp, so the same inputs give the same bytes.
 */
export async function tarGz(
  dir: string,
  entries: readonly string[],
  out: string,
  mtime: number,
): Promise<void> {
  const tar = `${out}.tar-tmp`;
  const owners = ["--owner=0", "--group=0", "--numeric-owner"];
  await run("tar", [
    "--sort=name",
    ...owners,
    `--mtime=@${mtime}`,
    "-C",
    dir,
    "-cf",
    tar,
    ...entries,
  ]);
  await run("sh", ["-c", 'gzip -n -9 --stdout "$1" >"$2" && rm "$1"', "sh", tar, out]);
}

/**
 * Writes `<dir>/<name>.tar.gz` holding the binary as `kubectl-directpv` (mode 0755) and the
 * README, with fixed owners and times so the same inputs give the same archive.
 */
export async function writeArchive(
  binary: string,
  readme: string,
  dir: string,
  name: string,
): Promise<string> {
  const stage = await Deno.makeTempDir({ prefix: "directpv-archive-" });
  try {
    await Deno.copyFile(binary, `${stage}/${BINARY_NAME}`);
    await Deno.chmod(`${stage}/${BINARY_NAME}`, 0o755);
    await Deno.copyFile(readme, `${stage}/README.md`);
    await tarGz(stage, [BINARY_NAME, "README.md"], `${dir}/${name}.tar.gz`, 0);
    return `${dir}/${name}.tar.gz`;
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

/** An archive of the release for one platform. */
export interface PlatformArchive {
  target: Target;
  file: string;
  sha256: string;
}

/** The krew plugin manifest for the archives, downloaded from `<baseUrl>/<file>`. */
export function krewManifest(
  version: string,
  baseUrl: string,
  archives: readonly PlatformArchive[],
): string {
  const manifest = {
    apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
    kind: "Plugin",
    metadata: { name: PLUGIN_NAME },
    spec: {
      version,
      homepage: "https://github.com/directpv/directpv",
      shortDescription: "Provision volumes from the direct-attached drives of nodes",
      description: [
        "Installs, upgrades and manages DirectPV, a CSI driver that formats, mounts and",
        "schedules the local drives of Kubernetes nodes and provisions persistent volumes",
        "from them: discover, init, list, cordon, move, migrate and remove drives and volumes.",
        "",
      ].join("\n"),
      platforms: archives.map((a) => ({
        selector: { matchLabels: { os: a.target.os, arch: a.target.arch } },
        uri: `${baseUrl.replace(/\/$/, "")}/${a.file}`,
        sha256: a.sha256,
        files: [{ from: BINARY_NAME, to: "." }, { from: "README.md", to: "." }],
        bin: BINARY_NAME,
      })),
    },
  };
  return stringify(manifest, { indent: 2, indentSeq: false, lineWidth: 0 });
}

/** The `<sha256>  <file>` lines of `SHA256SUMS`, sorted by file name. */
export async function checksums(dir: string, files: readonly string[]): Promise<string> {
  const lines = await Promise.all(
    [...files].sort().map(async (f) => `${await sha256File(`${dir}/${f}`)}  ${f}`),
  );
  return `${lines.join("\n")}\n`;
}
