/**
 * The node context: what every part of a node shares (the CSI Node service, the node
 * reconcilers, repair). `driver/main.ts` builds it once per process from the flags
 * (`nodeContextOf` in flags.ts); each part takes it whole, or a `Pick<>` of it, so a node
 * setting has one name from its flag to its reader.
 */
import { InvalidArgumentError } from "../lib/errors/mod.ts";
import type { KubeClient } from "../lib/k8s/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { Host } from "../lib/sys/mod.ts";
import type { TopologyKeys } from "../lib/types/mod.ts";
import { type NodeTopology, topologySegments } from "../lib/node_init/mod.ts";
import type { QuotaPolicy } from "../lib/xfs/mod.ts";
import type { EventSink } from "./events.ts";

export { type NodeTopology, topologySegments };

/** Decides whether a device (by kernel name) is visible to this node. */
export type DeviceFilter = (name: string) => Promise<boolean>;

/** What every part of one node is given. */
export interface NodeContext {
  /** This node's name (`--kube-node-name`): the CSI node ID and the `node` label's value. */
  nodeId: string;
  /** CSI driver name (`--identity`), the topology's identity segment. */
  identity: string;
  topology: NodeTopology;
  /** The keys NodeGetInfo reports the segments under; DirectPV's when omitted. */
  topologyKeys?: TopologyKeys;
  kube: KubeClient;
  host: Host;
  logger: Logger;
  /** Kubernetes events, sourced from this node. */
  events: EventSink;
  /** How project quotas are treated (`--quota`). */
  quota: QuotaPolicy;
  /** Whether loop devices may back drives (`--allow-loop-devices`). */
  allowLoop: boolean;
  /** Only devices it accepts are visible to this node (`--loop-backing-dir`). */
  deviceFilter?: DeviceFilter;
  /** The kubelet's root directory (`--kubelet-dir`); staging and target paths are below it. */
  kubeletDir: string;
  /** Period of the drive health check (`--health-interval`). */
  healthIntervalMs: number;
}

function nonEmpty(value: string, what: string): void {
  if (value.trim() === "") throw new InvalidArgumentError(`Invalid ${what}: it is empty`);
}

/**
 * Refuses a context no node part can work with, naming the setting and its flag.
 *
 * @throws {InvalidArgumentError} for an empty name or segment, a relative kubelet directory
 *   or a health interval that is not a positive whole number of milliseconds
 */
export function checkNodeContext(ctx: NodeContext): void {
  nonEmpty(ctx.nodeId, "node name (--kube-node-name)");
  nonEmpty(ctx.identity, "identity (--identity)");
  for (const key of ["rack", "zone", "region"] as const) {
    nonEmpty(ctx.topology[key], `${key} (--${key})`);
  }
  if (!ctx.kubeletDir.startsWith("/")) {
    throw new InvalidArgumentError(
      `Invalid kubelet directory "${ctx.kubeletDir}" (--kubelet-dir): it must be absolute`,
    );
  }
  const ms = ctx.healthIntervalMs;
  if (!Number.isInteger(ms) || ms < 1) {
    throw new InvalidArgumentError(
      `Invalid health interval "${ms}" ms (--health-interval): it must be a positive whole number`,
    );
  }
}
