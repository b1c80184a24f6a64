/** `migrate` (reference §1.11, §6); `--dry-run` is honoured. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { dryRunFlag } from "../options/flags.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** `migrate`: move DirectCSI drives and volumes to DirectPV. */
export function migrateCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("migrate")
    .description("Migrate drives and volumes from legacy DirectCSI")
    .addOption(dryRunFlag("Show what would be migrated without writing anything"))
    .option("--retain", "Keep the legacy objects (no backup, no deletion)")
    .action(async (opts) => {
      const { ctx } = rt;
      const outcome = await ctx.admin.migrate(await rt.kube(), {
        ...(opts.retain ? { retain: true } : {}),
        backupDir: ctx.cwd,
        files: ctx.files,
        now: ctx.now(),
        ...runArgs(rt, opts),
        ...(ctx.failpoint ? { checkpoint: ctx.failpoint } : {}),
      });
      const terminal = rt.terminal();
      if (outcome.migration.version === undefined) return;
      const { drives, volumes } = outcome.migration;
      terminal.success(
        `Migration successful${opts.dryRun ? " (dry run)" : ""}: ${drives.length} drive(s), ` +
          `${volumes.length} volume(s); Please restart the pods in 'directpv' namespace.`,
      );
    });
}
