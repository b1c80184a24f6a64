/**
 * Which mounts at a kubelet path belong to a volume. Unstage and unpublish unmount only
 * those: a bind of the volume's directory on one of our drive mounts, or (suspended volumes)
 * a bind of our read-only tmpfs, or (block volumes) a bind of the loop device attached to the
 * volume's block file. Anything else mounted there is someone else's and is left alone.
 */
import type { MountInfoEntry } from "../../lib/sys/mod.ts";
import { blockFilePath, fsuuidLinkName, loopDevicesOf } from "../../lib/xfs/mod.ts";
import type { NodeContext } from "../node_context.ts";
import { getVolume } from "./node_deps.ts";
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

/** The loop device (`loopN`) a mount binds, from its root (`/loopN`) or its source. */
function boundLoop(entry: MountInfoEntry): string | undefined {
  return /^\/(loop\d+)$/.exec(entry.root)?.[1] ?? /\/dev\/(loop\d+)$/.exec(entry.source)?.[1];
}

/** Whether `entry` binds the loop device attached to block volume `id`'s file. */
async function isOwnBlockBind(
  deps: NodeContext,
  entry: MountInfoEntry,
  id: string,
): Promise<boolean> {
  const loop = boundLoop(entry);
  if (loop === undefined) return false;
  const volume = await getVolume(deps, id).catch(() => undefined);
  if (volume === undefined || volume.status.fsuuid === "") return false;
  const file = blockFilePath(deps.host, volume.status.fsuuid, id);
  const devices = await loopDevicesOf(deps.host, file).catch(() => []);
  return devices.some((device) => device.endsWith(`/${loop}`));
}

/** The mounts at mapped path `path`, split by whether they are volume `id`'s. */
export async function mountsOfVolumeAt(
  deps: NodeContext,
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
  const mine = await Promise.all(
    here.map(async (e) => own(e) || await isOwnBlockBind(deps, e, id)),
  );
  return { own: here.filter((_, i) => mine[i]), foreign: here.filter((_, i) => !mine[i]) };
}

/** Mounts as messages list them: `<fstype> <source>`, comma-separated. */
export function mountList(mounts: readonly MountInfoEntry[]): string {
  return mounts.map((m) => `${m.fsType} ${m.source}`).join(", ");
}

/**
 * Bind-mounts `source` on mapped path `target`, creating it, unless one of `mounts` at the
 * target is `already` there (kubelet repeats stage and publish calls).
 */
export async function bindOnce(
  deps: NodeContext,
  mounts: readonly MountInfoEntry[],
  bind: {
    source: string;
    target: string;
    already: (entry: MountInfoEntry) => boolean;
    options?: { readOnly: boolean };
  },
): Promise<void> {
  if (mounts.some((m) => m.mountPoint === bind.target && bind.already(m))) return;
  await deps.host.fs.mkdir(bind.target, { recursive: true });
  await deps.host.mounter.bindMount(bind.source, bind.target, bind.options);
}
