/** `cordon` / `uncordon` (reference §1.10). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { driveSelection } from "../options/selection.ts";
import { allFlag, drivesFlag, driveStatusFlag, dryRunFlag, nodesFlag } from "../options/flags.ts";
import { runArgs, type Runtime } from "./runtime.ts";

function toggleCommand(rt: Runtime, verb: "cordon" | "uncordon"): CommandUnknownOpts {
  const doc = verb === "cordon"
    ? "Mark drives as unschedulable (no new volumes are placed on them)"
    : "Mark drives as schedulable";
  return new Command(verb)
    .description(doc)
    .argument("[drive-ids...]", "drive IDs")
    .addOption(nodesFlag("drives"))
    .addOption(drivesFlag("drives"))
    .addOption(driveStatusFlag())
    .addOption(allFlag("drives"))
    .addOption(dryRunFlag())
    .action(async (ids, opts) => {
      const query = driveSelection(ids, opts, verb);
      const args = { query, ...runArgs(rt, opts) };
      const kube = await rt.kube();
      await (verb === "cordon"
        ? rt.ctx.admin.cordon(kube, args)
        : rt.ctx.admin.uncordon(kube, args));
    });
}

/** `cordon [DRIVE-ID ...]`. */
export function cordonCommand(rt: Runtime): CommandUnknownOpts {
  return toggleCommand(rt, "cordon");
}

/** `uncordon [DRIVE-ID ...]`. */
export function uncordonCommand(rt: Runtime): CommandUnknownOpts {
  return toggleCommand(rt, "uncordon");
}
