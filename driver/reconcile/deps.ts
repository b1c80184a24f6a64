/** What every node-side reconciler is given. */
import type { NodeContext } from "../node_context.ts";
import type { NodeOps } from "./node_ops.ts";

/** The node context, plus the node operations the reconcilers run and their clock. */
export interface NodeDeps extends NodeContext {
  ops: NodeOps;
  /** Clock for condition timestamps (tests pin it). */
  now?: () => Date;
}
