/**
 * `remove` (reference §1.14): mark drives without volumes `Removed`; the node controller
 * unmounts and deletes them. With `force`, for drives on a node that is gone: nothing is left
 * to unmount, so their objects are deleted here, once the node is seen dead.
 */
import { type KubeClient, UNCHANGED } from "../k8s/mod.ts";
import { FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import { type DirectPVDrive, LABELS, volumeCount } from "../types/mod.ts";
import { describeDrive } from "./describe.ts";
import { aliveReason, nodeLiveness } from "./node_liveness.ts";
import { type DriveQuery, listDrives } from "./listers.ts";
import { signalOption, silentReporter, writeOptions, type WriteRunOptions } from "./types.ts";
import { requireMatches, updateAndReport } from "./update_matching.ts";

/** Arguments of {@link removeDrives}. */
export interface RemoveArgs extends WriteRunOptions {
  query: DriveQuery;
  /**
   * Delete the drive objects without the node server, for drives on a dead node: refused
   * while the node server runs or the Node is Ready.
   */
  force?: boolean;
  /** The clock the node's lease is judged by. */
  now?: () => Date;
}

/**
 * Marks the selected drives `Removed`. Drives already removed are skipped; a drive that still
 * holds volumes is left alone and makes the call fail after the others are done.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 * @throws {FailedPreconditionError} when a selected drive still has volumes
 */
export async function removeDrives(kube: KubeClient, args: RemoveArgs): Promise<DirectPVDrive[]> {
  const selected = requireMatches(
    (await listDrives(kube, args.query, signalOption(args.signal)))
      .filter((d) => d.status?.status !== "Removed"),
  );
  if (args.force) return await forceRemove(kube, selected, args);
  const busy: string[] = [];
  const removed = await updateAndReport(
    kube.drives,
    selected,
    (drive) => {
      if (drive.status.status === "Removed") return UNCHANGED;
      const count = volumeCount(drive);
      if (count > 0) {
        busy.push(`"${describeDrive(drive)}" has ${count} volume${count === 1 ? "" : "s"}`);
        return UNCHANGED;
      }
      drive.status = { ...drive.status, status: "Removed" };
      return drive;
    },
    args,
    (drive) => `Removing ${describeDrive(drive)}`,
  );
  if (busy.length > 0) {
    throw new FailedPreconditionError(`Unable to remove drive(s): ${busy.join(", ")}`);
  }
  return removed;
}

function nodeOf(drive: DirectPVDrive): string {
  return drive.metadata.labels?.[LABELS.node] ?? "";
}

/** Refuses a forced removal on a node that is alive; names every such node. */
async function requireDeadNodes(
  kube: KubeClient,
  drives: readonly DirectPVDrive[],
  args: RemoveArgs,
): Promise<void> {
  const now = args.now?.() ?? new Date();
  const alive: string[] = [];
  for (const node of [...new Set(drives.map(nodeOf))].sort()) {
    const reason = aliveReason(await nodeLiveness(kube, node, now, signalOption(args.signal)));
    if (reason) alive.push(`node "${node}": ${reason}`);
  }
  if (alive.length > 0) {
    throw new FailedPreconditionError(
      `Refusing to force-remove drives of live nodes (${alive.join("; ")}); ` +
        "remove them without --force",
    );
  }
}

/** Deletes the drives' objects (finalizers cleared); drives with volumes are refused. */
async function forceRemove(
  kube: KubeClient,
  drives: readonly DirectPVDrive[],
  args: RemoveArgs,
): Promise<DirectPVDrive[]> {
  const reporter = args.reporter ?? silentReporter;
  const busy = drives.filter((d) => volumeCount(d) > 0).map((d) =>
    `"${describeDrive(d)}" has ${volumeCount(d)} volume(s); use remove-node to release them`
  );
  if (busy.length > 0) {
    throw new FailedPreconditionError(`Unable to remove drive(s): ${busy.join(", ")}`);
  }
  await requireDeadNodes(kube, drives, args);
  const write = writeOptions(args);
  const removed: DirectPVDrive[] = [];
  for (const drive of drives) {
    const name = drive.metadata.name ?? "";
    try {
      const cleared = await kube.drives.patch(name, { metadata: { finalizers: null } }, write);
      await kube.drives.delete(name, write);
      removed.push(cleared);
      reporter.info(`Removed ${describeDrive(drive)} without its node server`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return removed;
}
