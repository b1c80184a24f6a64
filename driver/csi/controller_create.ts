/**
 * CreateVolume (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#createvolume):
 * validate as DirectPV does, reserve capacity on the selected drive, then write the
 * DirectPVVolume (Pending). A failure after the reservation gives the capacity back. A volume
 * made from a content source goes on the source's drive and is answered once the node server
 * has copied the data into it (`controller_content.ts`).
 */
import {
  AbortedError,
  AlreadyExistsError,
  errorMessage,
  InvalidArgumentError,
  OutOfRangeError,
} from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { faultPoint } from "../../lib/sys/mod.ts";
import { validateVolumeParameters, type VolumeRequest } from "../../lib/scheduling/mod.ts";
import {
  ANNOTATIONS,
  type ContentSource,
  type DirectPVVolume,
  formatContentSource,
  LABELS,
} from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import { EVENT_REASONS } from "../events.ts";
import { type ControllerDeps, requireSynced } from "./controller_deps.ts";
import {
  type Placement,
  releaseReservation,
  reserveDrive,
  settlePendingSize,
} from "./controller_reserve.ts";
import {
  fitsRange,
  MIN_VOLUME_SIZE,
  requireCapabilities,
  type SizeRange,
  sizeRange,
} from "./controller_validate.ts";
import { newVolume, resetVolume, volumeIdFor } from "./controller_volume.ts";
import {
  contentSizeRange,
  contentSourceOf,
  requireSourceTopology,
  resolveContentSource,
} from "./controller_content.ts";
import { awaitContent } from "./controller_content_wait.ts";
import { awaitNameFree } from "./controller_name_wait.ts";
import type { CachedDrive } from "./drive_record.ts";
import type { CallContext, Reply } from "./services.ts";

function topologies(list: readonly csi.Topology[] | undefined): Record<string, string>[] {
  return (list ?? []).map((t) => ({ ...t.segments }));
}

/** The selection request of a CreateVolume call. */
export function volumeRequestOf(
  req: csi.CreateVolumeRequest,
  id: string,
  range: SizeRange,
): VolumeRequest {
  return {
    name: id,
    ...(range.requiredBytes !== undefined ? { requiredBytes: range.requiredBytes } : {}),
    parameters: { ...req.parameters },
    preferred: topologies(req.accessibilityRequirements?.preferred),
    requisite: topologies(req.accessibilityRequirements?.requisite),
  };
}

/**
 * Validates a CreateVolume request with DirectPV's messages (empty `fs_type` means xfs).
 *
 * @throws {InvalidArgumentError} for a missing name, bad capabilities, range or parameters
 */
export function validateCreateVolume(req: csi.CreateVolumeRequest): SizeRange {
  if (req.name === "") throw new InvalidArgumentError("empty volume name in the request");
  requireCapabilities(req.name, req.volumeCapabilities);
  const range = withMinimumSize(req.name, sizeRange(req.name, req.capacityRange));
  validateVolumeParameters(req.name, req.parameters);
  contentSourceOf(req);
  return range;
}

/**
 * Raises a required size below {@linkcode MIN_VOLUME_SIZE} to it (CSI lets a volume be
 * larger than required, up to the limit).
 *
 * @throws {OutOfRangeError} when the limit is below the minimum
 */
export function withMinimumSize(volumeId: string, range: SizeRange): SizeRange {
  if (range.limitBytes !== undefined && range.limitBytes < MIN_VOLUME_SIZE) {
    throw new OutOfRangeError(
      `Limit bytes ${range.limitBytes} of volume "${volumeId}" are below the smallest volume ` +
        `size, ${MIN_VOLUME_SIZE} bytes`,
    );
  }
  if (range.requiredBytes === undefined || range.requiredBytes >= MIN_VOLUME_SIZE) return range;
  return { ...range, requiredBytes: MIN_VOLUME_SIZE };
}

interface Written {
  volume: DirectPVVolume;
  /** The volume's size (an existing volume keeps its own). */
  size: number;
  created: boolean;
}

/** Returns the existing volume when it is compatible with a retried request. */
function reuseExisting(
  existing: DirectPVVolume,
  placement: Placement,
  range: SizeRange,
  source: ContentSource | undefined,
) {
  const sameDrive = existing.metadata.labels?.[LABELS.drive] === placement.drive.metadata.name;
  if (placement.reserved || !sameDrive) return undefined;
  const had = existing.metadata.annotations?.[ANNOTATIONS.contentSource];
  if (had !== (source ? formatContentSource(source) : undefined)) {
    throw new AlreadyExistsError(
      `Volume "${existing.metadata.name}" already exists with ` +
        `${had ? `content source "${had}"` : "no content source"}, which the request does not name`,
    );
  }
  const size = existing.status.totalCapacity;
  if (!fitsRange(size, range)) {
    throw new AlreadyExistsError(
      `Volume "${existing.metadata.name}" already exists with ${size} bytes, which does not ` +
        `fit the requested capacity range`,
    );
  }
  return { volume: existing, size, created: false };
}

async function writeVolume(
  deps: ControllerDeps,
  name: string,
  placement: Placement,
  range: SizeRange,
  claims: { claimId: string | undefined; contentSource: ContentSource | undefined },
): Promise<Written> {
  const fresh = newVolume(placement.drive, { name, size: placement.size, ...claims });
  try {
    return { volume: await deps.kube.volumes.create(fresh), size: placement.size, created: true };
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  const existing = await deps.kube.volumes.get(name);
  if (existing.metadata.deletionTimestamp) {
    throw new AbortedError(
      `Cannot create volume "${name}": a volume of that name is being deleted`,
    );
  }
  const reused = reuseExisting(existing, placement, range, claims.contentSource);
  if (reused) return reused;
  const volume = await deps.kube.volumes.update(resetVolume(existing, fresh));
  return { volume, size: placement.size, created: false };
}

async function undo(
  deps: ControllerDeps,
  placement: Placement,
  name: string,
  claimId: string | undefined,
  logger: Logger,
): Promise<void> {
  if (!placement.reserved) return;
  try {
    await releaseReservation(deps, placement, name, claimId);
  } catch (err) {
    logger.error("Cannot give back reserved capacity", {
      drive: placement.drive.metadata.name,
      error: errorMessage(err),
    });
  }
}

function recordEvents(deps: ControllerDeps, written: Written, placement: Placement): void {
  const volume = written.volume;
  void deps.events.record({
    object: volume,
    type: "Normal",
    reason: EVENT_REASONS.volumeProvisioned,
    message: written.created ? "volume is created" : "volume is reused",
  });
  if (!placement.reserved) return;
  void deps.events.record({
    object: placement.drive,
    type: "Normal",
    reason: EVENT_REASONS.volumeAdded,
    message: `volume ${volume.metadata.name} is added to this drive`,
  });
}

function response(
  req: csi.CreateVolumeRequest,
  id: string,
  drive: CachedDrive,
  size: number,
): Reply<csi.CreateVolumeResponse> {
  return {
    volume: {
      volumeId: id,
      capacityBytes: size,
      volumeContext: { ...req.parameters },
      ...(req.volumeContentSource ? { contentSource: req.volumeContentSource } : {}),
      accessibleTopology: [{ segments: { ...drive.status.topology } }],
    },
  };
}

/** The request and size range of a volume, bound to its source's drive when it has one. */
async function placementRequest(
  deps: ControllerDeps,
  req: csi.CreateVolumeRequest,
  id: string,
  range: SizeRange,
  signal: AbortSignal,
) {
  const resolved = await resolveContentSource(deps, req, signal);
  const sized = resolved ? contentSizeRange(range, resolved) : range;
  const request = volumeRequestOf(req, id, sized);
  if (resolved) requireSourceTopology(request, resolved);
  return { resolved, range: sized, request };
}

/**
 * Handles CreateVolume.
 *
 * @throws {InvalidArgumentError} for a bad request
 * @throws {ResourceExhaustedError | OutOfRangeError | FailedPreconditionError} no drive fits
 * @throws {AlreadyExistsError} when the volume exists with an incompatible size
 * @throws {AbortedError} when reservations kept losing races, a volume of the name is still
 *   being deleted after the wait, or the node server is still copying the content source
 * @throws {NotFoundError} when the content source does not exist
 * @throws {FailedPreconditionError} when the node server cannot copy it (no reflink)
 */
export async function createVolume(
  deps: ControllerDeps,
  req: csi.CreateVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.CreateVolumeResponse>> {
  requireSynced(deps);
  const id = await volumeIdFor(req.name);
  const valid = validateCreateVolume(req);
  await awaitNameFree(deps, id, ctx.signal);
  const { resolved, range, request } = await placementRequest(
    deps,
    req,
    id,
    valid,
    ctx.signal,
  );
  const claimId = req.parameters[LABELS.volumeClaimId];
  const placement = await reserveDrive(deps, request, {
    ...(claimId !== undefined ? { claimId } : {}),
    ...(range.limitBytes !== undefined ? { limitBytes: range.limitBytes } : {}),
    ...(resolved ? { onlyDrive: resolved.drive.metadata.name ?? "" } : {}),
    signal: ctx.signal,
  });
  await faultPoint("controller.create.after-reserve");
  let written: Written;
  try {
    written = await writeVolume(deps, id, placement, range, {
      claimId,
      contentSource: resolved?.source,
    });
  } catch (err) {
    await undo(deps, placement, id, claimId, ctx.logger);
    throw err;
  }
  deps.volumes?.apply(written.volume);
  if (request.requiredBytes === undefined) {
    await settlePendingSize(deps, placement.drive.metadata.name ?? "", id, written.size);
  }
  recordEvents(deps, written, placement);
  if (resolved) await awaitContent(deps, id, resolved, ctx);
  return response(req, id, placement.drive, written.size);
}
