/** The volume and drive lookups the Node service handlers share. */
import { FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  driveIdOf,
  LABELS,
  toLabelValue,
} from "../../lib/types/mod.ts";
import type { NodeContext } from "../node_context.ts";

/**
 * Reads a volume.
 *
 * @throws {NotFoundError} when it does not exist
 */
export async function getVolume(
  deps: Pick<NodeContext, "kube">,
  id: string,
  signal?: AbortSignal,
): Promise<DirectPVVolume> {
  try {
    return await deps.kube.volumes.get(id, signal ? { signal } : {});
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`Volume "${id}" not found`, { cause: err });
    }
    throw err;
  }
}

/**
 * Reads the drive of a volume and checks it belongs to this node.
 *
 * @throws {FailedPreconditionError} when the drive is gone or on another node
 */
export async function getVolumeDrive(
  deps: Pick<NodeContext, "kube" | "nodeId">,
  volume: DirectPVVolume,
  signal?: AbortSignal,
): Promise<DirectPVDrive> {
  const name = driveIdOf(volume);
  let drive: DirectPVDrive;
  try {
    drive = await deps.kube.drives.get(name, signal ? { signal } : {});
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new FailedPreconditionError(
      `Drive "${name}" of volume "${volume.metadata.name}" not found`,
      { cause: err },
    );
  }
  const node = drive.metadata.labels?.[LABELS.node];
  if (node !== undefined && node !== toLabelValue(deps.nodeId)) {
    throw new FailedPreconditionError(
      `Volume "${volume.metadata.name}" is on node "${node}", not on "${deps.nodeId}"`,
    );
  }
  return drive;
}
