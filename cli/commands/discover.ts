/** `discover` (reference §1.5): probe nodes, show their devices, write `drives.yaml`. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { drivesFlag, nodesFlag } from "../options/flags.ts";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { toInitConfig, writeInitConfig } from "../../lib/init_config/mod.ts";
import { type DirectPVNode, formatBytes, type NodeDevice } from "../../lib/types/mod.ts";
import { parseDriveNames, parseDuration, parseNodes } from "../options/values.ts";
import type { Colors } from "../render/terminal.ts";
import { renderTable } from "../render/table.ts";
import { progressFor, type Runtime } from "./runtime.ts";

/** One device row of the discover table. */
export interface DeviceRow {
  node: string;
  device: NodeDevice;
}

/** Keeps the devices named by `--drives` (all when none named). */
export function filterDevices(
  nodes: readonly DirectPVNode[],
  names: readonly string[],
): DirectPVNode[] {
  if (names.length === 0) return [...nodes];
  const wanted = new Set(names);
  return nodes.map((n) => ({
    ...n,
    status: { ...n.status, devices: (n.status?.devices ?? []).filter((d) => wanted.has(d.name)) },
  }));
}

/** Device rows sorted by node then device name; unavailable ones only with `all`. */
export function deviceRows(nodes: readonly DirectPVNode[], options: { all: boolean }): DeviceRow[] {
  const rows = nodes.flatMap((n) =>
    (n.status?.devices ?? []).map((device) => ({ node: n.metadata.name ?? "", device }))
  ).filter((r) => options.all || !r.device.deniedReason);
  return rows.sort((a, b) =>
    a.node < b.node
      ? -1
      : a.node > b.node
      ? 1
      : a.device.name < b.device.name
      ? -1
      : a.device.name > b.device.name
      ? 1
      : 0
  );
}

/**
 * DESCRIPTION of a row: the denied reason, or for a device holding data of no known format
 * (available, but never selected by default) what it holds.
 */
export function describeRow(device: NodeDevice): string | undefined {
  if (device.deniedReason) return device.deniedReason;
  return device.unknownData ? `Holds ${device.unknownData}; not selected` : undefined;
}

/**
 * The discover table: `ID | NODE | DRIVE | SIZE | FILESYSTEM | MAKE | AVAILABLE | DESCRIPTION`.
 * FILESYSTEM is blkid's TYPE, else the partition-table type.
 */
export function renderDevices(rows: readonly DeviceRow[], colors: Colors): string {
  return renderTable<DeviceRow>([
    {
      header: "ID",
      cell: (r) => r.device.id.length > 16 ? `${r.device.id.slice(0, 16)}...` : r.device.id,
    },
    { header: "NODE", cell: (r) => r.node },
    { header: "DRIVE", cell: (r) => r.device.name },
    { header: "SIZE", cell: (r) => formatBytes(r.device.size) },
    { header: "FILESYSTEM", cell: (r) => r.device.fsType || r.device.partTableType },
    { header: "MAKE", cell: (r) => r.device.make },
    {
      header: "AVAILABLE",
      cell: (r) => r.device.deniedReason ? colors.red("NO") : colors.green("YES"),
    },
    { header: "DESCRIPTION", cell: (r) => describeRow(r.device) },
  ], rows);
}

/** The warning about available drives left unselected because they hold unknown data. */
export function unknownDataWarning(rows: readonly DeviceRow[]): string | undefined {
  const held = rows.filter((r) => !r.device.deniedReason && r.device.unknownData);
  if (held.length === 0) return undefined;
  const names = held.map((r) => `'${r.node}/${r.device.name}'`).join(", ");
  return `Not selected, as they hold data of no known format: ${names}. To erase one, set ` +
    `both its select and its force to "yes" in the init config`;
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
}

/** `discover`: refresh the nodes' device lists and write the init config. */
export function discoverCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("discover")
    .description("Discover new drives and write them to an init config (drives.yaml)")
    .addOption(nodesFlag("drives"))
    .addOption(drivesFlag("drives"))
    .option("--all", "Also show unavailable drives")
    .option("--output-file <file>", "Init config file to write", "drives.yaml")
    .option("--timeout <duration>", "How long to wait for the nodes", "2m0s")
    .action(async (opts) => {
      const nodes = parseNodes(opts.nodes ?? []);
      const names = parseDriveNames(opts.drives ?? []);
      const timeoutMs = parseDuration(opts.timeout);
      const found = await rt.ctx.admin.discover(await rt.kube(), {
        ...(nodes.length > 0 ? { nodes } : {}),
        timeoutMs,
        reporter: progressFor(rt),
        ...(rt.ctx.signal ? { signal: rt.ctx.signal } : {}),
      });
      const selected = filterDevices(found, names);
      const terminal = rt.terminal();
      const available = deviceRows(selected, { all: false });
      const rows = deviceRows(selected, { all: !!opts.all });
      if (rows.length > 0) terminal.result(renderDevices(rows, terminal.out));
      const warning = unknownDataWarning(available);
      if (warning) terminal.warn(warning);
      if (available.length === 0) {
        throw new FailedPreconditionError("No drives are available to initialize");
      }
      const path = resolvePath(rt.ctx.cwd, opts.outputFile);
      await rt.ctx.files.writeText(path, writeInitConfig(toInitConfig(selected)), { mode: 0o644 });
      terminal.success(`Generated '${opts.outputFile}' successfully.`);
    });
}
