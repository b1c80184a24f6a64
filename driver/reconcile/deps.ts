/** What every node-side reconciler is given. */
import type { KubeClient } from "../../lib/k8s/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { EventSink } from "../events.ts";
import type { NodeOps } from "./node_ops.ts";

/** Shared dependencies of the reconcilers of one node. */
export interface NodeDeps {
  kube: KubeClient;
  ops: NodeOps;
  /** This node's name. */
  nodeId: string;
  logger: Logger;
  events: EventSink;
  /** Clock for condition timestamps (tests pin it). */
  now?: () => Date;
}
