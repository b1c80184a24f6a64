/** `repair DRIVE-ID ...` (reference §1.13). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { dryRunFlag } from "../options/flags.ts";
import { UsageError } from "../exit_codes.ts";
import { parseDriveIds } from "../options/values.ts";
import type { Runtime } from "./runtime.ts";

/** `repair`: create a Job per drive that runs xfs_repair on its node. */
export function repairCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("repair")
    .description("Repair the XFS filesystem of drives (one Job per drive on its node)")
    .argument("[drive-ids...]", "drive IDs")
    .addOption(dryRunFlag("Run xfs_repair in no-modify mode (report only)"))
    .option("--force", "Zero the XFS log before repairing (loses recent changes)")
    .option("--disable-prefetch", "Disable xfs_repair prefetching (less memory)")
    .action(async (ids, opts) => {
      if (ids.length === 0) throw new UsageError("No drive provided to repair");
      const driveIds = parseDriveIds(ids);
      const terminal = rt.terminal();
      await rt.ctx.admin.repair(await rt.kube(), {
        driveIds,
        ...(opts.force ? { force: true } : {}),
        ...(opts.disablePrefetch ? { disablePrefetch: true } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        reporter: terminal.reporter(),
        ...(rt.ctx.signal ? { signal: rt.ctx.signal } : {}),
      });
    });
}
