/** `info` (reference §1.7). */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { NodeInfo } from "../../lib/admin/mod.ts";
import { formatBytes } from "../../lib/types/mod.ts";
import type { Colors } from "../render/terminal.ts";
import { renderTable } from "../render/table.ts";
import type { Runtime } from "./runtime.ts";

/** The `info` table and summary line. */
export function renderInfo(nodes: readonly NodeInfo[], colors: Colors): string {
  const table = renderTable<NodeInfo>([
    {
      header: "NODE",
      cell: (n) => `${n.drives > 0 ? colors.green("•") : colors.yellow("•")} ${n.node}`,
    },
    { header: "CAPACITY", cell: (n) => n.drives > 0 ? formatBytes(n.capacity) : undefined },
    { header: "ALLOCATED", cell: (n) => n.drives > 0 ? formatBytes(n.allocated) : undefined },
    { header: "VOLUMES", cell: (n) => n.drives > 0 ? n.volumes : undefined },
    { header: "DRIVES", cell: (n) => n.drives > 0 ? n.drives : undefined },
  ], nodes);
  const sum = (f: (n: NodeInfo) => number) => nodes.reduce((s, n) => s + f(n), 0);
  return `${table}\n${formatBytes(sum((n) => n.allocated))}/${
    formatBytes(sum((n) => n.capacity))
  } used, ${sum((n) => n.volumes)} volumes, ${sum((n) => n.drives)} drives\n`;
}

/** `info`: capacity and usage per node. With `--quiet` only the exit code answers. */
export function infoCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("info")
    .description("Show information about the DirectPV installation")
    .action(async () => {
      const nodes = await rt.ctx.admin.info(
        await rt.kube(),
        rt.ctx.signal ? { signal: rt.ctx.signal } : {},
      );
      const terminal = rt.terminal();
      if (!terminal.quiet) terminal.result(renderInfo(nodes, terminal.out));
    });
}
