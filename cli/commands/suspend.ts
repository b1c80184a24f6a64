/** `suspend drives|volumes` and `resume drives|volumes` (reference §1.12). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import {
  drivesFlag,
  dryRunFlag,
  nodesFlag,
  podNamesFlag,
  podNamespacesFlag,
} from "../options/flags.ts";
import { UsageError } from "../exit_codes.ts";
import { driveSelection, volumeSelection } from "../options/selection.ts";
import { runArgs, type Runtime } from "./runtime.ts";

type Verb = "suspend" | "resume";

const DANGER = {
  drives: "Suspending the drives will make the corresponding volumes as read-only. Please review " +
    "carefully before performing this *DANGEROUS* operation and retry this command with --dangerous flag",
  volumes: "Suspending the volumes will make them as read-only. Please review carefully before " +
    "performing this *DANGEROUS* operation and retry this command with --dangerous flag",
};

function drivesCommand(rt: Runtime, verb: Verb, dryRun: () => boolean): CommandUnknownOpts {
  const cmd = new Command("drives").aliases(["drive", "dr"])
    .description(
      verb === "suspend"
        ? "Suspend drives (their volumes become read-only)"
        : "Resume suspended drives",
    )
    .argument("[drive-ids...]", "drive IDs")
    .addOption(nodesFlag("drives"))
    .addOption(drivesFlag("drives"));
  if (verb === "suspend") cmd.option("--dangerous", "Confirm the suspension");
  return cmd.action(async (ids, opts) => {
    if (verb === "suspend" && !(opts as { dangerous?: boolean }).dangerous) {
      throw new UsageError(DANGER.drives);
    }
    const query = driveSelection(ids, opts, verb);
    const args = { query, ...runArgs(rt, { dryRun: dryRun() }) };
    const kube = await rt.kube();
    await (verb === "suspend"
      ? rt.ctx.admin.suspendDrives(kube, args)
      : rt.ctx.admin.resumeDrives(kube, args));
  });
}

function volumesCommand(rt: Runtime, verb: Verb, dryRun: () => boolean): CommandUnknownOpts {
  const cmd = new Command("volumes").aliases(["volume", "vol"])
    .description(
      verb === "suspend" ? "Suspend volumes (they become read-only)" : "Resume suspended volumes",
    )
    .argument("[volumes...]", "volume names")
    .addOption(nodesFlag("volumes"))
    .addOption(drivesFlag("volumes"))
    .addOption(podNamesFlag())
    .addOption(podNamespacesFlag());
  if (verb === "suspend") cmd.option("--dangerous", "Confirm the suspension");
  return cmd.action(async (names, opts) => {
    if (verb === "suspend" && !(opts as { dangerous?: boolean }).dangerous) {
      throw new UsageError(DANGER.volumes);
    }
    const query = volumeSelection(names, opts, verb);
    const args = { query, ...runArgs(rt, { dryRun: dryRun() }) };
    const kube = await rt.kube();
    await (verb === "suspend"
      ? rt.ctx.admin.suspendVolumes(kube, args)
      : rt.ctx.admin.resumeVolumes(kube, args));
  });
}

function parentCommand(rt: Runtime, verb: Verb): CommandUnknownOpts {
  const parent = new Command(verb)
    .description(
      verb === "suspend" ? "Suspend drives or volumes" : "Resume suspended drives or volumes",
    )
    .addOption(dryRunFlag());
  const dryRun = () => !!parent.opts().dryRun;
  parent.addCommand(drivesCommand(rt, verb, dryRun));
  parent.addCommand(volumesCommand(rt, verb, dryRun));
  return parent;
}

/** `suspend drives|volumes`. */
export function suspendCommand(rt: Runtime): CommandUnknownOpts {
  return parentCommand(rt, "suspend");
}

/** `resume drives|volumes`. */
export function resumeCommand(rt: Runtime): CommandUnknownOpts {
  return parentCommand(rt, "resume");
}
