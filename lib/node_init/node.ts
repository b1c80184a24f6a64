/**
 * The node reconciler (node-controller): keeps this node's DirectPVNode in step. It creates
 * the object when missing (refresh requested), and whenever `spec.refresh` is set it probes the
 * devices, writes `status.devices` and clears `refresh`.
 */
import { AlreadyExistsError, NotFoundError } from "../errors/mod.ts";
import { updateIfExists } from "../k8s/mod.ts";
import { type DirectPVNode, newDirectPVNode } from "../types/mod.ts";
import type { NodeStepDeps } from "./deps.ts";

/** Dependencies of the node reconciler. */
export interface NodeReconcilerDeps extends NodeStepDeps {
  /** Whether a DirectPVDrive of that name (FSUUID) exists (a cache lookup). */
  driveExists(fsuuid: string): boolean;
}

/** The stored node (not in the cache: unlabelled or not seen yet), created when missing. */
async function ensureNode(deps: NodeReconcilerDeps): Promise<DirectPVNode | undefined> {
  try {
    return await deps.kube.nodes.get(deps.nodeId);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  try {
    await deps.kube.nodes.create(newDirectPVNode(deps.nodeId));
    deps.logger.info("Node object created", { node: deps.nodeId });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  return undefined;
}

/** Reconciles this node's DirectPVNode; other keys are ignored. */
export async function reconcileNode(
  deps: NodeReconcilerDeps,
  key: string,
  node: DirectPVNode | undefined,
): Promise<void> {
  if (key !== deps.nodeId) return;
  const current = node ?? await ensureNode(deps);
  if (!current?.spec?.refresh) return;
  const devices = await deps.ops.probeDevices((fsuuid) => deps.driveExists(fsuuid));
  await updateIfExists(deps.kube.nodes, deps.nodeId, (fresh) => {
    fresh.status = { ...fresh.status, devices };
    fresh.spec = { ...fresh.spec, refresh: false };
  });
  deps.logger.info("Node devices refreshed", { node: deps.nodeId, devices: devices.length });
}
