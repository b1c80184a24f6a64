/** DirectPVNode (reference §2.3): the devices a node reported at its last refresh. */
import type { Condition, KubeObject } from "./meta.ts";

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
