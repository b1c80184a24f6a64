/** `label drives|volumes k=v|k- ...` (reference §1.9). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type LabelChange, parseLabelArgs } from "../../lib/admin/mod.ts";
import { UsageError } from "../exit_codes.ts";
import { driveSelection, volumeSelection } from "../options/selection.ts";
import { collect } from "../options/values.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** Flags of the `label` parent. */
interface LabelParentFlags {
  nodes?: string[] | undefined;
  drives?: string[] | undefined;
  all?: boolean | undefined;
  dryRun?: boolean | undefined;
}

/** Parses label arguments, turning their errors into usage errors. */
export function labelChanges(args: readonly string[]): LabelChange[] {
  try {
    return parseLabelArgs(args);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function drivesCommand(rt: Runtime, parent: () => LabelParentFlags): CommandUnknownOpts {
  return new Command("drives").aliases(["drive", "dr"])
    .description("Set (k=v) or remove (k-) labels on drives")
    .argument("<labels...>", "labels to set (k=v) or remove (k-)")
    .option("--ids <ids>", "Select drives by ID", collect)
    .option("--status <status>", "Select drives by status", collect)
    .option("--labels <labels>", "Select drives by labels (k=v,..)", collect)
    .action(async (labels, opts) => {
      const flags = { ...parent(), ...opts };
      const changes = labelChanges(labels);
      const query = driveSelection(opts.ids ?? [], flags, "label");
      await rt.ctx.admin.labelDrives(await rt.kube(), { query, changes, ...runArgs(rt, flags) });
    });
}

function volumesCommand(rt: Runtime, parent: () => LabelParentFlags): CommandUnknownOpts {
  return new Command("volumes").aliases(["volume", "vol"])
    .description("Set (k=v) or remove (k-) labels on volumes")
    .argument("<labels...>", "labels to set (k=v) or remove (k-)")
    .option("--ids <names>", "Select volumes by name", collect)
    .option("--drive-id <ids>", "Select volumes on these drive IDs", collect)
    .option("--pod-names <names>", "Select volumes by pod name", collect)
    .option(
      "--pod-namespaces <namespaces>",
      "Select volumes by pod namespace",
      collect,
    )
    .option(
      "--status <status>",
      "Select volumes by status (pending|ready)",
      collect,
    )
    .option("--labels <labels>", "Select volumes by labels (k=v,..)", collect)
    .action(async (labels, opts) => {
      const flags = { ...parent(), ...opts };
      const changes = labelChanges(labels);
      const query = volumeSelection(opts.ids ?? [], flags, "label");
      await rt.ctx.admin.labelVolumes(await rt.kube(), { query, changes, ...runArgs(rt, flags) });
    });
}

/** The `label` command with `drives` and `volumes`. */
export function labelCommand(rt: Runtime): CommandUnknownOpts {
  const label = new Command("label")
    .description("Set or remove labels on drives and volumes")
    .option(
      "-n, --nodes <nodes>",
      "Select objects on these nodes (ellipsis allowed)",
      collect,
    )
    .option(
      "-d, --drives <drives>",
      "Select objects on these drive names (ellipsis allowed)",
      collect,
    )
    .option("--all", "Select every object")
    .option("--dry-run", "Show what would change without changing it");
  const parent = (): LabelParentFlags => label.opts();
  label.addCommand(drivesCommand(rt, parent));
  label.addCommand(volumesCommand(rt, parent));
  return label;
}
