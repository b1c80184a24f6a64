/**
 * Reading the driver image's OCI archive (what `tools/image/build.sh` writes): its index,
 * manifest and config, and its layers unpacked in order into a root filesystem, for the
 * image tests and the start-up benchmark. Runs as root (device nodes, owners).
 */
import { join } from "node:path";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { run } from "../lib/mod.ts";

const REPO = new URL("../..", import.meta.url).pathname;

/** The archive the build writes by default, or `$DIRECTPV_IMAGE_ARCHIVE`. */
export function imageArchivePath(): string {
  return Deno.env.get("DIRECTPV_IMAGE_ARCHIVE") ??
    join(REPO, "dist", `directpv-${RELEASE_TAG}.oci.tar`);
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** An unpacked archive: the layout directory and its parsed documents. */
export interface ImageLayout {
  dir: string;
  index: Json;
  manifest: Json;
  config: Json;
  blob(digest: string): string;
}

/** `sha256:<hex>` of a file by coreutils' sha256sum (independent of the builder's own hashing). */
export async function sha256sum(path: string): Promise<string> {
  const out = await run("sha256sum", ["--", path]);
  return `sha256:${out.stdout.split(" ")[0]}`;
}

/** Unpacks an archive into `dir`; returns its `index.json` and the path of a blob. */
async function unpackLayout(archive: string, dir: string) {
  await Deno.mkdir(dir, { recursive: true });
  await run("tar", ["-xf", archive, "-C", dir]);
  const blob = (digest: string) => join(dir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  const index: Json = JSON.parse(await Deno.readTextFile(join(dir, "index.json")));
  return { index, blob };
}

/** Unpacks the archive's layout into `dir` and parses index, manifest and config. */
export async function openArchive(archive: string, dir: string): Promise<ImageLayout> {
  const { index, blob } = await unpackLayout(archive, dir);
  const manifest = JSON.parse(await Deno.readTextFile(blob(index.manifests[0].digest)));
  const config = JSON.parse(await Deno.readTextFile(blob(manifest.config.digest)));
  return { dir, index, manifest, config, blob };
}

/** Unpacks every layer of `layout`, in order, into `rootfs`. */
export async function unpackLayers(layout: ImageLayout, rootfs: string): Promise<void> {
  await Deno.mkdir(rootfs, { recursive: true });
  for (const layer of layout.manifest.layers) {
    await run("tar", ["-xzf", layout.blob(layer.digest), "-C", rootfs, "--numeric-owner"]);
  }
}

/** Options of {@linkcode runInRootfs}. */
export interface RootfsRunOptions {
  /** The whole environment (`NAME=value`), as the image config's `Env` gives it. */
  env: readonly string[];
  /** No network at all (a network namespace of its own). */
  isolateNet?: boolean;
}

/**
 * Runs `command` chrooted in `rootfs` with `/proc` mounted and only `options.env` set, in mount
 * (and, with `isolateNet`, network) namespaces of its own: nothing it mounts outlives it.
 */
export async function runInRootfs(
  rootfs: string,
  command: readonly string[],
  options: RootfsRunOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"';
  const ns = ["--mount", ...(options.isolateNet ? ["--net"] : [])];
  const inside = [rootfs, "/usr/bin/env", "-i", ...options.env, ...command];
  return await run("unshare", [...ns, "sh", "-c", script, "sh", rootfs, ...inside], {
    allowFailure: true,
  });
}

/**
 * The multi-platform archive beside the single-platform one (`<name>.multiarch.oci.tar`, what
 * the build writes with linux/arm64), or `$DIRECTPV_IMAGE_INDEX_ARCHIVE`.
 */
export function indexArchivePath(): string {
  return Deno.env.get("DIRECTPV_IMAGE_INDEX_ARCHIVE") ??
    imageArchivePath().replace(/(\.oci)?\.tar$/, ".multiarch.oci.tar");
}

/** A multi-platform archive: the layout, its top index and the image index it names. */
export interface IndexLayout {
  dir: string;
  top: Json;
  index: Json;
  blob(digest: string): string;
  /** The image of one architecture, as {@linkcode openArchive} gives a single one. */
  image(architecture: string): Promise<ImageLayout>;
}

/** Unpacks a multi-platform archive into `dir` and parses its indexes. */
export async function openIndexArchive(archive: string, dir: string): Promise<IndexLayout> {
  const { index: top, blob } = await unpackLayout(archive, dir);
  const index = JSON.parse(await Deno.readTextFile(blob(top.manifests[0].digest)));
  const image = async (architecture: string): Promise<ImageLayout> => {
    const entry = index.manifests.find((m: Json) => m.platform?.architecture === architecture);
    if (!entry) throw new Error(`The image index has no ${architecture} image`);
    const manifest = JSON.parse(await Deno.readTextFile(blob(entry.digest)));
    const config = JSON.parse(await Deno.readTextFile(blob(manifest.config.digest)));
    return { dir, index, manifest, config, blob };
  };
  return { dir, top, index, blob, image };
}
