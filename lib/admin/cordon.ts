/** `cordon` / `uncordon` (reference §1.10): set or clear `spec.unschedulable` on drives. */
import { type KubeClient, UNCHANGED } from "../k8s/mod.ts";
import { FailedPreconditionError } from "../errors/mod.ts";
import { type DirectPVDrive, LABELS } from "../types/mod.ts";
import { describeDrive } from "./describe.ts";
import { type DriveQuery, LIST_PAGE_SIZE, listDrives } from "./listers.ts";
import { signalOption, type WriteRunOptions } from "./types.ts";
import { requireMatches, updateAndReport } from "./update_matching.ts";

/** Arguments of {@link cordon} and {@link uncordon}. */
export interface CordonArgs extends WriteRunOptions {
  query: DriveQuery;
}

/** Ids of the selected drives that hold a Pending volume. */
async function drivesWithPendingVolumes(
  kube: KubeClient,
  drives: readonly DirectPVDrive[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const ids = drives.map((d) => d.metadata.name ?? "");
  if (ids.length === 0) return new Set();
  const volumes = await kube.volumes.listAll({
    labelSelector: `${LABELS.drive} in (${[...new Set(ids)].sort().join(",")})`,
    limit: LIST_PAGE_SIZE,
    ...(signal ? { signal } : {}),
  });
  return new Set(
    volumes.filter((v) => v.status?.status === "Pending")
      .map((v) => v.metadata.labels?.[LABELS.drive] ?? ""),
  );
}

async function setUnschedulable(
  kube: KubeClient,
  args: CordonArgs,
  { unschedulable }: { unschedulable: boolean },
): Promise<DirectPVDrive[]> {
  const drives = requireMatches(await listDrives(kube, args.query, signalOption(args.signal)));
  const pending = unschedulable
    ? await drivesWithPendingVolumes(
      kube,
      drives.filter((d) => !d.spec?.unschedulable),
      args.signal,
    )
    : new Set<string>();
  const refused = drives.find((d) => pending.has(d.metadata.name ?? ""));
  if (refused) {
    throw new FailedPreconditionError(
      `Unable to cordon drive "${refused.metadata.name}"; pending volumes found`,
    );
  }
  return await updateAndReport(
    kube.drives,
    drives,
    (drive) => {
      if (!!drive.spec?.unschedulable === unschedulable) return UNCHANGED;
      drive.spec = { ...drive.spec, unschedulable };
      if (!unschedulable) delete drive.spec.unschedulable;
      return drive;
    },
    args,
    (drive) => `Drive ${describeDrive(drive)} ${unschedulable ? "cordoned" : "uncordoned"}`,
  );
}

/**
 * Marks the selected drives unschedulable. Refuses, before changing anything, when a selected
 * drive holds a Pending volume. Returns the drives it changed.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 * @throws {FailedPreconditionError} when a drive has pending volumes
 */
export function cordon(kube: KubeClient, args: CordonArgs): Promise<DirectPVDrive[]> {
  return setUnschedulable(kube, args, { unschedulable: true });
}

/** Makes the selected drives schedulable again. Returns the drives it changed. */
export function uncordon(kube: KubeClient, args: CordonArgs): Promise<DirectPVDrive[]> {
  return setUnschedulable(kube, args, { unschedulable: false });
}
