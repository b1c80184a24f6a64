/**
 * Checks of Node service requests: volume ids that are safe to use as a directory name, and
 * kubelet paths that are absolute, normalised, of a length the kernel takes, inside the
 * kubelet's directory and outside our own data directories.
 */
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { Host, HostPaths } from "../../lib/sys/mod.ts";
import { APP_ROOT_DIR } from "../../lib/types/mod.ts";

/** Longest path the kernel takes (PATH_MAX less the NUL). */
export const MAX_PATH_BYTES = 4095;
/** Longest path component the kernel takes (NAME_MAX). */
export const MAX_NAME_BYTES = 255;

/** Which path of a request is checked, for messages. */
export type PathField = "staging target path" | "target path" | "volume path";

const encoder = new TextEncoder();

/**
 * Requires a volume id that can name a directory on a drive: not empty, not `.`/`..`, no
 * `/`, no NUL and not longer than a file name may be.
 *
 * @throws {InvalidArgumentError} for an empty or hostile id
 */
export function requireVolumeId(id: string): string {
  if (id === "") throw new InvalidArgumentError("Volume ID is missing in the request");
  if (id === "." || id === ".." || id.includes("/") || id.includes("\0")) {
    throw new InvalidArgumentError(`Invalid volume ID "${shown(id)}": it must be a plain name`);
  }
  if (encoder.encode(id).length > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(
      `Invalid volume ID "${shown(id)}": it is longer than ${MAX_NAME_BYTES} bytes`,
    );
  }
  return id;
}

/** A value as messages show it: NUL escaped, at most 100 characters. */
export function shown(value: string): string {
  const escaped = value.replaceAll("\0", "\\0");
  return escaped.length > 100 ? `${escaped.slice(0, 100)}...` : escaped;
}

/** Whether `path` is `dir` or below it. */
export function inside(path: string, dir: string): boolean {
  const base = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  return path === base || path.startsWith(base + "/");
}

function requireShape(path: string, what: PathField): void {
  if (path === "") throw new InvalidArgumentError(`The ${what} is missing in the request`);
  if (!path.startsWith("/")) {
    throw new InvalidArgumentError(`Invalid ${what} "${shown(path)}": it must be absolute`);
  }
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === "..") || path.includes("\0")) {
    throw new InvalidArgumentError(`Invalid ${what} "${shown(path)}": it must be normalised`);
  }
  if (encoder.encode(path).length > MAX_PATH_BYTES) {
    throw new InvalidArgumentError(
      `Invalid ${what} "${shown(path)}": it is longer than ${MAX_PATH_BYTES} bytes`,
    );
  }
  if (segments.some((s) => encoder.encode(s).length > MAX_NAME_BYTES)) {
    throw new InvalidArgumentError(
      `Invalid ${what} "${shown(path)}": a name in it is longer than ${MAX_NAME_BYTES} bytes`,
    );
  }
}

/**
 * Requires a path the kubelet could have given: absolute, normalised (no `.`/`..`), no NUL,
 * within the kernel's length limits, strictly below the kubelet directory and not inside the
 * app directory (`/var/lib/directpv`), where drives and volume data live.
 *
 * @throws {InvalidArgumentError} when the path is missing or any of that does not hold
 */
export function requireKubeletPath(
  paths: HostPaths,
  kubeletDir: string,
  path: string,
  what: PathField,
): string {
  requireShape(path, what);
  if (!inside(path, kubeletDir) || path.replace(/\/+$/, "") === kubeletDir.replace(/\/+$/, "")) {
    throw new InvalidArgumentError(
      `Invalid ${what} "${shown(path)}": it is not inside the kubelet directory "${kubeletDir}"`,
    );
  }
  if (inside(path, APP_ROOT_DIR) || inside(paths.host(path), paths.app())) {
    throw new InvalidArgumentError(
      `Invalid ${what} "${shown(path)}": it is inside the data directory "${APP_ROOT_DIR}"`,
    );
  }
  return path;
}

/**
 * {@link requireKubeletPath} against a node's own host paths and kubelet directory.
 *
 * @throws {InvalidArgumentError} when the path is missing or not a kubelet path
 */
export function requireNodePath(
  node: { host: Pick<Host, "paths">; kubeletDir: string },
  path: string,
  what: PathField,
): string {
  return requireKubeletPath(node.host.paths, node.kubeletDir, path, what);
}

/**
 * Refuses a path with a symbolic link anywhere below the kubelet directory: a mount on it
 * would land where the link points, outside the directory that was checked.
 *
 * @throws {InvalidArgumentError} naming the link
 */
export async function requireNoSymlink(
  host: Host,
  kubeletDir: string,
  path: string,
  what: PathField,
): Promise<void> {
  const base = kubeletDir.replace(/\/+$/, "");
  const rest = path.slice(base.length).split("/").filter((s) => s !== "");
  let current = base;
  for (const name of rest) {
    current = `${current}/${name}`;
    const info = await host.fs.stat(host.paths.host(current));
    if (!info) return;
    if (info.isSymlink) {
      throw new InvalidArgumentError(
        `Invalid ${what} "${shown(path)}": "${shown(current)}" is a symbolic link`,
      );
    }
  }
}
