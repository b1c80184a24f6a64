/** `move SRC-DRIVE DEST-DRIVE` (reference §1.11). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { dryRunFlag } from "../options/flags.ts";
import { UsageError } from "../exit_codes.ts";
import { parseDriveIds } from "../options/values.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** Validates move's two drive ids (lowercase UUIDs, unlike DirectPV which did not check). */
export function moveIds(args: readonly string[]): { source: string; destination: string } {
  if (args.length !== 2) {
    throw new UsageError("Only one source and one destination drive must be provided");
  }
  const [source = "", destination = ""] = args.map((a) => a.trim());
  if (source === "") throw new UsageError("Empty source drive");
  if (destination === "") throw new UsageError("Empty destination drive");
  parseDriveIds([source, destination]);
  return { source, destination };
}

/** `move` (alias `mv`): hand a cordoned drive's volumes to another cordoned drive. */
export function moveCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("move").alias("mv")
    .description("Move volumes from one drive to another on the same node (no data is copied)")
    .argument("[drives...]", "SRC-DRIVE-ID DEST-DRIVE-ID")
    .addOption(dryRunFlag("Check the move without changing anything"))
    .action(async (drives, opts) => {
      const ids = moveIds(drives);
      await rt.ctx.admin.moveDrive(await rt.kube(), { ...ids, ...runArgs(rt, opts) });
    });
}
