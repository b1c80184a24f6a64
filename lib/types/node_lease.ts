/**
 * The node server's heartbeat: a coordination.k8s.io Lease per node in the `directpv`
 * namespace, renewed every {@link NODE_LEASE_RENEW_MS}. Commands that act for a node that is
 * gone (`remove --force`, `remove-node`) read it to tell a dead node server from a live one,
 * the way the kubelet's node leases tell the node controller.
 */
import { NAMESPACE } from "./consts.ts";
import type { KubeObject } from "./meta.ts";

/** How long a lease stays current without a renewal. */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** How often the node server renews its lease. */
export const NODE_LEASE_RENEW_MS = 10_000;

/** A Lease as the node server writes it. */
export interface NodeLease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: string;
  };
}

/** The lease name of a node's node server (node names are DNS subdomains, so it is one too). */
export function nodeLeaseName(node: string): string {
  return `directpv-node-server-${node}`;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** The lease object the node server of `node` writes at `now`. */
export function nodeLeaseObject(node: string, now: Date): NodeLease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: nodeLeaseName(node), namespace: NAMESPACE },
    spec: {
      holderIdentity: node,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: microTime(now),
    },
  };
}

/** Whether the lease was renewed within its duration before `now`. */
export function isLeaseCurrent(lease: NodeLease | undefined, now: Date): boolean {
  const renewed = Date.parse(lease?.spec?.renewTime ?? "");
  if (Number.isNaN(renewed)) return false;
  const duration = (lease?.spec?.leaseDurationSeconds ?? NODE_LEASE_DURATION_SECONDS) * 1000;
  return now.getTime() - renewed < duration;
}
