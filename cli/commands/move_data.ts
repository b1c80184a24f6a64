/** `move-data SRC-DRIVE DEST-DRIVE`: replace a drive, moving its volumes with their data. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { dryRunFlag } from "../options/flags.ts";
import { UsageError } from "../exit_codes.ts";
import { moveIds } from "./move.ts";
import { runArgs, type Runtime } from "./runtime.ts";

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(value.trim());
  if (!m) throw new UsageError(`Invalid timeout "${value}"; use a number with s, m or h (30m)`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000 }[m[2] as "s" | "m" | "h"];
}

/** `move-data`: see lib/admin `move_data.ts`. */
export function moveDataCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("move-data")
    .description(
      "Move every volume of a drive with its data to another drive on the same node " +
        "(copied on the node, verified, then switched)",
    )
    .argument("[drives...]", "SRC-DRIVE-ID DEST-DRIVE-ID")
    .option("--wait", "Wait for volumes in use by pods to be unpublished instead of refusing")
    .option("--timeout <duration>", "How long to follow the move (it goes on after)", "1h")
    .addOption(dryRunFlag("Check the move and show what it covers without changing anything"))
    .action(async (drives, opts) => {
      const { source, destination } = moveIds(drives);
      const timeoutMs = parseTimeout(opts.timeout);
      await rt.ctx.admin.moveData(await rt.kube(), {
        from: source,
        to: destination,
        ...(opts.wait ? { wait: true } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...runArgs(rt, opts),
      });
      if (!opts.dryRun) rt.terminal().success(`Drive ${source} moved to ${destination}`);
    });
}
