/**
 * `remove` (reference §1.14): mark drives without volumes `Removed`; the node controller
 * unmounts and deletes them.
 */
import type { KubeClient } from "../k8s/mod.ts";
import { FailedPreconditionError } from "../errors/mod.ts";
import type { DirectPVDrive } from "../types/mod.ts";
import { describeDrive } from "./describe.ts";
import { type DriveQuery, listDrives, volumeCount } from "./listers.ts";
import {
  NoMatchingResourcesError,
  signalOption,
  silentReporter,
  writeOptions,
  type WriteRunOptions,
} from "./types.ts";
import { updateMatching } from "./update_matching.ts";

/** Arguments of {@link removeDrives}. */
export interface RemoveArgs extends WriteRunOptions {
  query: DriveQuery;
}

/**
 * Marks the selected drives `Removed`. Drives already removed are skipped; a drive that still
 * holds volumes is left alone and makes the call fail after the others are done.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 * @throws {FailedPreconditionError} when a selected drive still has volumes
 */
export async function removeDrives(kube: KubeClient, args: RemoveArgs): Promise<DirectPVDrive[]> {
  const reporter = args.reporter ?? silentReporter;
  const selected = (await listDrives(kube, args.query, signalOption(args.signal)))
    .filter((d) => d.status?.status !== "Removed");
  if (selected.length === 0) throw new NoMatchingResourcesError();
  const busy: string[] = [];
  const outcomes = await updateMatching(kube.drives, selected, (drive) => {
    if (drive.status.status === "Removed") return "unchanged";
    const count = volumeCount(drive);
    if (count > 0) {
      busy.push(`"${describeDrive(drive)}" has ${count} volume${count === 1 ? "" : "s"}`);
      return "unchanged";
    }
    drive.status = { ...drive.status, status: "Removed" };
    return "changed";
  }, writeOptions(args));
  const removed = outcomes.filter((o) => o.changed).map((o) => o.object);
  for (const drive of removed) reporter.info(`Removing ${describeDrive(drive)}`);
  if (busy.length > 0) {
    throw new FailedPreconditionError(`Unable to remove drive(s): ${busy.join(", ")}`);
  }
  return removed;
}
