/**
 * Whether a node is still alive, as commands that act for a dead node must know: its node
 * server's Lease is current, or its Node object says Ready.
 */
import { ifFound } from "../errors/mod.ts";
import type { KubeClient } from "../k8s/mod.ts";
import { isLeaseCurrent, NAMESPACE, type NodeLease, nodeLeaseName } from "../types/mod.ts";

/** What was seen about one node. */
export interface NodeLiveness {
  node: string;
  /** The node server renewed its lease within the lease duration. */
  serverAlive: boolean;
  /** When the lease was last renewed; undefined when there is no lease. */
  leaseRenewed?: string;
  /** The Node's Ready condition is True; undefined when the Node object is gone. */
  nodeReady?: boolean;
}

/** Reads the node server's lease and the Node's Ready condition. */
export async function nodeLiveness(
  kube: KubeClient,
  node: string,
  now: Date,
  options: { signal?: AbortSignal } = {},
): Promise<NodeLiveness> {
  const leases = kube.resource("coordination.k8s.io/v1", "Lease", {
    plural: "leases",
    namespaced: true,
  });
  const signal = options.signal ? { signal: options.signal } : {};
  const lease = await ifFound(
    leases.get(nodeLeaseName(node), { namespace: NAMESPACE, ...signal }),
  ) as NodeLease | undefined;
  const coreNode = await ifFound(kube.coreNodes.get(node, signal));
  const ready = (coreNode?.status?.conditions ?? [])
    .find((c: { type?: string }) => c.type === "Ready");
  const renewed = lease?.spec?.renewTime;
  return {
    node,
    serverAlive: isLeaseCurrent(lease, now),
    ...(renewed !== undefined ? { leaseRenewed: renewed } : {}),
    ...(coreNode ? { nodeReady: ready?.status === "True" } : {}),
  };
}

/** Why the node counts as alive, or undefined when it does not. */
export function aliveReason(l: NodeLiveness): string | undefined {
  if (l.serverAlive) {
    return `its node server is running (lease renewed at ${l.leaseRenewed ?? "an unknown time"})`;
  }
  if (l.nodeReady) return "its Node is Ready";
  return undefined;
}
