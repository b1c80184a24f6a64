/**
 * Builds the driver image without Docker: a cached Debian 12 base layer (`rootfs.ts`), the
 * pinned Deno as a layer of its own, and the bundled driver with its entrypoint (`app.ts`);
 * checks `directpv --version` in the assembled root filesystem (chroot), whose run also fills
 * the image's Deno code cache; writes an OCI archive; optionally pushes with crane. With
 * linux/arm64 (the default) it also assembles the arm64 image without running arm64 code
 * (`foreign.ts`: no check run, no code cache) and writes a second archive whose index holds
 * both platforms. Run through `tools/image/build.sh` (`deno task image`), as root.
 *
 *   tools/image/build.sh [--output FILE] [--push REGISTRY[/REPOSITORY[:TAG]]] [--mirror URL]
 *                        [--platforms linux/amd64[,linux/arm64]] [--index-output FILE]
 *                        [--push-index REGISTRY[/REPOSITORY[:TAG]]]
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { DEFAULT_ORG, DEFAULT_REGISTRY, DRIVER_IMAGE_NAME } from "../../lib/install/mod.ts";
import { RELEASE_TAG, RELEASE_VERSION } from "../../lib/version/mod.ts";
import { IMAGE_ENV, IMAGE_PATHS, stageApp, stageDeno } from "./app.ts";
import { run } from "./command.ts";
import { assertElfArch, denoForArch } from "./foreign.ts";
import {
  digestOfFile,
  type ImageSpec,
  type Layer,
  tarLayer,
  writeArchive,
  writeIndexLayout,
  writeLayout,
} from "./oci.ts";
import {
  ensureBase,
  localMirror,
  PACKAGES_FILE,
  parsePackages,
  SUITE,
  TRIM_SCRIPT,
} from "./rootfs.ts";

/** The image's name: `ghcr.io/directpv/directpv`. */
export const IMAGE_REPOSITORY = `${DEFAULT_REGISTRY}/${DEFAULT_ORG}/${DRIVER_IMAGE_NAME}`;
const REPO = resolve(import.meta.dirname ?? ".", "..", "..");

/**
 * The reference `--push` names: a bare registry (`127.0.0.1:5000`) gets the image's
 * repository path and tag, a repository gets the tag, a full reference stays as it is.
 */
export function pushReference(target: string, tag: string = RELEASE_TAG): string {
  const slash = target.indexOf("/");
  if (slash < 0) return `${target}/${DEFAULT_ORG}/${DRIVER_IMAGE_NAME}:${tag}`;
  const last = target.slice(target.lastIndexOf("/") + 1);
  return last.includes(":") || last.includes("@") ? target : `${target}:${tag}`;
}

function say(message: string): void {
  console.error(`[image] ${message}`);
}

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const out = await fn();
  say(`${what} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return out;
}

/** Seconds since the epoch the image records: SOURCE_DATE_EPOCH, else the HEAD commit's time. */
async function sourceDateEpoch(): Promise<number> {
  const given = Deno.env.get("SOURCE_DATE_EPOCH");
  if (given && /^\d+$/.test(given)) return Number(given);
  const out = await run("git", ["-C", REPO, "log", "-1", "--format=%ct"], { capture: true }).catch(
    () => "0",
  );
  return Number(out.trim()) || 0;
}

/** Stages the Deno tree in `tree` and returns its layer, cached per Deno binary. */
async function denoLayer(cacheDir: string, deno: string, tree: string): Promise<Layer> {
  await stageDeno(tree, deno);
  const digest = await digestOfFile(deno);
  const dir = join(cacheDir, `deno-${Deno.version.deno}-${digest.slice(7, 23)}`);
  const cached = await Deno.readTextFile(join(dir, "layer.json")).catch(() => undefined);
  if (cached) return { ...JSON.parse(cached), path: join(dir, "layer.tar.gz") };
  await Deno.mkdir(dir, { recursive: true });
  const comment = `deno ${Deno.version.deno} at ${IMAGE_PATHS.deno}`;
  const layer = await tarLayer(tree, join(dir, "layer.tar.gz"), {
    rootOwned: true,
    mtime: 0,
    comment,
  });
  const { path: _path, ...stored } = layer;
  await Deno.writeTextFile(join(dir, "layer.json"), JSON.stringify(stored, null, 2));
  return layer;
}

/**
 * Runs a command chrooted in `rootfs` with `/proc` mounted (Deno reads /proc/self/exe), in a
 * mount namespace of its own so that no mount outlives the command.
 */
export function runInRootfs(rootfs: string, command: string[]): Promise<string> {
  const script = 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"';
  return run("unshare", [
    "--mount",
    "sh",
    "-c",
    script,
    "sh",
    rootfs,
    rootfs,
    ...command,
  ], { capture: true });
}

/**
 * Assembles base + Deno + app in `rootfs`, runs `directpv --version` there and returns what
 * it printed; the run fills `<rootfs>/var/cache/directpv/deno`.
 */
async function checkInRootfs(rootfs: string, baseRootfs: string, trees: string[]): Promise<string> {
  await run("cp", ["-a", "--reflink=auto", baseRootfs, rootfs]);
  for (const tree of trees) await run("cp", ["-a", `${tree}/.`, rootfs]);
  return (await runInRootfs(rootfs, [IMAGE_PATHS.entrypoint, "--version"])).trim();
}

/** Where crane is: $CRANE, PATH, or the tool cache's bin directory. */
async function findCrane(toolsCache: string): Promise<string> {
  const candidates = [Deno.env.get("CRANE"), join(toolsCache, "bin", "crane")];
  const onPath = await run("sh", ["-c", "command -v crane || true"], { capture: true });
  if (onPath.trim()) candidates.unshift(onPath.trim());
  for (const c of candidates) {
    if (c && (await Deno.stat(c).catch(() => undefined))?.isFile) return c;
  }
  throw new Error(
    `Cannot push: crane is not on PATH nor in "${
      join(toolsCache, "bin")
    }"; build it with harness/tools/build.sh`,
  );
}

/** The platforms the build knows; the first is the builder's own. */
const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

interface Options {
  output: string;
  /** The multi-platform archive (written when linux/arm64 is built). */
  indexOutput: string;
  arm64: boolean;
  push?: string;
  /** Where to push the multi-platform image index. */
  pushIndex?: string;
  mirror?: string;
  toolsCache: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      output: { type: "string" },
      push: { type: "string" },
      "push-index": { type: "string" },
      mirror: { type: "string" },
      platforms: { type: "string", default: PLATFORMS.join(",") },
      "index-output": { type: "string" },
    },
  });
  const platforms = values.platforms.split(",").map((p) => p.trim());
  for (const p of platforms) {
    if (!(PLATFORMS as readonly string[]).includes(p)) {
      throw new Error(`Unknown platform "${p}" in --platforms; known: ${PLATFORMS.join(", ")}`);
    }
  }
  if (!platforms.includes("linux/amd64")) {
    throw new Error("--platforms must include linux/amd64, the builder's own platform");
  }
  if (values["push-index"] && !platforms.includes("linux/arm64")) {
    throw new Error("--push-index needs linux/arm64 in --platforms (an index of one is the image)");
  }
  const output = resolve(values.output ?? join(REPO, "dist", `directpv-${RELEASE_TAG}.oci.tar`));
  const home = Deno.env.get("HOME") ?? "/root";
  const toolsCache = Deno.env.get("DIRECTPV_TOOLS_CACHE") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(home, ".cache"), "directpv-tools");
  return {
    output,
    indexOutput: resolve(
      values["index-output"] ?? output.replace(/(\.oci)?\.tar$/, ".multiarch.oci.tar"),
    ),
    arm64: platforms.includes("linux/arm64"),
    ...(values.push ? { push: values.push } : {}),
    ...(values["push-index"] ? { pushIndex: values["push-index"] } : {}),
    ...(values.mirror ? { mirror: values.mirror } : {}),
    toolsCache,
  };
}

async function baseInputs(o: Options) {
  return {
    suite: SUITE,
    mirror: o.mirror ?? await localMirror(),
    packages: parsePackages(await Deno.readTextFile(PACKAGES_FILE)),
    trimScript: await Deno.readTextFile(TRIM_SCRIPT),
  };
}

/**
 * The arm64 image's layers: its base assembled without running it, Deno's arm64 binary, and
 * the (architecture-free) driver layer of the amd64 image. The tools and Deno are checked to
 * be aarch64 ELF files; nothing of them runs here, so there is no code cache layer.
 */
async function arm64Layers(o: Options, work: string, appLayer: Layer): Promise<Layer[]> {
  const cacheDir = join(o.toolsCache, "image");
  const inputs = { ...await baseInputs(o), foreignArch: "arm64" };
  const base = await timed("arm64 base layer", () => ensureBase(cacheDir, inputs, say));
  say(
    `arm64 base ${base.key} ${base.built ? "built" : "from the cache"}: ${base.layer.size} bytes`,
  );
  for (const tool of ["usr/sbin/mkfs.xfs", "usr/sbin/xfs_repair", "usr/bin/mount"]) {
    await assertElfArch(join(base.rootfs, tool), "arm64");
  }
  const denoBinary = await denoForArch(cacheDir, "arm64", Deno.version.deno);
  const deno = await timed(
    "arm64 deno layer",
    () => denoLayer(cacheDir, denoBinary, join(work, "deno-arm64")),
  );
  return [base.layer, deno, appLayer];
}

async function buildLayers(o: Options, work: string, epoch: number) {
  const cacheDir = join(o.toolsCache, "image");
  const inputs = await baseInputs(o);
  const base = await timed("base layer", () => ensureBase(cacheDir, inputs, say));
  say(`base ${base.key} ${base.built ? "built" : "from the cache"}: ${base.layer.size} bytes`);
  const deno = await timed(
    "deno layer",
    () => denoLayer(cacheDir, Deno.execPath(), join(work, "deno")),
  );
  const app = join(work, "app");
  await timed("driver bundle", () => stageApp(app, Deno.execPath()));
  const version = await timed(
    "directpv --version in the root filesystem",
    () => checkInRootfs(join(work, "rootfs"), base.rootfs, [join(work, "deno"), app]),
  );
  if (version !== RELEASE_TAG) {
    throw new Error(`directpv --version printed "${version}" in the image, not "${RELEASE_TAG}"`);
  }
  const comment = `directpv ${RELEASE_TAG}: ${IMAGE_PATHS.bundle}, ${IMAGE_PATHS.entrypoint}`;
  const appLayer = await tarLayer(app, join(work, "app.tar.gz"), {
    rootOwned: true,
    mtime: epoch,
    comment,
  });
  // The code cache the check filled: half the start-up time, but its bytes vary from build to
  // build, so it has a layer of its own and the driver layer stays reproducible.
  const cache = join(work, "code-cache", IMAGE_PATHS.denoDir.slice(1));
  await Deno.mkdir(cache, { recursive: true });
  await run("cp", ["-a", `${join(work, "rootfs")}${IMAGE_PATHS.denoDir}/.`, cache]);
  const cacheLayer = await tarLayer(join(work, "code-cache"), join(work, "code-cache.tar.gz"), {
    rootOwned: true,
    mtime: epoch,
    comment: `deno code cache of ${IMAGE_PATHS.bundle} in ${IMAGE_PATHS.denoDir}`,
  });
  return [base.layer, deno, appLayer, cacheLayer];
}

/**
 * Pushes the image index `digest` of `layout` as one tag: crane pushes the index a layout's
 * `index.json` is, so a layout whose `index.json` is that index (blobs shared) is pushed.
 */
async function pushIndex(o: Options, layout: string, digest: string): Promise<void> {
  const ref = pushReference(o.pushIndex ?? "");
  const crane = await findCrane(o.toolsCache);
  const flat = `${layout}-push`;
  await Deno.mkdir(flat);
  await Deno.symlink(join(layout, "blobs"), join(flat, "blobs"));
  await Deno.copyFile(join(layout, "oci-layout"), join(flat, "oci-layout"));
  await Deno.copyFile(join(layout, "blobs", "sha256", digest.slice(7)), join(flat, "index.json"));
  await timed(`push the index to ${ref}`, () => run(crane, ["push", "--index", flat, ref]));
}

/** Builds the arm64 image and writes the archive whose index holds amd64 and arm64. */
async function writeMultiArch(
  o: Options,
  work: string,
  spec: ImageSpec,
  layers: Layer[],
  epoch: number,
): Promise<void> {
  const appLayer = layers[2];
  if (appLayer === undefined) throw new Error("The amd64 image has no driver layer");
  const arm64 = await arm64Layers(o, work, appLayer);
  const arm64Spec = { ...spec, platform: { os: "linux", architecture: "arm64" } };
  const layout = join(work, "layout-multiarch");
  const index = await writeIndexLayout(layout, [{ spec, layers }, {
    spec: arm64Spec,
    layers: arm64,
  }]);
  await writeArchive(layout, o.indexOutput, epoch);
  if (o.pushIndex) await pushIndex(o, layout, index.digest);
  say(`${IMAGE_REPOSITORY}:${RELEASE_TAG} index ${index.digest}: linux/amd64, linux/arm64`);
  say(`multi-platform archive: ${o.indexOutput} (${(await Deno.stat(o.indexOutput)).size} bytes)`);
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (Deno.uid() !== 0) {
    console.error("Error: building the image needs root (debootstrap, chroot)");
    return 1;
  }
  const start = performance.now();
  const work = await Deno.makeTempDir({ prefix: "directpv-image-" });
  try {
    const epoch = await sourceDateEpoch();
    const layers = await buildLayers(o, work, epoch);
    const spec: ImageSpec = {
      repository: IMAGE_REPOSITORY,
      tag: RELEASE_TAG,
      platform: { os: "linux", architecture: "amd64" },
      entrypoint: [IMAGE_PATHS.entrypoint],
      env: IMAGE_ENV,
      labels: {
        "org.opencontainers.image.title": "directpv",
        "org.opencontainers.image.description": "CSI driver for direct-attached drives",
        "org.opencontainers.image.version": RELEASE_VERSION,
      },
      created: epoch,
    };
    const layout = join(work, "layout");
    const manifest = await writeLayout(layout, spec, layers);
    await Deno.mkdir(resolve(o.output, ".."), { recursive: true });
    await writeArchive(layout, o.output, epoch);
    const size = layers.reduce((n, l) => n + l.size, 0);
    say(
      `${IMAGE_REPOSITORY}:${RELEASE_TAG} ${manifest.digest}: ${layers.length} layers, ${size} bytes compressed`,
    );
    say(`archive: ${o.output} (${(await Deno.stat(o.output)).size} bytes)`);
    if (o.arm64) await writeMultiArch(o, work, spec, layers, epoch);
    if (o.push) {
      const ref = pushReference(o.push);
      const crane = await findCrane(o.toolsCache);
      await timed(`push to ${ref}`, () => run(crane, ["push", layout, ref]));
    }
    say(`done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(1);
  }
}
