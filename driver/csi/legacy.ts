/**
 * The CSI services of the legacy identity `direct-csi-min-io`: the PVs DirectCSI provisioned
 * name that driver, so their volumes (migrated to DirectPVVolumes of the same name) are deleted,
 * expanded, staged and published through a plugin of that name. New volumes are refused: the
 * `direct-csi-min-io` StorageClass provisions through `directpv-min-io`.
 */
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { IDENTITY, LEGACY_IDENTITY } from "../../lib/types/mod.ts";
import { ControllerServiceCapability_RPC_Type as RpcType } from "../../proto/mod.ts";
import { controllerHandlers } from "./controller.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import type { ControllerHandlers } from "./services.ts";

/** The Controller capabilities of the legacy plugin (no GetCapacity: it never places volumes). */
export const LEGACY_CONTROLLER_CAPABILITIES: readonly RpcType[] = [
  RpcType.CREATE_DELETE_VOLUME,
  RpcType.EXPAND_VOLUME,
];

/** Why a new volume under the legacy identity is refused, naming the request. */
export function legacyCreateRefusal(name: string): string {
  return `Cannot create volume "${name}" under the legacy driver "${LEGACY_IDENTITY}": ` +
    `use the "${IDENTITY}" storage class (the legacy driver only serves migrated volumes)`;
}

/**
 * The Controller handlers of the legacy plugin: DeleteVolume, ControllerExpandVolume and
 * ValidateVolumeCapabilities as the main controller has them; CreateVolume always fails with
 * INVALID_ARGUMENT (as DirectPV's legacy controller does).
 */
export function legacyControllerHandlers(deps: ControllerDeps): ControllerHandlers {
  const { deleteVolume, controllerExpandVolume, validateVolumeCapabilities } = controllerHandlers(
    deps,
  );
  return {
    createVolume: (req) => Promise.reject(new InvalidArgumentError(legacyCreateRefusal(req.name))),
    ...(deleteVolume ? { deleteVolume } : {}),
    ...(controllerExpandVolume ? { controllerExpandVolume } : {}),
    ...(validateVolumeCapabilities ? { validateVolumeCapabilities } : {}),
    controllerGetCapabilities: () =>
      Promise.resolve({
        capabilities: LEGACY_CONTROLLER_CAPABILITIES.map((type) => ({ rpc: { type } })),
      }),
  };
}
