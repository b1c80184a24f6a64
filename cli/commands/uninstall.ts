/** `uninstall` (reference §1.15). */
import { Command, type CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { dryRunFlag } from "../options/flags.ts";
import { progressFor, runArgs, type Runtime } from "./runtime.ts";

/** `uninstall`: remove DirectPV; drives, volumes and CRDs stay unless `--dangerous`. */
export function uninstallCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("uninstall")
    .description("Uninstall DirectPV from Kubernetes (drives and volumes are kept)")
    .addOption(new Option("--dangerous", "Also delete every drive, volume and the CRDs").hideHelp())
    .addOption(dryRunFlag("Show what would be deleted without deleting it"))
    .action(async (opts) => {
      const reporter = progressFor(rt);
      await rt.ctx.admin.uninstall(await rt.kube(), {
        ...(opts.dangerous ? { dangerous: true } : {}),
        ...runArgs(rt, { dryRun: opts.dryRun, reporter }),
      });
      rt.terminal().success(`DirectPV uninstalled successfully${opts.dryRun ? " (dry run)" : ""}`);
    });
}
