/**
 * The CSI Node service (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#node-service-rpc):
 * stage/unstage, publish/unpublish, volume stats with conditions, expansion, capabilities and
 * node info with the five DirectPV topology keys.
 */
import { NodeServiceCapability_RPC_Type as RpcType } from "../../proto/mod.ts";
import { type NodeContext, topologySegments } from "../node_context.ts";
import { nodePublishVolume, nodeUnpublishVolume } from "./node_publish.ts";
import { nodeStageVolume, nodeUnstageVolume } from "./node_stage.ts";
import { nodeExpandVolume, nodeGetVolumeStats } from "./node_stats.ts";
import type { NodeHandlers } from "./services.ts";

/** The Node capabilities this plugin advertises. */
export const NODE_CAPABILITIES: readonly RpcType[] = [
  RpcType.GET_VOLUME_STATS,
  RpcType.STAGE_UNSTAGE_VOLUME,
  RpcType.EXPAND_VOLUME,
  RpcType.VOLUME_CONDITION,
];

/** Builds the Node handlers over the node context. */
export function nodeHandlers(deps: NodeContext): NodeHandlers {
  return {
    nodeStageVolume: (req, ctx) => nodeStageVolume(deps, req, ctx),
    nodeUnstageVolume: (req, ctx) => nodeUnstageVolume(deps, req, ctx),
    nodePublishVolume: (req, ctx) => nodePublishVolume(deps, req, ctx),
    nodeUnpublishVolume: (req, ctx) => nodeUnpublishVolume(deps, req, ctx),
    nodeGetVolumeStats: (req, ctx) => nodeGetVolumeStats(deps, req, ctx),
    nodeExpandVolume: (req, ctx) => nodeExpandVolume(deps, req, ctx),
    nodeGetCapabilities: () =>
      Promise.resolve({ capabilities: NODE_CAPABILITIES.map((type) => ({ rpc: { type } })) }),
    nodeGetInfo: () =>
      Promise.resolve({
        nodeId: deps.nodeId,
        accessibleTopology: { segments: topologySegments(deps, deps.topologyKeys) },
      }),
  };
}
