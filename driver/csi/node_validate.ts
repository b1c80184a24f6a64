/**
 * Checks of Node service requests: volume ids that are safe to use as a directory name, and
 * kubelet paths that are absolute and outside our own data directories.
 */
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { HostPaths } from "../../lib/sys/mod.ts";
import { APP_ROOT_DIR } from "../../lib/types/mod.ts";

/**
 * Requires a volume id that can name a directory on a drive: not empty, not `.`/`..`, no
 * `/` and no NUL.
 *
 * @throws {InvalidArgumentError} for an empty or hostile id
 */
export function requireVolumeId(id: string): string {
  if (id === "") throw new InvalidArgumentError("Volume ID is missing in the request");
  if (id === "." || id === ".." || id.includes("/") || id.includes("\0")) {
    throw new InvalidArgumentError(`Invalid volume ID "${id}": it must be a plain name`);
  }
  return id;
}

function inside(path: string, dir: string): boolean {
  const base = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  return path === base || path.startsWith(base + "/");
}

/**
 * Requires an absolute, normalised path (no `.`/`..` segments) that is not inside the app
 * directory (`/var/lib/directpv`), where drives and volume data live.
 *
 * @throws {InvalidArgumentError} when the path is missing, relative or inside the app dir
 */
export function requireHostPath(
  paths: HostPaths,
  path: string,
  what: "staging target path" | "target path" | "volume path",
): string {
  if (path === "") throw new InvalidArgumentError(`The ${what} is missing in the request`);
  if (!path.startsWith("/")) {
    throw new InvalidArgumentError(`Invalid ${what} "${path}": it must be absolute`);
  }
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === "..") || path.includes("\0")) {
    throw new InvalidArgumentError(`Invalid ${what} "${path}": it must be normalised`);
  }
  if (inside(path, APP_ROOT_DIR) || inside(paths.host(path), paths.app())) {
    throw new InvalidArgumentError(
      `Invalid ${what} "${path}": it is inside the data directory "${APP_ROOT_DIR}"`,
    );
  }
  return path;
}
