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
import type { KubeClient } from "../../lib/k8s/mod.ts";
import { runArgs, type Runtime } from "./runtime.ts";

type Verb = "suspend" | "resume";

const DANGER = {
  drives: "Suspending the drives will make the corresponding volumes as read-only. Please review " +
    "carefully before performing this *DANGEROUS* operation and retry this command with --dangerous flag",
  volumes: "Suspending the volumes will make them as read-only. Please review carefully before " +
    "performing this *DANGEROUS* operation and retry this command with --dangerous flag",
};

/** The admin function each verb calls, by what it selects. */
const ADMIN = {
  suspend: { drives: "suspendDrives", volumes: "suspendVolumes" },
  resume: { drives: "resumeDrives", volumes: "resumeVolumes" },
} as const;

/**
 * The action of `<verb> drives|volumes`: refuses to suspend without `--dangerous`, then runs
 * the verb on what the arguments and flags select.
 */
function selectAndRun<F, Q>(
  rt: Runtime,
  verb: Verb,
  dryRun: () => boolean,
  kind: {
    danger: string;
    select: (ids: readonly string[], flags: F, verb: Verb) => Q;
    run: (kube: KubeClient, args: { query: Q } & ReturnType<typeof runArgs>) => Promise<unknown>;
  },
): (ids: string[], flags: F) => Promise<void> {
  return async (ids, flags) => {
    if (verb === "suspend" && !(flags as { dangerous?: boolean }).dangerous) {
      throw new UsageError(kind.danger);
    }
    const query = kind.select(ids, flags, verb);
    const args = { query, ...runArgs(rt, { dryRun: dryRun() }) };
    await kind.run(await rt.kube(), args);
  };
}

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
  return cmd.action(selectAndRun(rt, verb, dryRun, {
    danger: DANGER.drives,
    select: driveSelection,
    run: (kube, args) => rt.ctx.admin[ADMIN[verb].drives](kube, args),
  }));
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
  return cmd.action(selectAndRun(rt, verb, dryRun, {
    danger: DANGER.volumes,
    select: volumeSelection,
    run: (kube, args) => rt.ctx.admin[ADMIN[verb].volumes](kube, args),
  }));
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
