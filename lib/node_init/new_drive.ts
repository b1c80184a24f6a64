/** A new DirectPVDrive as the node creates it once a device is formatted and mounted. */
import {
  API_VERSION,
  CREATED_BY,
  type DirectPVDrive,
  FINALIZERS,
  KINDS,
  LABELS,
  toLabelValue,
  TOPOLOGY_KEYS,
  type TopologyKeys,
  VERSION,
} from "../types/mod.ts";

/** Where this node sits (`--rack`, `--zone`, `--region`): topology segments. */
export interface NodeTopology {
  rack: string;
  zone: string;
  region: string;
}

/** What names a node's place: the driver identity, the node and its topology. */
export interface NodePlace {
  /** CSI driver name, the topology's identity segment. */
  identity: string;
  /** This node's name: the CSI node ID and the `node` label's value. */
  nodeId: string;
  topology: NodeTopology;
}

/**
 * The topology segments of a node under `keys` (DirectPV's by default): NodeGetInfo's
 * accessible topology and a new drive's `status.topology`.
 */
export function topologySegments(
  place: NodePlace,
  keys: TopologyKeys = TOPOLOGY_KEYS,
): Record<string, string> {
  return {
    [keys.identity]: place.identity,
    [keys.node]: place.nodeId,
    [keys.rack]: place.topology.rack,
    [keys.zone]: place.topology.zone,
    [keys.region]: place.topology.region,
  };
}

/** What a new drive is made of. */
export interface NewDriveInput {
  fsuuid: string;
  deviceName: string;
  make: string;
  totalCapacity: number;
  freeCapacity: number;
  /** The node it is on: its label and its `status.topology` segments. */
  node: NodePlace;
}

/** A freshly initialised drive: Ready, nothing allocated, data-protection finalizer. */
export function newDrive(input: NewDriveInput): DirectPVDrive {
  const status: DirectPVDrive["status"] = {
    totalCapacity: input.totalCapacity,
    allocatedCapacity: 0,
    freeCapacity: input.freeCapacity,
    fsuuid: input.fsuuid,
    status: "Ready",
    topology: topologySegments(input.node),
  };
  if (input.make) status.make = input.make;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name: input.fsuuid,
      labels: {
        [LABELS.node]: toLabelValue(input.node.nodeId),
        [LABELS.driveName]: toLabelValue(input.deviceName),
        [LABELS.accessTier]: "Default",
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.driver,
      },
      finalizers: [FINALIZERS.dataProtection],
    },
    spec: {},
    status,
  };
}
