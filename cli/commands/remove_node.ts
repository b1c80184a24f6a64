/** `remove-node NODE`: retire a node that is gone for good (its drives, volumes and PVs). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { dryRunFlag } from "../options/flags.ts";
import type { RemoveNodeResult } from "../../lib/admin/mod.ts";
import { UsageError } from "../exit_codes.ts";
import { runArgs, type Runtime } from "./runtime.ts";

const DANGER =
  "Removing a node deletes the PersistentVolumes of its volumes (their data stays on " +
  "its drives, out of reach). Please review carefully before performing this *DANGEROUS* " +
  "operation and retry this command with --dangerous flag";

function summary(r: RemoveNodeResult, dryRun: boolean): string {
  const parts = [
    `${r.drives.length} drive(s)`,
    `${r.volumes.length} volume(s)`,
    `${r.persistentVolumes.length} PV(s)`,
    `${r.claims.length} PVC(s)`,
    `${r.pods.length} pod(s)`,
  ];
  return `Node ${r.node} removed${dryRun ? " (dry run)" : ""}: ${parts.join(", ")} deleted`;
}

/** `remove-node`: see lib/admin `remove_node.ts`. */
export function removeNodeCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("remove-node")
    .description(
      "Retire a node that is gone for good: drives Lost, volumes' PVs (and PVCs) deleted, " +
        "DirectPV's objects of the node removed",
    )
    .argument("<node>", "node name")
    .option("--delete-pvcs", "Also delete the PVCs and the node's pods using them")
    .option("--force", "Act even though the node server runs or the Node is Ready")
    .option("--dangerous", "Confirm the removal")
    .addOption(dryRunFlag())
    .action(async (node, opts) => {
      if (!opts.dangerous && !opts.dryRun) throw new UsageError(DANGER);
      if (node.trim() === "") throw new UsageError("Node name must not be empty");
      const result = await rt.ctx.admin.removeNode(await rt.kube(), {
        node,
        ...(opts.force ? { force: true } : {}),
        ...(opts.deletePvcs ? { deleteClaims: true } : {}),
        now: () => rt.ctx.now(),
        ...runArgs(rt, opts),
      });
      rt.terminal().success(summary(result, !!opts.dryRun));
    });
}
