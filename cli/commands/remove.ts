/** `remove [DRIVE-ID ...]` (reference §1.14). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { allFlag, drivesFlag, driveStatusFlag, dryRunFlag, nodesFlag } from "../options/flags.ts";
import { driveSelection } from "../options/selection.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** `remove`: mark drives without volumes Removed. */
export function removeCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("remove")
    .description("Remove unused drives from DirectPV")
    .argument("[drive-ids...]", "drive IDs")
    .addOption(nodesFlag("drives"))
    .addOption(drivesFlag("drives"))
    .addOption(driveStatusFlag())
    .addOption(allFlag("drives"))
    .option(
      "--force",
      "Delete the drives of a dead node without its node server (refused while it runs)",
    )
    .addOption(dryRunFlag())
    .action(async (ids, opts) => {
      const query = driveSelection(ids, opts, "remove");
      await rt.ctx.admin.removeDrives(await rt.kube(), {
        query,
        ...(opts.force ? { force: true, now: () => rt.ctx.now() } : {}),
        ...runArgs(rt, opts),
      });
    });
}
