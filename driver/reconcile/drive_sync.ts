/** Drive ↔ device sync at node-server start (reference §4.3): one scan, every drive verified. */
import { LABELS, toLabelValue } from "../../lib/types/mod.ts";
import type { NodeDeps } from "./deps.ts";
import { matchesOf, verifyDrive } from "./drive_health.ts";
import type { ProbedDevice } from "./node_ops.ts";

/** Outcome counts of a sync, for the log. */
export interface SyncSummary {
  drives: number;
  ready: number;
  lost: number;
  error: number;
}

/**
 * Finds each of this node's drives by FSUUID through one superblock scan and verifies it
 * (mount, capacity, label, status). API failures reject; the node server must not report
 * ready before this resolves.
 */
export async function syncDrives(
  deps: NodeDeps,
  scan: () => Promise<Map<string, ProbedDevice[]>>,
): Promise<SyncSummary> {
  const drives = await deps.kube.drives.listAll({
    labelSelector: { [LABELS.node]: toLabelValue(deps.nodeId) },
  });
  const devices = await scan();
  const results = await Promise.all(
    drives.map((drive) => verifyDrive(deps, drive, matchesOf(devices, drive))),
  );
  const summary: SyncSummary = { drives: drives.length, ready: 0, lost: 0, error: 0 };
  for (const drive of results) {
    const status = drive?.status.status;
    if (status === "Ready") summary.ready++;
    else if (status === "Lost") summary.lost++;
    else if (status === "Error") summary.error++;
  }
  deps.logger.info("Drives synced with devices", { ...summary });
  return summary;
}
