/** DirectPVNode (reference §2.3): the devices a node reported at its last refresh. */
import type { Condition, KubeObject } from "./meta.ts";
import { API_VERSION, KINDS, VERSION } from "./consts.ts";
import { CREATED_BY, LABELS, toLabelValue } from "./labels.ts";

export interface NodeDevice {
  name: string;
  id: string;
  majorMinor: string;
  size: number;
  make?: string;
  fsType?: string;
  fsuuid?: string;
  deniedReason?: string;
}

export interface NodeSpec {
  refresh?: boolean;
}

export interface NodeStatusFields {
  devices: NodeDevice[];
  conditions?: Condition[];
}

export interface DirectPVNode extends KubeObject {
  spec: NodeSpec;
  status: NodeStatusFields;
}

/** A new DirectPVNode for a node, asking it for a first device refresh. */
export function newDirectPVNode(name: string): DirectPVNode {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.node,
    metadata: {
      name,
      labels: {
        [LABELS.node]: toLabelValue(name),
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.nodeController,
      },
    },
    spec: { refresh: true },
    status: { devices: [] },
  };
}
