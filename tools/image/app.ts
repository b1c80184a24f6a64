/**
 * What the image adds to Debian: the pinned Deno at `/usr/local/bin/deno`, the driver bundled
 * with every npm dependency into one file (`deno bundle`, `/opt/directpv/directpv.js`), and
 * the entrypoint `/usr/local/bin/directpv` (also `/directpv`, where DirectPV's image has it),
 * which runs the bundle with `--cached-only`: nothing is fetched when a pod starts.
 *
 * `tools/image/build.sh` stages these as two layers; the Dockerfile stages them into one tree:
 *
 *   deno run -A tools/image/app.ts DEST
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DRIVER_V8_FLAGS } from "../../lib/install/mod.ts";
import { run } from "./command.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Paths inside the image. */
export const IMAGE_PATHS = {
  deno: "/usr/local/bin/deno",
  bundle: "/opt/directpv/directpv.js",
  entrypoint: "/usr/local/bin/directpv",
  /** DirectPV's image has its binary here. */
  legacyEntrypoint: "/directpv",
  /** The Deno cache the entrypoint uses (code cache; filled at build time by the script). */
  denoDir: "/var/cache/directpv/deno",
} as const;

/** The environment the image sets. */
export const IMAGE_ENV = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  `DENO_DIR=${IMAGE_PATHS.denoDir}`,
  "DENO_NO_UPDATE_CHECK=1",
  "DENO_NO_PROMPT=1",
];

/** The entrypoint script. */
export function entrypointScript(): string {
  return [
    "#!/bin/sh",
    "# The directpv driver: its bundled sources run by the pinned Deno, offline.",
    `export DENO_DIR="\${DENO_DIR:-${IMAGE_PATHS.denoDir}}" DENO_NO_UPDATE_CHECK=1`,
    `exec ${IMAGE_PATHS.deno} run --allow-all --no-config --no-lock --cached-only \\`,
    `  --v8-flags=${DRIVER_V8_FLAGS} ${IMAGE_PATHS.bundle} "$@"`,
    "",
  ].join("\n");
}

function under(root: string, imagePath: string): string {
  return join(root, imagePath);
}

/** Copies the Deno binary `deno` to `<root>/usr/local/bin/deno`. */
export async function stageDeno(root: string, deno: string): Promise<void> {
  const target = under(root, IMAGE_PATHS.deno);
  await Deno.mkdir(dirname(target), { recursive: true, mode: 0o755 });
  await Deno.copyFile(deno, target);
  await Deno.chmod(target, 0o755);
}

/**
 * Bundles `driver/main.ts` with this repository's lock file into `<root>/opt/directpv/` and
 * writes the entrypoint; `deno` runs the bundler.
 */
export async function stageApp(root: string, deno: string): Promise<void> {
  const bundle = under(root, IMAGE_PATHS.bundle);
  await Deno.mkdir(dirname(bundle), { recursive: true, mode: 0o755 });
  await run(deno, [
    "bundle",
    "--quiet",
    "--frozen",
    "--platform",
    "deno",
    "--output",
    bundle,
    join(REPO, "driver", "main.ts"),
  ], { cwd: REPO });
  await Deno.chmod(bundle, 0o644);
  const entry = under(root, IMAGE_PATHS.entrypoint);
  await Deno.mkdir(dirname(entry), { recursive: true, mode: 0o755 });
  await Deno.writeTextFile(entry, entrypointScript(), { mode: 0o755 });
  await Deno.chmod(entry, 0o755);
  await Deno.symlink(IMAGE_PATHS.entrypoint.slice(1), under(root, IMAGE_PATHS.legacyEntrypoint));
  await Deno.mkdir(under(root, IMAGE_PATHS.denoDir), { recursive: true, mode: 0o755 });
}

if (import.meta.main) {
  const [dest] = Deno.args;
  if (!dest) {
    console.error("Usage: deno run -A tools/image/app.ts DEST");
    Deno.exit(2);
  }
  await stageDeno(dest, Deno.execPath());
  await stageApp(dest, Deno.execPath());
}
