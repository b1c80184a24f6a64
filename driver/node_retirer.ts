/**
 * Opt-in (`--retire-deleted-nodes`): when a Node object is deleted, retire it as
 * `remove-node --delete-pvcs` would: its drives Lost, its volumes' PVs, PVCs and pods deleted
 * so StatefulSets recreate them elsewhere, DirectPV's objects of the node removed. A node
 * DirectPV has nothing of is ignored; one whose node server still renews its lease is left
 * alone (a Node object recreated under a running node server is not a lost node). Every
 * controller replica runs it; each step is idempotent, so they do not conflict.
 */
import { removeNode, type Reporter } from "../lib/admin/mod.ts";
import { errorMessage, NotFoundError } from "../lib/errors/mod.ts";
import { type AnyObject, Informer, type KubeClient } from "../lib/k8s/mod.ts";
import type { Logger } from "../lib/log/mod.ts";

/** A reporter that logs what the retirement does. */
function logReporter(logger: Logger, node: string): Reporter {
  return {
    info: (message) => logger.info(message, { node }),
    warn: (message) => logger.warn(message, { node }),
  };
}

/** Retires one deleted node; failures are logged, never thrown. */
export async function retireDeletedNode(
  kube: KubeClient,
  node: string,
  logger: Logger,
): Promise<void> {
  try {
    const result = await removeNode(kube, {
      node,
      deleteClaims: true,
      reporter: logReporter(logger, node),
    });
    logger.info("Deleted node retired", { ...result });
  } catch (err) {
    if (err instanceof NotFoundError) return;
    logger.warn("Cannot retire the deleted node", { node, error: errorMessage(err) });
  }
}

/** Watches Nodes and retires each one deleted, one at a time. */
export function startNodeRetirer(kube: KubeClient, logger: Logger): { stop(): Promise<void> } {
  const log = logger.with({ component: "node-retirer" });
  const informer = new Informer<AnyObject>(kube.coreNodes, { logger: log });
  let chain = Promise.resolve();
  informer.addHandlers({
    onDelete: (node) => {
      const name = node.metadata.name ?? "";
      chain = chain.then(() => retireDeletedNode(kube, name, log));
    },
  });
  informer.start();
  return {
    stop: async () => {
      await informer.stop();
      await chain;
    },
  };
}
