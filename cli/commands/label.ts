/** `label drives|volumes k=v|k- ...` (reference §1.9). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { collect } from "../options/values.ts";
import {
  allFlag,
  driveIdFlag,
  drivesFlag,
  driveStatusFlag,
  dryRunFlag,
  labelsFlag,
  nodesFlag,
  podNamesFlag,
  podNamespacesFlag,
  volumeStatusFlag,
} from "../options/flags.ts";
import { type LabelChange, parseLabelArgs } from "../../lib/admin/mod.ts";
import { UsageError } from "../exit_codes.ts";
import { driveSelection, type NodeDriveFlags, volumeSelection } from "../options/selection.ts";
import type { KubeClient } from "../../lib/k8s/mod.ts";
import { runArgs, type Runtime } from "./runtime.ts";

/** Flags of the `label` parent. */
interface LabelParentFlags extends NodeDriveFlags {
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

/**
 * The action of `label drives|volumes`: the label changes, applied to what the `--ids` and
 * the parent's and the subcommand's flags select.
 */
function labelAction<F extends { ids?: string[] | undefined }, Q>(
  rt: Runtime,
  parent: () => LabelParentFlags,
  select: (ids: readonly string[], flags: LabelParentFlags & F, verb: string) => Q,
  run: (
    kube: KubeClient,
    args: { query: Q; changes: LabelChange[] } & ReturnType<typeof runArgs>,
  ) => Promise<unknown>,
): (labels: string[], opts: F) => Promise<void> {
  return async (labels, opts) => {
    const flags = { ...parent(), ...opts };
    const changes = labelChanges(labels);
    const query = select(opts.ids ?? [], flags, "label");
    await run(await rt.kube(), { query, changes, ...runArgs(rt, flags) });
  };
}

function drivesCommand(rt: Runtime, parent: () => LabelParentFlags): CommandUnknownOpts {
  return new Command("drives").aliases(["drive", "dr"])
    .description("Set (k=v) or remove (k-) labels on drives")
    .argument("<labels...>", "labels to set (k=v) or remove (k-)")
    .option("--ids <ids>", "Select drives by ID", collect)
    .addOption(driveStatusFlag())
    .addOption(labelsFlag("drives"))
    .action(
      labelAction(rt, parent, driveSelection, (kube, args) => rt.ctx.admin.labelDrives(kube, args)),
    );
}

function volumesCommand(rt: Runtime, parent: () => LabelParentFlags): CommandUnknownOpts {
  return new Command("volumes").aliases(["volume", "vol"])
    .description("Set (k=v) or remove (k-) labels on volumes")
    .argument("<labels...>", "labels to set (k=v) or remove (k-)")
    .option("--ids <names>", "Select volumes by name", collect)
    .addOption(driveIdFlag())
    .addOption(podNamesFlag())
    .addOption(podNamespacesFlag())
    .addOption(volumeStatusFlag())
    .addOption(labelsFlag("volumes"))
    .action(
      labelAction(
        rt,
        parent,
        volumeSelection,
        (kube, args) => rt.ctx.admin.labelVolumes(kube, args),
      ),
    );
}

/** The `label` command with `drives` and `volumes`. */
export function labelCommand(rt: Runtime): CommandUnknownOpts {
  const label = new Command("label")
    .description("Set or remove labels on drives and volumes")
    .addOption(nodesFlag("objects"))
    .addOption(drivesFlag("objects"))
    .addOption(allFlag("objects"))
    .addOption(dryRunFlag());
  const parent = (): LabelParentFlags => label.opts();
  label.addCommand(drivesCommand(rt, parent));
  label.addCommand(volumesCommand(rt, parent));
  return label;
}
