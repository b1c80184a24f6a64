/**
 * `remove-node`: retire a node that is gone for good. Its drives are marked `Lost` first (no
 * new volume lands there while the rest runs), then for each of its volumes the PV is deleted
 * and, when asked, the PVC and the node's pods using it, so a StatefulSet recreates them on
 * another node; last, DirectPV's objects of the node go with their finalizers. Each step is
 * idempotent, so a run cut short can be run again. Refused while the node looks alive.
 */
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import { type AnyObject, type KubeClient, type ResourceClient, UNCHANGED } from "../k8s/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  type KubeObject,
  NAMESPACE,
  nodeLeaseName,
} from "../types/mod.ts";
import { describeDrive } from "./describe.ts";
import { listDrives, listVolumes } from "./listers.ts";
import { aliveReason, nodeLiveness } from "./node_liveness.ts";
import { updateAndReport } from "./update_matching.ts";
import { signalOption, silentReporter, writeOptions, type WriteRunOptions } from "./types.ts";

/** Arguments of {@link removeNode}. */
export interface RemoveNodeArgs extends WriteRunOptions {
  node: string;
  /** Act even though the node server runs or the Node is Ready. */
  force?: boolean;
  /** Also delete the volumes' PVCs and force-delete the node's pods that use them. */
  deleteClaims?: boolean;
  /** The clock the node's lease is judged by. */
  now?: () => Date;
}

/** What was (or in a dry run would be) deleted, by name. */
export interface RemoveNodeResult {
  node: string;
  drives: string[];
  volumes: string[];
  persistentVolumes: string[];
  claims: string[];
  pods: string[];
}

type Write = { dryRun?: boolean; signal?: AbortSignal };

/** Deletes an object after clearing its finalizers; true when it was there. */
async function deleteWithFinalizers<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  write: Write & { namespace?: string },
): Promise<boolean> {
  try {
    const current = await client.get(name, {
      ...(write.namespace ? { namespace: write.namespace } : {}),
      ...signalOption(write.signal),
    });
    if ((current.metadata.finalizers ?? []).length > 0) {
      await client.patch(name, { metadata: { finalizers: null } }, write);
    }
    await client.delete(name, write);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

async function requireKnownNode(
  kube: KubeClient,
  args: RemoveNodeArgs,
  found: { drives: DirectPVDrive[]; volumes: DirectPVVolume[] },
): Promise<void> {
  if (found.drives.length > 0 || found.volumes.length > 0) return;
  try {
    await kube.nodes.get(args.node, signalOption(args.signal));
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new NotFoundError(
      `Node "${args.node}" is unknown to DirectPV: no drive, volume or node object names it`,
    );
  }
}

async function requireDeadNode(kube: KubeClient, args: RemoveNodeArgs): Promise<void> {
  const now = args.now?.() ?? new Date();
  const reason = aliveReason(await nodeLiveness(kube, args.node, now, signalOption(args.signal)));
  if (reason === undefined) return;
  if (args.force) {
    (args.reporter ?? silentReporter).warn(`Node "${args.node}" looks alive (${reason}); forced`);
    return;
  }
  throw new FailedPreconditionError(
    `Refusing to remove node "${args.node}": ${reason}; remove a node only once it is gone ` +
      "for good, or pass --force",
  );
}

async function markDrivesLost(
  kube: KubeClient,
  drives: DirectPVDrive[],
  args: RemoveNodeArgs,
): Promise<void> {
  await updateAndReport(
    kube.drives,
    drives,
    (drive) => {
      if (drive.status.status === "Lost") return UNCHANGED;
      drive.status = { ...drive.status, status: "Lost" };
      return drive;
    },
    args,
    (drive) => `Drive ${describeDrive(drive)} marked Lost`,
  );
}

/** The node's pods in `namespace` that mount the claim. */
async function podsUsing(
  kube: KubeClient,
  node: string,
  claim: { namespace: string; name: string },
  signal: AbortSignal | undefined,
): Promise<AnyObject[]> {
  const pods = await kube.pods.listAll({ namespace: claim.namespace, ...signalOption(signal) });
  return pods.filter((p) =>
    p.spec?.nodeName === node &&
    (p.spec?.volumes ?? []).some((v: AnyObject) =>
      v.persistentVolumeClaim?.claimName === claim.name
    )
  );
}

/** Deletes the claim of a PV (its protection cleared: its pods are deleted with it). */
async function releaseClaim(
  kube: KubeClient,
  pv: AnyObject,
  args: RemoveNodeArgs,
  result: RemoveNodeResult,
): Promise<void> {
  const ref = pv.spec?.claimRef;
  if (!ref?.name || !ref?.namespace) return;
  const claim = { namespace: String(ref.namespace), name: String(ref.name) };
  const write = { ...writeOptions(args), namespace: claim.namespace };
  if (await deleteWithFinalizers(kube.persistentVolumeClaims, claim.name, write)) {
    result.claims.push(`${claim.namespace}/${claim.name}`);
  }
  for (const pod of await podsUsing(kube, args.node, claim, args.signal)) {
    const name = pod.metadata.name ?? "";
    await kube.pods.delete(name, { ...write, gracePeriodSeconds: 0 }).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
    result.pods.push(`${claim.namespace}/${name}`);
  }
}

async function releaseVolume(
  kube: KubeClient,
  volume: DirectPVVolume,
  args: RemoveNodeArgs,
  result: RemoveNodeResult,
): Promise<void> {
  const name = volume.metadata.name ?? "";
  const write = writeOptions(args);
  let pv: AnyObject | undefined;
  try {
    pv = await kube.persistentVolumes.get(name, signalOption(args.signal));
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (pv && args.deleteClaims) await releaseClaim(kube, pv, args, result);
  if (pv && await deleteWithFinalizers(kube.persistentVolumes, name, write)) {
    result.persistentVolumes.push(name);
  }
  // Counted even when the controller got there first (its DeleteVolume after the PV went).
  await deleteWithFinalizers(kube.volumes, name, write);
  result.volumes.push(name);
  (args.reporter ?? silentReporter).info(`Volume ${name} released`);
}

/**
 * Retires `args.node`; see the module doc.
 *
 * @throws {NotFoundError} when DirectPV has nothing of that node
 * @throws {FailedPreconditionError} when the node looks alive and `force` is not set
 */
export async function removeNode(
  kube: KubeClient,
  args: RemoveNodeArgs,
): Promise<RemoveNodeResult> {
  const read = signalOption(args.signal);
  const drives = await listDrives(kube, { nodes: [args.node] }, read);
  const volumes = await listVolumes(kube, { nodes: [args.node] }, read);
  await requireKnownNode(kube, args, { drives, volumes });
  await requireDeadNode(kube, args);
  const result: RemoveNodeResult = {
    node: args.node,
    drives: [],
    volumes: [],
    persistentVolumes: [],
    claims: [],
    pods: [],
  };
  await markDrivesLost(kube, drives, args);
  for (const volume of volumes) await releaseVolume(kube, volume, args, result);
  const write = writeOptions(args);
  for (const drive of drives) {
    const name = drive.metadata.name ?? "";
    if (await deleteWithFinalizers(kube.drives, name, write)) result.drives.push(name);
  }
  await deleteWithFinalizers(kube.nodes, args.node, write);
  const leases = kube.resource("coordination.k8s.io/v1", "Lease", {
    plural: "leases",
    namespaced: true,
  });
  await deleteWithFinalizers(leases, nodeLeaseName(args.node), { ...write, namespace: NAMESPACE });
  return result;
}
