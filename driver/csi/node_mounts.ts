/**
 * Which mounts at a kubelet path belong to a volume. Unstage and unpublish unmount only
 * those: a bind of the volume's directory on one of our drive mounts, or (suspended volumes)
 * a bind of our read-only tmpfs. Anything else mounted there is someone else's and is left
 * alone.
 */
import type { MountInfoEntry } from "../../lib/sys/mod.ts";
import { fsuuidLinkName } from "../../lib/xfs/mod.ts";
import type { NodeServiceDeps } from "./node_deps.ts";
import { inside } from "./node_validate.ts";

/** The mounts at one path, split into the volume's and the others. */
export interface MountsAt {
  own: MountInfoEntry[];
  foreign: MountInfoEntry[];
}

const FSUUID_PREFIX = fsuuidLinkName("");

/** Mount roots a bind of volume `id` has: `/<id>` or `/.FSUUID.<fsuuid>/<id>`. */
export function isVolumeRoot(root: string, id: string): boolean {
  if (root === `/${id}`) return true;
  const m = /^\/([^/]+)\/([^/]+)$/.exec(root);
  return m !== null && m[2] === id &&
    m[1] === fsuuidLinkName((m[1] ?? "").slice(FSUUID_PREFIX.length));
}

/** The mounts at mapped path `path`, split by whether they are volume `id`'s. */
export async function mountsOfVolumeAt(
  deps: NodeServiceDeps,
  path: string,
  id: string,
): Promise<MountsAt> {
  const entries = await deps.host.mounter.mountInfo();
  const paths = deps.host.paths;
  const dataDirs = [paths.app("mnt"), paths.legacyApp("mnt")];
  const drives = new Set(
    entries.filter((e) => dataDirs.some((d) => inside(e.mountPoint, d) && e.mountPoint !== d))
      .map((e) => e.majorMinor),
  );
  const tmpfs = new Set(
    entries.filter((e) => e.mountPoint === paths.app("tmp") && e.fsType === "tmpfs")
      .map((e) => e.majorMinor),
  );
  const own = (e: MountInfoEntry) =>
    (drives.has(e.majorMinor) && isVolumeRoot(e.root, id)) ||
    (tmpfs.has(e.majorMinor) && e.fsType === "tmpfs");
  const here = entries.filter((e) => e.mountPoint === path);
  return { own: here.filter(own), foreign: here.filter((e) => !own(e)) };
}
