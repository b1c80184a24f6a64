/** What the node-side steps are given. */
import type { KubeClient } from "../k8s/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { EventSink } from "./events.ts";
import type { DeviceOps } from "./ops.ts";

/** Shared dependencies of the steps of one node. */
export interface NodeStepDeps {
  kube: KubeClient;
  ops: DeviceOps;
  /** This node's name. */
  nodeId: string;
  logger: Logger;
  events: EventSink;
}
