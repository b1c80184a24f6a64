/**
 * The image's base: a Debian 12 root filesystem made by `debootstrap --variant=minbase` from
 * this machine's apt mirror, with the packages of `packages.txt`, trimmed by
 * `trim_rootfs.sh`, packed as a layer. Tree and layer are cached in the tool cache under a
 * key of everything that shapes them (suite, mirror, package list, trim script), so a warm
 * build reuses both and a changed package list builds a new base.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./command.ts";
import { completeForeignRootfs } from "./foreign.ts";
import { type Layer, tarLayer } from "./oci.ts";

export const SUITE = "bookworm";
const HERE = dirname(fileURLToPath(import.meta.url));
export const PACKAGES_FILE = join(HERE, "packages.txt");
export const TRIM_SCRIPT = join(HERE, "trim_rootfs.sh");
/** Where apt's sources are read from when no mirror is given. */
const APT_SOURCES = ["/etc/apt/sources.list.d", "/etc/apt/sources.list"];

/** The package names of a `packages.txt` text (comments and blank lines dropped). */
export function parsePackages(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "");
}

/**
 * The first Debian archive URI of apt sources that serves `suite` (deb822 `.sources`
 * stanzas or one-line `deb URI SUITE ...` entries); security and update suites are skipped.
 */
export function debianMirror(sourcesText: string, suite = SUITE): string | undefined {
  for (const stanza of sourcesText.split(/\n\s*\n/)) {
    const field = (name: string) =>
      new RegExp(`^${name}:\\s*(.+)$`, "mi").exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (field("Types").includes("deb") && field("Suites").includes(suite)) return field("URIs")[0];
  }
  for (const line of sourcesText.split("\n")) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m && m[2] === suite) return m[1];
  }
  return undefined;
}

/** Reads this machine's apt sources and returns its Debian mirror. */
export async function localMirror(): Promise<string> {
  const texts: string[] = [];
  for (const path of APT_SOURCES) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile) texts.push(await Deno.readTextFile(path));
    if (info?.isDirectory) {
      for await (const e of Deno.readDir(path)) {
        if (/\.(sources|list)$/.test(e.name)) {
          texts.push(await Deno.readTextFile(join(path, e.name)));
        }
      }
    }
  }
  const mirror = texts.map((t) => debianMirror(t)).find((m) => m !== undefined);
  if (!mirror) throw new Error(`No apt source in ${APT_SOURCES.join(" or ")} serves "${SUITE}"`);
  return mirror;
}

/** What the base is made from; its hash names the cache entry. */
export interface BaseInputs {
  suite: string;
  mirror: string;
  packages: string[];
  trimScript: string;
  /** A Debian architecture other than the builder's (`arm64`): assembled with no code run. */
  foreignArch?: string;
}

/** The cache key of a base: 16 hex digits of the SHA-256 of its inputs. */
export function baseKey(inputs: BaseInputs): string {
  const parts = [inputs.suite, inputs.mirror, inputs.packages, inputs.trimScript];
  if (inputs.foreignArch !== undefined) parts.push(inputs.foreignArch);
  const text = JSON.stringify(parts);
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** A cached base: its root filesystem tree and its layer. */
export interface Base {
  key: string;
  rootfs: string;
  layer: Layer;
  /** Whether it was built now (false: from the cache). */
  built: boolean;
}

/** Unmounts whatever debootstrap left mounted under `dir` (only there), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await Deno.readTextFile("/proc/self/mounts")).split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run("umount", ["--lazy", m]);
}

async function debootstrap(target: string, inputs: BaseInputs, log: (s: string) => void) {
  const foreign = inputs.foreignArch;
  const arch = foreign ? ` for ${foreign}, unpacked without running it` : "";
  log(`debootstrap ${inputs.suite}${arch} from ${inputs.mirror}: ${inputs.packages.join(" ")}`);
  try {
    await run("debootstrap", [
      "--variant=minbase",
      ...(foreign ? ["--foreign", `--arch=${foreign}`] : []),
      `--include=${inputs.packages.join(",")}`,
      inputs.suite,
      target,
      inputs.mirror,
    ]);
  } finally {
    await unmountUnder(target);
  }
  if (foreign) await completeForeignRootfs(target);
  await run("bash", [TRIM_SCRIPT, target]);
}

/**
 * The base for `inputs`, from `cacheDir` or built into it (debootstrap, trim, layer). A build
 * happens in a temporary directory renamed into place when complete, so an interrupted one
 * leaves nothing that looks cached.
 */
export async function ensureBase(
  cacheDir: string,
  inputs: BaseInputs,
  log: (s: string) => void,
): Promise<Base> {
  const key = baseKey(inputs);
  const dir = join(cacheDir, `base-${key}`);
  const meta = join(dir, "layer.json");
  const cached = await Deno.readTextFile(meta).catch(() => undefined);
  if (cached) {
    const layer = { ...JSON.parse(cached), path: join(dir, "layer.tar.gz") } as Layer;
    return { key, rootfs: join(dir, "rootfs"), layer, built: false };
  }
  const work = `${dir}.tmp-${Deno.pid}`;
  await Deno.mkdir(work, { recursive: true });
  try {
    await debootstrap(join(work, "rootfs"), inputs, log);
    const foreign = inputs.foreignArch ? ` --foreign --arch=${inputs.foreignArch}` : "";
    const comment = `debootstrap --variant=minbase${foreign} ${inputs.suite} + ${
      inputs.packages.join(" ")
    }`;
    const layer = await tarLayer(join(work, "rootfs"), join(work, "layer.tar.gz"), { comment });
    const { path: _path, ...stored } = layer;
    await Deno.writeTextFile(join(work, "layer.json"), JSON.stringify(stored, null, 2));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(work, dir);
    return {
      key,
      rootfs: join(dir, "rootfs"),
      layer: { ...layer, path: join(dir, "layer.tar.gz") },
      built: true,
    };
  } catch (err) {
    await unmountUnder(work);
    await Deno.remove(work, { recursive: true }).catch(() => {});
    throw err;
  }
}
