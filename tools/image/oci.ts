/**
 * OCI image layout and archive, written by our own code (image-spec v1.1): each layer a
 * gzip-compressed tar made by GNU tar with sorted entries, fixed mtimes and numeric owners
 * (`gzip -n`, so the same tree gives the same digest), then the config, manifest, index and
 * `oci-layout`, and the whole layout as one tar. Like `docker save` since Docker 25, the archive
 * also carries a `manifest.json` pointing at the same blobs, so it is an OCI archive (`ctr
 * import`, skopeo, podman) and a Docker image tarball (`docker load`, `crane push FILE`, `kind
 * load image-archive`) at once.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { run } from "./command.ts";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** A content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
}

/** A built layer: its compressed blob and the digest of its uncompressed tar. */
export interface Layer {
  /** The `.tar.gz` file. */
  path: string;
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids`). */
  diffId: string;
  /** What the layer holds, for the config's history. */
  comment: string;
}

/** What the image runs and how it is named. */
export interface ImageSpec {
  /** Repository without tag: `ghcr.io/directpv/directpv`. */
  repository: string;
  tag: string;
  platform: Platform;
  entrypoint: string[];
  env: string[];
  labels: Record<string, string>;
  /** Creation time, seconds since the epoch. */
  created: number;
}

/** `sha256:<hex>` of a byte string. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `sha256:<hex>` of a file, read in chunks. */
export async function digestOfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return `sha256:${hash.digest("hex")}`;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** The image config (image-spec config.md). */
export function imageConfig(spec: ImageSpec, layers: readonly Layer[]): Record<string, unknown> {
  return {
    created: iso(spec.created),
    architecture: spec.platform.architecture,
    os: spec.platform.os,
    config: {
      Entrypoint: [...spec.entrypoint],
      Env: [...spec.env],
      WorkingDir: "/",
      Labels: { ...spec.labels },
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: iso(spec.created), created_by: l.comment })),
  };
}

/** The image manifest (image-spec manifest.md). */
export function imageManifest(
  config: Descriptor,
  layers: readonly Layer[],
  annotations: Record<string, string>,
): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config,
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.layer, digest: l.digest, size: l.size })),
    annotations,
  };
}

/**
 * The layout's `index.json`: one manifest with its platform, named by its tag
 * (`org.opencontainers.image.ref.name`) and, for `ctr import`, by its full reference.
 */
export function imageIndex(manifest: Descriptor, spec: ImageSpec): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [{
      ...manifest,
      platform: { ...spec.platform },
      annotations: {
        "org.opencontainers.image.ref.name": spec.tag,
        "io.containerd.image.name": `${spec.repository}:${spec.tag}`,
      },
    }],
  };
}

const encoder = new TextEncoder();

async function writeBlob(layoutDir: string, bytes: Uint8Array): Promise<string> {
  const digest = digestOf(bytes);
  await Deno.writeFile(join(layoutDir, "blobs", "sha256", digest.slice(7)), bytes);
  return digest;
}

/** The `manifest.json` of a Docker image tarball over the layout's blobs. */
export function dockerManifest(
  spec: ImageSpec,
  config: Descriptor,
  layers: readonly Layer[],
): Record<string, unknown>[] {
  const path = (digest: string) => `blobs/sha256/${digest.slice(7)}`;
  return [{
    Config: path(config.digest),
    RepoTags: [`${spec.repository}:${spec.tag}`],
    Layers: layers.map((l) => path(l.digest)),
  }];
}

/** Places a layer blob in the layout: a hard link when possible (same filesystem), else a copy. */
async function addLayerBlob(layoutDir: string, layer: Layer): Promise<void> {
  const target = join(layoutDir, "blobs", "sha256", layer.digest.slice(7));
  // Images of one layout share blobs (the driver layer of every platform).
  if (await Deno.stat(target).then(() => true, () => false)) return;
  await Deno.link(layer.path, target).catch(() => Deno.copyFile(layer.path, target));
}

/** Writes an image's layer, config and manifest blobs; returns config and manifest. */
async function writeImageBlobs(
  layoutDir: string,
  spec: ImageSpec,
  layers: readonly Layer[],
): Promise<{ config: Descriptor; manifest: Descriptor }> {
  await Deno.mkdir(join(layoutDir, "blobs", "sha256"), { recursive: true });
  for (const layer of layers) await addLayerBlob(layoutDir, layer);
  const configBytes = encoder.encode(JSON.stringify(imageConfig(spec, layers)));
  const config: Descriptor = {
    mediaType: MEDIA_TYPES.config,
    digest: await writeBlob(layoutDir, configBytes),
    size: configBytes.length,
  };
  const annotations = {
    "org.opencontainers.image.version": spec.labels["org.opencontainers.image.version"] ?? "",
    "org.opencontainers.image.created": iso(spec.created),
  };
  const manifestBytes = encoder.encode(JSON.stringify(imageManifest(config, layers, annotations)));
  const manifest: Descriptor = {
    mediaType: MEDIA_TYPES.manifest,
    digest: await writeBlob(layoutDir, manifestBytes),
    size: manifestBytes.length,
  };
  return { config, manifest };
}

/** Writes `index.json`, the Docker `manifest.json` (of `docker`'s image) and `oci-layout`. */
async function writeLayoutFiles(
  layoutDir: string,
  index: Record<string, unknown>,
  docker: { spec: ImageSpec; config: Descriptor; layers: readonly Layer[] },
): Promise<void> {
  await Deno.writeTextFile(join(layoutDir, "index.json"), JSON.stringify(index));
  await Deno.writeTextFile(
    join(layoutDir, "manifest.json"),
    JSON.stringify(dockerManifest(docker.spec, docker.config, docker.layers)),
  );
  await Deno.writeTextFile(
    join(layoutDir, "oci-layout"),
    JSON.stringify({ imageLayoutVersion: "1.0.0" }),
  );
}

/**
 * Writes an OCI image layout in `layoutDir` (created empty) and returns the manifest's
 * descriptor.
 */
export async function writeLayout(
  layoutDir: string,
  spec: ImageSpec,
  layers: readonly Layer[],
): Promise<Descriptor> {
  const { config, manifest } = await writeImageBlobs(layoutDir, spec, layers);
  await writeLayoutFiles(layoutDir, imageIndex(manifest, spec), { spec, config, layers });
  return manifest;
}

/** One platform's image of a multi-platform layout. */
export interface PlatformImage {
  spec: ImageSpec;
  layers: readonly Layer[];
}

/**
 * Writes a multi-platform OCI layout: every image's blobs, an image index over their manifests
 * (each with its platform), and `index.json` naming that index by the first image's tag; the
 * Docker `manifest.json` holds the first image. Returns the image index's descriptor.
 */
export async function writeIndexLayout(
  layoutDir: string,
  images: readonly PlatformImage[],
): Promise<Descriptor> {
  const [first] = images;
  if (first === undefined) throw new Error("An image index needs at least one image");
  const written = [];
  for (const image of images) {
    written.push(await writeImageBlobs(layoutDir, image.spec, image.layers));
  }
  const manifests = written.map((w, i) => ({
    ...w.manifest,
    platform: { ...(images[i] ?? first).spec.platform },
  }));
  const indexBytes = encoder.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests,
  }));
  const index: Descriptor = {
    mediaType: MEDIA_TYPES.index,
    digest: await writeBlob(layoutDir, indexBytes),
    size: indexBytes.length,
  };
  const top = imageIndex(index, first.spec) as { manifests: Descriptor[] };
  for (const entry of top.manifests) delete entry.platform;
  const docker = { spec: first.spec, config: written[0]?.config ?? index, layers: first.layers };
  await writeLayoutFiles(layoutDir, top, docker);
  return index;
}

/** Options of {@linkcode tarLayer}. */
export interface TarOptions {
  /** Every entry's mtime, seconds since the epoch; the files' own when omitted. */
  mtime?: number;
  /** Every entry owned by root (trees staged by this build); the files' owners otherwise. */
  rootOwned?: boolean;
  comment: string;
}

/**
 * Packs the entries of `dir` (not `dir` itself, whose mode would become the image's `/`)
 * into `<out>` as a gzip-compressed tar and returns the layer.
 */
export async function tarLayer(dir: string, out: string, options: TarOptions): Promise<Layer> {
  const entries = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  const tarPath = `${out}.tar-tmp`;
  await run("tar", [
    "--create",
    "--file",
    tarPath,
    "--sort=name",
    "--numeric-owner",
    ...(options.rootOwned ? ["--owner=0", "--group=0"] : []),
    ...(options.mtime !== undefined ? [`--mtime=@${options.mtime}`] : []),
    "--directory",
    dir,
    "--",
    ...entries,
  ]);
  try {
    const diffId = await digestOfFile(tarPath);
    await run("sh", ["-c", 'gzip -n -6 --stdout "$1" >"$2"', "sh", tarPath, out]);
    const size = (await Deno.stat(out)).size;
    return { path: out, digest: await digestOfFile(out), size, diffId, comment: options.comment };
  } finally {
    await Deno.remove(tarPath);
  }
}

/** Writes the layout in `layoutDir` as one tar at `out` (sorted, fixed mtime, root-owned). */
export async function writeArchive(layoutDir: string, out: string, mtime: number): Promise<void> {
  await run("tar", [
    "--create",
    "--file",
    out,
    "--sort=name",
    "--numeric-owner",
    "--owner=0",
    "--group=0",
    `--mtime=@${mtime}`,
    "--directory",
    layoutDir,
    "--",
    "oci-layout",
    "index.json",
    "manifest.json",
    "blobs",
  ]);
}
