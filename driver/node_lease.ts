/**
 * Renews the node server's Lease (lib/types `node_lease.ts`) while it runs, so the CLI can
 * tell a node whose node server is gone from one that is only slow. A failed renewal is
 * logged and retried at the next tick; the lease simply expires when the node server stops.
 */
import { errorMessage, NotFoundError } from "../lib/errors/mod.ts";
import type { AnyObject, KubeClient, ResourceClient } from "../lib/k8s/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import {
  microTime,
  NAMESPACE,
  NODE_LEASE_RENEW_MS,
  nodeLeaseName,
  nodeLeaseObject,
} from "../lib/types/mod.ts";

/** The namespaced Lease client. */
export function leaseClient(kube: KubeClient): ResourceClient<AnyObject> {
  return kube.resource("coordination.k8s.io/v1", "Lease", { plural: "leases", namespaced: true });
}

/** Writes the lease once: creates it, or renews the one there. */
export async function renewNodeLease(kube: KubeClient, node: string, now: Date): Promise<void> {
  const leases = leaseClient(kube);
  let existing: AnyObject;
  try {
    existing = await leases.get(nodeLeaseName(node), { namespace: NAMESPACE });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await leases.create(nodeLeaseObject(node, now) as AnyObject, { namespace: NAMESPACE });
    return;
  }
  const fresh = nodeLeaseObject(node, now);
  existing.spec = { ...existing.spec, ...fresh.spec };
  existing.spec.acquireTime ??= microTime(now);
  await leases.update(existing, { namespace: NAMESPACE });
}

/** Renews the lease every `intervalMs` until stopped. */
export function startNodeLease(
  kube: KubeClient,
  node: string,
  logger: Logger,
  options: { intervalMs?: number; now?: () => Date } = {},
): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? NODE_LEASE_RENEW_MS;
  const now = options.now ?? (() => new Date());
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = renewNodeLease(kube, node, now()).catch((err) =>
      logger.warn("Cannot renew the node lease", { node, error: errorMessage(err) })
    ).finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
