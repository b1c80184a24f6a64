/** `remove [DRIVE-ID ...]` (reference §1.14). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { driveSelection } from "../options/selection.ts";
import { collect } from "../options/values.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** `remove`: mark drives without volumes Removed. */
export function removeCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("remove")
    .description("Remove unused drives from DirectPV")
    .argument("[drive-ids...]", "drive IDs")
    .option(
      "-n, --nodes <nodes>",
      "Select drives on these nodes (ellipsis allowed)",
      collect,
    )
    .option(
      "-d, --drives <drives>",
      "Select drives by name (ellipsis allowed)",
      collect,
    )
    .option(
      "--status <status>",
      "Select drives by status (error|lost|moving|ready|removed)",
      collect,
    )
    .option("--all", "Select every drive")
    .option(
      "--force",
      "Delete the drives of a dead node without its node server (refused while it runs)",
    )
    .option("--dry-run", "Show what would change without changing it")
    .action(async (ids, opts) => {
      const query = driveSelection(ids, opts, "remove");
      await rt.ctx.admin.removeDrives(await rt.kube(), {
        query,
        ...(opts.force ? { force: true, now: () => rt.ctx.now() } : {}),
        ...runArgs(rt, opts),
      });
    });
}
