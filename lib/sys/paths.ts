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
  const host = (absolutePath: string): string => {
    const path = joinPath("/", absolutePath);
    const app = under(APP_ROOT_DIR, path);
    if (app !== undefined) return joinPath(appDir, app);
    const legacy = under(LEGACY_APP_ROOT_DIR, path);
    if (legacy !== undefined) return joinPath(legacyDir, legacy);
    return inRoot(path);
  };
  const unmap = (mappedPath: string): string => {
    const path = joinPath("/", mappedPath);
    const app = under(appDir, path);
    if (app !== undefined) return joinPath(APP_ROOT_DIR, app);
    const legacy = under(legacyDir, path);
    if (legacy !== undefined) return joinPath(LEGACY_APP_ROOT_DIR, legacy);
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
