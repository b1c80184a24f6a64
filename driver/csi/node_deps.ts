/** What the Node service handlers need, and the lookups they share. */
import { FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import type { KubeClient } from "../../lib/k8s/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";
import type { QuotaPolicy } from "../../lib/xfs/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  driveIdOf,
  LABELS,
  toLabelValue,
  type TopologyKeys,
} from "../../lib/types/mod.ts";
import type { EventSink } from "../events.ts";

/** Where this node sits; every value is a topology segment. */
export interface NodeTopologyOptions {
  /** CSI driver name, the `identity` segment. */
  identity: string;
  rack: string;
  zone: string;
  region: string;
  /** The keys NodeGetInfo reports the segments under; DirectPV's when omitted. */
  keys?: TopologyKeys;
}

/** Dependencies of the Node handlers. */
export interface NodeServiceDeps {
  /** This node's name (`--kube-node-name`). */
  nodeName: string;
  topology: NodeTopologyOptions;
  kube: KubeClient;
  host: Host;
  /** The kubelet's root directory (`--kubelet-dir`); every staging and target path is below it. */
  kubeletDir: string;
  /** How project quotas are treated (`--quota`). */
  quota: QuotaPolicy;
  /** Whether loop devices may back drives (`--allow-loop-devices`). */
  allowLoop: boolean;
  /** Only devices it accepts are visible to this node (`--loop-backing-dir`). */
  deviceFilter?: (name: string) => Promise<boolean>;
  events: EventSink;
}

/**
 * Reads a volume.
 *
 * @throws {NotFoundError} when it does not exist
 */
export async function getVolume(
  deps: NodeServiceDeps,
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
  deps: NodeServiceDeps,
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
  if (node !== undefined && node !== toLabelValue(deps.nodeName)) {
    throw new FailedPreconditionError(
      `Volume "${volume.metadata.name}" is on node "${node}", not on "${deps.nodeName}"`,
    );
  }
  return drive;
}
