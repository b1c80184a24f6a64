/** `list drives|volumes` (reference §1.8). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import {
  allFlag,
  driveIdFlag,
  drivesFlag,
  driveStatusFlag,
  labelsFlag,
  nodesFlag,
  podNamesFlag,
  podNamespacesFlag,
  volumeStatusFlag,
} from "../options/flags.ts";
import {
  type DriveQuery,
  NoMatchingResourcesError,
  type VolumeQuery,
} from "../../lib/admin/mod.ts";
import type { DirectPVDrive, DirectPVVolume } from "../../lib/types/mod.ts";
import { type ListOutput, parseListOutput } from "../options/output.ts";
import {
  type DriveFlags,
  driveQuery,
  isSelected,
  type NodeDriveFlags,
  type VolumeFlags,
  volumeQuery,
} from "../options/selection.ts";
import { driveColumns, sortDrives, sortVolumes, volumeColumns } from "../render/resources.ts";
import { renderList } from "../render/structured.ts";
import { renderTable } from "../render/table.ts";
import type { Runtime } from "./runtime.ts";

/** Options shared by both list subcommands (flags of the `list` parent). */
interface ListParentOptions extends NodeDriveFlags {
  output?: string | undefined;
  headers: boolean;
}

function noneFound(all: boolean | undefined): NoMatchingResourcesError {
  return new NoMatchingResourcesError(all ? "No resources found" : "No matching resources found");
}

/** `list drives` flags. */
export interface ListDrivesFlags extends ListParentOptions, DriveFlags {}

/** The drive query of `list drives`: Ready drives when nothing is selected. */
export function listDrivesQuery(ids: readonly string[], flags: ListDrivesFlags): DriveQuery {
  const query = driveQuery(ids, flags);
  return flags.all || isSelected(query) ? query : { statuses: ["Ready"] };
}

/** `list volumes` flags. */
export interface ListVolumesFlags extends ListParentOptions, VolumeFlags {}

/** The volume query of `list volumes`: Ready volumes when nothing is selected. */
export function listVolumesQuery(names: readonly string[], flags: ListVolumesFlags): VolumeQuery {
  const query = volumeQuery(names, flags);
  return flags.all || isSelected(query) ? query : { statuses: ["Ready"] };
}

function print<T extends object>(
  rt: Runtime,
  output: ListOutput,
  items: T[],
  table: () => string,
): void {
  if (output === "json" || output === "yaml") rt.terminal().result(renderList(items, output));
  else rt.terminal().result(table());
}

async function pvcNames(rt: Runtime): Promise<Map<string, string>> {
  const pvs = await (await rt.kube()).persistentVolumes.listAll({ limit: 500 });
  return new Map(pvs.map((pv) => [pv.metadata.name ?? "", pv.spec?.claimRef?.name ?? ""]));
}

function drivesCommand(rt: Runtime, parent: () => ListParentOptions): CommandUnknownOpts {
  return new Command("drives").aliases(["drive", "dr"])
    .description("List drives")
    .argument("[drive-ids...]", "drive IDs to list")
    .addOption(driveStatusFlag())
    .addOption(labelsFlag("drives"))
    .option("--show-labels", "Show the LABELS column")
    .addOption(allFlag("drives"))
    .action(async (ids, opts) => {
      const flags = { ...parent(), ...opts };
      const output = parseListOutput(flags.output, { wide: true });
      const query = listDrivesQuery(ids, flags);
      const drives: DirectPVDrive[] = sortDrives(
        await rt.ctx.admin.listDrives(await rt.kube(), query),
      );
      if (drives.length === 0) throw noneFound(opts.all);
      print(
        rt,
        output,
        drives,
        () =>
          renderTable(driveColumns({ showLabels: !!opts.showLabels }), drives, {
            headers: flags.headers,
          }),
      );
    });
}

function volumesCommand(rt: Runtime, parent: () => ListParentOptions): CommandUnknownOpts {
  return new Command("volumes").aliases(["volume", "vol"])
    .description("List volumes")
    .argument("[volumes...]", "volume names to list")
    .addOption(driveIdFlag())
    .addOption(podNamesFlag())
    .addOption(podNamespacesFlag())
    .addOption(volumeStatusFlag())
    .addOption(labelsFlag("volumes"))
    .option("--pvc", "Show the PVC column")
    .option("--show-labels", "Show the LABELS column")
    .addOption(allFlag("volumes"))
    .action(async (names, opts) => {
      const flags: ListVolumesFlags = { ...parent(), ...opts };
      const output = parseListOutput(flags.output, { wide: true });
      const query = listVolumesQuery(names, flags);
      const kube = await rt.kube();
      const volumes: DirectPVVolume[] = sortVolumes(await rt.ctx.admin.listVolumes(kube, query));
      if (volumes.length === 0) throw noneFound(opts.all);
      const claims = opts.pvc && output !== "json" && output !== "yaml"
        ? await pvcNames(rt)
        : undefined;
      print(rt, output, volumes, () =>
        renderTable(
          volumeColumns({
            wide: output === "wide",
            showLabels: !!opts.showLabels,
            ...(claims ? { claims } : {}),
          }),
          volumes,
          { headers: flags.headers },
        ));
    });
}

/** The `list` command with its `drives` and `volumes` subcommands. */
export function listCommand(rt: Runtime): CommandUnknownOpts {
  const list = new Command("list")
    .description("List drives and volumes")
    .addOption(nodesFlag("objects"))
    .addOption(drivesFlag("objects"))
    .option("-o, --output <format>", "Output format: wide|json|yaml")
    .option("--no-headers", "Do not print the header row");
  const parent = (): ListParentOptions => list.opts();
  list.addCommand(drivesCommand(rt, parent));
  list.addCommand(volumesCommand(rt, parent));
  return list;
}
