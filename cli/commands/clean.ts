/** `clean [VOLUME ...]` (reference §1.11); `--dry-run` is honoured. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { volumeSelection } from "../options/selection.ts";
import { collect } from "../options/values.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** `clean`: delete volumes whose PersistentVolume is gone, Released or Failed. */
export function cleanCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("clean")
    .description("Clean stale volumes (their PersistentVolume is gone, Released or Failed)")
    .argument("[volumes...]", "volume names")
    .option(
      "-n, --nodes <nodes>",
      "Select volumes on these nodes (ellipsis allowed)",
      collect,
    )
    .option(
      "-d, --drives <drives>",
      "Select volumes on these drive names (ellipsis allowed)",
      collect,
    )
    .option("--drive-id <ids>", "Select volumes on these drive IDs", collect)
    .option("--pod-names <names>", "Select volumes by pod name", collect)
    .option(
      "--pod-namespaces <namespaces>",
      "Select volumes by pod namespace",
      collect,
    )
    .option("--all", "Select every volume")
    .option("--dry-run", "Show what would be removed without removing it")
    .action(async (names, opts) => {
      const query = volumeSelection(names, opts, "clean");
      await rt.ctx.admin.clean(await rt.kube(), { query, ...runArgs(rt, opts) });
    });
}
