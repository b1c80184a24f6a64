/** `info` (reference §1.7): capacity, allocation and counts per node. */
import type { AnyObject, KubeClient } from "../k8s/mod.ts";
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import { GROUP, IDENTITY, LABELS, RESOURCES } from "../types/mod.ts";
import { LIST_PAGE_SIZE } from "./listers.ts";
import { signalOption } from "./types.ts";

/** One row of `info`. Nodes without drives have zero counts. */
export interface NodeInfo {
  node: string;
  /** Sum of the drives' total capacity, bytes. */
  capacity: number;
  /** Sum of the published volumes' capacity, bytes. */
  allocated: number;
  /** Published volumes only (DirectPV counts those). */
  volumes: number;
  drives: number;
}

/** Whether a CSINode lists the DirectPV driver. */
export function hasDirectpvDriver(csiNode: AnyObject): boolean {
  const drivers: Array<{ name?: string }> = csiNode.spec?.drivers ?? [];
  return drivers.some((d) => d.name === IDENTITY);
}

/** Names of the nodes whose CSINode lists the DirectPV driver, sorted. */
export async function csiNodeNames(kube: KubeClient, signal?: AbortSignal): Promise<string[]> {
  const csiNodes = await kube.csiNodes.listAll({ limit: LIST_PAGE_SIZE, ...signalOption(signal) });
  return csiNodes.filter(hasDirectpvDriver).map((n) => n.metadata.name ?? "").sort();
}

async function requireCrds(kube: KubeClient, signal?: AbortSignal): Promise<void> {
  for (const plural of [RESOURCES.drive, RESOURCES.volume]) {
    try {
      await kube.customResourceDefinitions.get(`${plural}.${GROUP}`, signalOption(signal));
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError("DirectPV installation not found", { cause: err });
      }
      throw err;
    }
  }
}

/**
 * Per-node totals, one entry per node whose CSINode lists the driver, sorted by node.
 *
 * @throws {NotFoundError} `DirectPV installation not found` when the CRDs are missing
 * @throws {FailedPreconditionError} `DirectPV not installed` when no node runs the driver
 */
export async function info(
  kube: KubeClient,
  options: { signal?: AbortSignal } = {},
): Promise<NodeInfo[]> {
  await requireCrds(kube, options.signal);
  const nodes = await csiNodeNames(kube, options.signal);
  if (nodes.length === 0) throw new FailedPreconditionError("DirectPV not installed");
  const rows = new Map<string, NodeInfo>(
    nodes.map((node) => [node, { node, capacity: 0, allocated: 0, volumes: 0, drives: 0 }]),
  );
  const list = { limit: LIST_PAGE_SIZE, ...signalOption(options.signal) };
  for (const drive of await kube.drives.listAll(list)) {
    const row = rows.get(drive.metadata.labels?.[LABELS.node] ?? "");
    if (!row) continue;
    row.capacity += drive.status?.totalCapacity ?? 0;
    row.drives += 1;
  }
  for (const volume of await kube.volumes.listAll(list)) {
    const row = rows.get(volume.metadata.labels?.[LABELS.node] ?? "");
    if (!row || !volume.status?.targetPath) continue;
    row.allocated += volume.status.totalCapacity ?? 0;
    row.volumes += 1;
  }
  return [...rows.values()];
}
