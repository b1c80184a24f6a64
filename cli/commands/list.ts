/** `list drives|volumes` (reference §1.8). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import {
  type DriveQuery,
  NoMatchingResourcesError,
  type VolumeQuery,
} from "../../lib/admin/mod.ts";
import type { DirectPVDrive, DirectPVVolume } from "../../lib/types/mod.ts";
import { type ListOutput, parseListOutput } from "../options/output.ts";
import { driveQuery, isSelected, volumeQuery } from "../options/selection.ts";
import { collect } from "../options/values.ts";
import { driveColumns, sortDrives, sortVolumes, volumeColumns } from "../render/resources.ts";
import { renderList } from "../render/structured.ts";
import { renderTable } from "../render/table.ts";
import type { Runtime } from "./runtime.ts";

/** Options shared by both list subcommands (flags of the `list` parent). */
interface ListParentOptions {
  nodes?: string[] | undefined;
  drives?: string[] | undefined;
  output?: string | undefined;
  headers: boolean;
}

function noneFound(all: boolean | undefined): NoMatchingResourcesError {
  return new NoMatchingResourcesError(all ? "No resources found" : "No matching resources found");
}

/** `list drives` flags. */
export interface ListDrivesFlags extends ListParentOptions {
  status?: string[] | undefined;
  labels?: string[] | undefined;
  all?: boolean | undefined;
}

/** The drive query of `list drives`: Ready drives when nothing is selected. */
export function listDrivesQuery(ids: readonly string[], flags: ListDrivesFlags): DriveQuery {
  const query = driveQuery(ids, flags);
  return flags.all || isSelected(query) ? query : { statuses: ["Ready"] };
}

/** `list volumes` flags. */
export interface ListVolumesFlags extends ListParentOptions {
  driveId?: string[] | undefined;
  podNames?: string[] | undefined;
  podNamespaces?: string[] | undefined;
  status?: string[] | undefined;
  labels?: string[] | undefined;
  all?: boolean | undefined;
}

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
    .option(
      "--status <status>",
      "Filter by drive status (error|lost|moving|ready|removed)",
      collect,
    )
    .option("--labels <labels>", "Filter by labels (k=v,..)", collect)
    .option("--show-labels", "Show the LABELS column")
    .option("--all", "List every drive")
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
    .option("--drive-id <ids>", "Filter by drive IDs", collect)
    .option("--pod-names <names>", "Filter by pod names", collect)
    .option("--pod-namespaces <namespaces>", "Filter by pod namespaces", collect)
    .option("--status <status>", "Filter by volume status (pending|ready)", collect)
    .option("--labels <labels>", "Filter by labels (k=v,..)", collect)
    .option("--pvc", "Show the PVC column")
    .option("--show-labels", "Show the LABELS column")
    .option("--all", "List every volume")
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
    .option(
      "-n, --nodes <nodes>",
      "Filter by node names (ellipsis allowed: node{1...4})",
      collect,
    )
    .option(
      "-d, --drives <drives>",
      "Filter by drive names (ellipsis allowed: sd{a...f})",
      collect,
    )
    .option("-o, --output <format>", "Output format: wide|json|yaml")
    .option("--no-headers", "Do not print the header row");
  const parent = (): ListParentOptions => list.opts();
  list.addCommand(drivesCommand(rt, parent));
  list.addCommand(volumesCommand(rt, parent));
  return list;
}
