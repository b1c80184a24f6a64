/**
 * ListVolumes (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#listvolumes)
 * and ControllerGetVolume (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#controllergetvolume):
 * volumes with their capacity, topology, content source and condition, read from the
 * controller's volume and drive caches. The condition is what the objects record (the drive
 * gone, Lost or in Error; the volume Lost or its copy failed), which is what the external
 * health monitor asks the controller for; the node adds its own checks in NodeGetVolumeStats.
 *
 * Volumes are never controller-published (there is no ControllerPublishVolume), so the
 * response carries no published node ids and LIST_VOLUMES_PUBLISHED_NODES is not offered.
 */
import {
  AbortedError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import {
  ANNOTATIONS,
  type DirectPVVolume,
  driveIdOf,
  LABELS,
  parseContentSource,
} from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import { byName, pageOf, requireMaxEntries } from "./controller_paging.ts";
import type { CallContext, Reply } from "./services.ts";
import { recordedCondition } from "./volume_condition.ts";

/** What a page token starts with; the rest is the name the next page starts at. */
export const PAGE_TOKEN_PREFIX = "next:";

/** The token of a page that starts at volume `name`. */
export function pageToken(name: string): string {
  return `${PAGE_TOKEN_PREFIX}${name}`;
}

/**
 * The volume name a starting token resumes at; "" for no token. Resuming by name rather
 * than by index keeps the place when volumes before it are deleted between pages.
 *
 * @throws {AbortedError} for a token ListVolumes did not hand out (CSI's code for it)
 */
export function resumeAt(token: string): string {
  if (token === "") return "";
  const name = token.startsWith(PAGE_TOKEN_PREFIX) ? token.slice(PAGE_TOKEN_PREFIX.length) : "";
  if (name === "") {
    throw new AbortedError(
      `Invalid starting token "${token}": it is not a token ListVolumes returned; list again ` +
        `from the start`,
    );
  }
  return name;
}

/**
 * Every live volume (not being deleted), from the cache when there is one.
 *
 * @throws {UnavailableError} while the cache has not loaded yet
 */
async function liveVolumes(deps: ControllerDeps, signal: AbortSignal): Promise<DirectPVVolume[]> {
  const cache = deps.volumes;
  if (cache && !cache.synced()) {
    throw new UnavailableError("Cannot list volumes yet: the volume cache is still loading");
  }
  const all = cache ? [...cache.list()] : await deps.kube.volumes.listAll({ signal });
  return all.filter((v) => !v.metadata.deletionTimestamp);
}

function contentSourceOf(
  volume: DirectPVVolume,
): { contentSource?: csi.DeepPartial<csi.VolumeContentSource> } {
  const source = parseContentSource(volume.metadata.annotations?.[ANNOTATIONS.contentSource]);
  if (!source) return {};
  return source.kind === "volume"
    ? { contentSource: { volume: { volumeId: source.name } } }
    : { contentSource: { snapshot: { snapshotId: source.name } } };
}

/** The CSI view of a volume and its condition. */
export function volumeEntry(
  deps: ControllerDeps,
  volume: DirectPVVolume,
): Reply<csi.ControllerGetVolumeResponse> {
  const drive = deps.drives.get(driveIdOf(volume));
  // Without its drive only the node label says where the volume is.
  const node = volume.metadata.labels?.[LABELS.node];
  const segments = drive?.status.topology ?? (node ? { [LABELS.node]: node } : undefined);
  return {
    volume: {
      volumeId: volume.metadata.name ?? "",
      capacityBytes: volume.status.totalCapacity,
      ...contentSourceOf(volume),
      accessibleTopology: segments ? [{ segments: { ...segments } }] : [],
    },
    status: { volumeCondition: recordedCondition(volume, drive) },
  };
}

/**
 * Handles ListVolumes: live volumes in name order, `max_entries` at a time.
 *
 * @throws {InvalidArgumentError} for a negative max_entries
 * @throws {AbortedError} for an invalid starting token
 * @throws {UnavailableError} while the volume cache is loading
 */
export async function listVolumes(
  deps: ControllerDeps,
  req: csi.ListVolumesRequest,
  ctx: CallContext,
): Promise<Reply<csi.ListVolumesResponse>> {
  requireMaxEntries(req.maxEntries);
  const from = resumeAt(req.startingToken);
  const volumes = (await liveVolumes(deps, ctx.signal))
    .filter((v) => (v.metadata.name ?? "") >= from)
    .sort(byName);
  const { page, end } = pageOf(volumes, 0, req.maxEntries);
  const next = volumes[end];
  return {
    entries: page.map((v) => volumeEntry(deps, v)),
    nextToken: next ? pageToken(next.metadata.name ?? "") : "",
  };
}

/**
 * The volume `id`: the cached copy, else the API server's (a volume created a moment ago may
 * not have reached the cache yet).
 *
 * @throws {NotFoundError} naming the volume when it does not exist or is being deleted
 */
async function findVolume(deps: ControllerDeps, id: string, signal: AbortSignal) {
  let volume = deps.volumes?.get(id);
  if (!volume) {
    try {
      volume = await deps.kube.volumes.get(id, { signal });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      throw new NotFoundError(`Volume "${id}" not found`, { cause: err });
    }
  }
  if (volume.metadata.deletionTimestamp) {
    throw new NotFoundError(`Volume "${id}" not found: it is being deleted`);
  }
  return volume;
}

/**
 * Handles ControllerGetVolume.
 *
 * @throws {InvalidArgumentError} for an empty volume id
 * @throws {NotFoundError} naming the volume when it does not exist
 */
export async function controllerGetVolume(
  deps: ControllerDeps,
  req: csi.ControllerGetVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.ControllerGetVolumeResponse>> {
  if (req.volumeId === "") throw new InvalidArgumentError("Volume ID is missing in the request");
  return volumeEntry(deps, await findVolume(deps, req.volumeId, ctx.signal));
}
