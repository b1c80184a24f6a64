/**
 * The CSI Controller service (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#controller-service-rpc):
 * CreateVolume (also from a volume or snapshot), DeleteVolume, ControllerExpandVolume,
 * ValidateVolumeCapabilities, GetCapacity, ListVolumes, ControllerGetVolume (with the volume's
 * condition), CreateSnapshot, DeleteSnapshot, ListSnapshots and ControllerGetCapabilities.
 * Every other RPC is left out, so the server answers UNIMPLEMENTED.
 */
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { matchDrive, validateVolumeParameters } from "../../lib/scheduling/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import {
  ControllerServiceCapability_RPC_Type as RpcType,
  type GetCapacityRequest,
  type GetCapacityResponse,
  type ValidateVolumeCapabilitiesRequest,
  type ValidateVolumeCapabilitiesResponse,
} from "../../proto/mod.ts";
import { createVolume } from "./controller_create.ts";
import { type ControllerDeps, requireSynced } from "./controller_deps.ts";
export { type CachedDrive, compactDrive } from "./drive_record.ts";
import { controllerExpandVolume, deleteVolume } from "./controller_delete_expand.ts";
import { controllerGetVolume, listVolumes } from "./controller_list.ts";
import { createSnapshot, deleteSnapshot } from "./controller_snapshot.ts";
import { getSnapshot, listSnapshots } from "./controller_snapshot_list.ts";
import { capabilityProblem } from "./controller_validate.ts";
import type { CallContext, ControllerHandlers, Reply } from "./services.ts";

export {
  BusyDrives,
  type ControllerDeps,
  type DriveCache,
  type DriveInformer,
  indexedDriveCache,
  informerVolumeCache,
  type VolumeCache,
} from "./controller_deps.ts";

/** The Controller capabilities this plugin advertises. */
export const CONTROLLER_CAPABILITIES: readonly RpcType[] = [
  RpcType.CREATE_DELETE_VOLUME,
  RpcType.EXPAND_VOLUME,
  RpcType.GET_CAPACITY,
  RpcType.CLONE_VOLUME,
  RpcType.CREATE_DELETE_SNAPSHOT,
  RpcType.LIST_SNAPSHOTS,
  // GET_SNAPSHOT is alpha: csi-sanity refuses it as an unknown capability, and no sidecar
  // asks for it yet; GetSnapshot is served all the same.
  RpcType.LIST_VOLUMES,
  RpcType.GET_VOLUME,
  RpcType.VOLUME_CONDITION,
];

/**
 * Handles ValidateVolumeCapabilities: confirms single-node filesystem (xfs) capabilities of
 * an existing volume; otherwise says why in `message`.
 *
 * @throws {InvalidArgumentError} for an empty id or no capabilities
 * @throws {NotFoundError} when the volume does not exist
 */
export async function validateVolumeCapabilities(
  deps: ControllerDeps,
  req: ValidateVolumeCapabilitiesRequest,
  ctx: CallContext,
): Promise<Reply<ValidateVolumeCapabilitiesResponse>> {
  const id = req.volumeId;
  if (id === "") throw new InvalidArgumentError("Volume ID is missing in the request");
  if (req.volumeCapabilities.length === 0) {
    throw new InvalidArgumentError(`Volume capabilities are missing for volume "${id}"`);
  }
  await deps.kube.volumes.get(id, { signal: ctx.signal });
  for (const cap of req.volumeCapabilities) {
    const problem = capabilityProblem(id, cap);
    if (problem !== undefined) return { message: problem };
  }
  return {
    confirmed: {
      volumeContext: { ...req.volumeContext },
      volumeCapabilities: req.volumeCapabilities,
      parameters: { ...req.parameters },
      mutableParameters: { ...req.mutableParameters },
    },
  };
}

/**
 * Handles GetCapacity: the free bytes of the Ready, schedulable drives that match the
 * topology and parameters, and the largest single drive's free bytes as the biggest volume.
 * Capabilities that cannot be served give zero.
 *
 * @throws {InvalidArgumentError} for malformed `directpv.min.io/*` parameters
 */
export function getCapacity(
  deps: ControllerDeps,
  req: GetCapacityRequest,
): Reply<GetCapacityResponse> {
  validateVolumeParameters("", req.parameters);
  requireSynced(deps);
  if (req.volumeCapabilities.some((cap) => capabilityProblem("", cap) !== undefined)) {
    return { availableCapacity: 0, maximumVolumeSize: 0 };
  }
  const segments = req.accessibleTopology?.segments;
  const request = {
    name: "",
    parameters: req.parameters,
    preferred: [],
    requisite: segments && Object.keys(segments).length > 0 ? [segments] : [],
  };
  let available = 0;
  let largest = 0;
  const node = segments?.[LABELS.node];
  const drives = node !== undefined && deps.drives.onNode
    ? deps.drives.onNode(node)
    : deps.drives.list();
  for (const drive of drives) {
    if (!matchDrive(drive, request)) continue;
    const free = Math.max(0, drive.status.freeCapacity);
    available += free;
    largest = Math.max(largest, free);
  }
  return { availableCapacity: available, maximumVolumeSize: largest };
}

/** Builds the Controller handlers over `deps`. */
export function controllerHandlers(deps: ControllerDeps): ControllerHandlers {
  return {
    createVolume: (req, ctx) => createVolume(deps, req, ctx),
    deleteVolume: (req, ctx) => deleteVolume(deps, req, ctx),
    controllerExpandVolume: (req, ctx) => controllerExpandVolume(deps, req, ctx),
    validateVolumeCapabilities: (req, ctx) => validateVolumeCapabilities(deps, req, ctx),
    getCapacity: (req) => new Promise((resolve) => resolve(getCapacity(deps, req))),
    createSnapshot: (req, ctx) => createSnapshot(deps, req, ctx),
    deleteSnapshot: (req, ctx) => deleteSnapshot(deps, req, ctx),
    listSnapshots: (req, ctx) => listSnapshots(deps, req, ctx),
    getSnapshot: (req, ctx) => getSnapshot(deps, req, ctx),
    listVolumes: (req, ctx) => listVolumes(deps, req, ctx),
    controllerGetVolume: (req, ctx) => controllerGetVolume(deps, req, ctx),
    controllerGetCapabilities: () =>
      Promise.resolve({
        capabilities: CONTROLLER_CAPABILITIES.map((type) => ({ rpc: { type } })),
      }),
  };
}
