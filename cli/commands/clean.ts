/** `clean [VOLUME ...]` (reference §1.11); `--dry-run` is honoured. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import {
  allFlag,
  driveIdFlag,
  drivesFlag,
  dryRunFlag,
  nodesFlag,
  podNamesFlag,
  podNamespacesFlag,
} from "../options/flags.ts";
import { volumeSelection } from "../options/selection.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** `clean`: delete volumes whose PersistentVolume is gone, Released or Failed. */
export function cleanCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("clean")
    .description("Clean stale volumes (their PersistentVolume is gone, Released or Failed)")
    .argument("[volumes...]", "volume names")
    .addOption(nodesFlag("volumes"))
    .addOption(drivesFlag("volumes"))
    .addOption(driveIdFlag())
    .addOption(podNamesFlag())
    .addOption(podNamespacesFlag())
    .addOption(allFlag("volumes"))
    .addOption(dryRunFlag("Show what would be removed without removing it"))
    .action(async (names, opts) => {
      const query = volumeSelection(names, opts, "clean");
      await rt.ctx.admin.clean(await rt.kube(), { query, ...runArgs(rt, opts) });
    });
}
