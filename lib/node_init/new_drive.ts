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
  VERSION,
} from "../types/mod.ts";

/** Where a node sits: identity, node name, rack, zone, region. */
export interface NodeTopology {
  identity: string;
  node: string;
  rack: string;
  zone: string;
  region: string;
}

/** The `status.topology` map of drives on this node. */
export function topologyMap(t: NodeTopology): Record<string, string> {
  return {
    [TOPOLOGY_KEYS.identity]: t.identity,
    [TOPOLOGY_KEYS.node]: t.node,
    [TOPOLOGY_KEYS.rack]: t.rack,
    [TOPOLOGY_KEYS.zone]: t.zone,
    [TOPOLOGY_KEYS.region]: t.region,
  };
}

/** What a new drive is made of. */
export interface NewDriveInput {
  fsuuid: string;
  deviceName: string;
  make: string;
  totalCapacity: number;
  freeCapacity: number;
  topology: NodeTopology;
}

/** A freshly initialised drive: Ready, nothing allocated, data-protection finalizer. */
export function newDrive(input: NewDriveInput): DirectPVDrive {
  const status: DirectPVDrive["status"] = {
    totalCapacity: input.totalCapacity,
    allocatedCapacity: 0,
    freeCapacity: input.freeCapacity,
    fsuuid: input.fsuuid,
    status: "Ready",
    topology: topologyMap(input.topology),
  };
  if (input.make) status.make = input.make;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name: input.fsuuid,
      labels: {
        [LABELS.node]: toLabelValue(input.topology.node),
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
