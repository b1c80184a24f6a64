/** Host paths rooted at a configurable root, with an app dir that can live elsewhere. */
import { APP_ROOT_DIR, LEGACY_APP_ROOT_DIR, UDEV_DATA_DIR } from "../types/mod.ts";
import type { HostPaths } from "./host.ts";

/** Where the app dirs live when they are not `<root>/var/lib/...`. */
export interface HostPathsOptions {
  /** Replaces `<root>/var/lib/directpv` (privileged tests use a temp dir). */
  appDir?: string;
  /** Replaces `<root>/var/lib/direct-csi`. */
  legacyAppDir?: string;
}

/** Joins absolute or relative parts with single slashes, keeping a leading slash. */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  const absolute = joined.startsWith("/");
  const segments = joined.split("/").filter((s) => s !== "" && s !== ".");
  return (absolute ? "/" : "") + segments.join("/");
}

function under(base: string, absolute: string): string | undefined {
  if (absolute === base) return "";
  return absolute.startsWith(base + "/") ? absolute.slice(base.length + 1) : undefined;
}

/** Directory moves, `[from, to]`, the first that applies winning. */
type Moves = ReadonlyArray<readonly [string, string]>;

/** `path` moved by the first of `moves` whose directory it is in; undefined when in none. */
function moved(path: string, moves: Moves): string | undefined {
  for (const [from, to] of moves) {
    const rest = under(from, path);
    if (rest !== undefined) return joinPath(to, rest);
  }
  return undefined;
}

/**
 * Builds the host paths for `root` (`/` in production).
 *
 * @example hostPaths("/tmp/x").sys("class/block", "sda", "size") === "/tmp/x/sys/class/block/sda/size"
 */
export function hostPaths(root = "/", options: HostPathsOptions = {}): HostPaths {
  const base = joinPath("/", root);
  const inRoot = (...parts: string[]): string => joinPath(base, ...parts);
  const appDir = joinPath(options.appDir ?? inRoot(APP_ROOT_DIR));
  const legacyDir = joinPath(options.legacyAppDir ?? inRoot(LEGACY_APP_ROOT_DIR));
  const toHost: Moves = [[APP_ROOT_DIR, appDir], [LEGACY_APP_ROOT_DIR, legacyDir]];
  const fromHost: Moves = toHost.map(([from, to]) => [to, from]);
  const host = (absolutePath: string): string => {
    const path = joinPath("/", absolutePath);
    return moved(path, toHost) ?? inRoot(path);
  };
  const unmap = (mappedPath: string): string => {
    const path = joinPath("/", mappedPath);
    const back = moved(path, fromHost);
    if (back !== undefined) return back;
    const rel = base === "/" ? path.slice(1) : under(base, path);
    return rel === undefined ? path : joinPath("/", rel);
  };
  return {
    root: base,
    sys: (...parts) => inRoot("sys", ...parts),
    proc: (...parts) => inRoot("proc", ...parts),
    dev: (...parts) => inRoot("dev", ...parts),
    udevData: (...parts) => inRoot(UDEV_DATA_DIR, ...parts),
    app: (...parts) => joinPath(appDir, ...parts),
    legacyApp: (...parts) => joinPath(legacyDir, ...parts),
    host,
    unmap,
  };
}
