/** `init drives.yaml` (reference §1.6): format the drives selected in an init config. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { InitDriveResult } from "../../lib/admin/mod.ts";
import { errorMessage } from "../../lib/errors/mod.ts";
import { type InitConfig, readInitConfig } from "../../lib/init_config/mod.ts";
import { NOT_FORCED } from "../../lib/types/mod.ts";
import { CommandFailedError, UsageError } from "../exit_codes.ts";
import { parseDuration } from "../options/values.ts";
import type { Colors } from "../render/terminal.ts";
import { renderTable } from "../render/table.ts";
import { progressFor, type Runtime } from "./runtime.ts";

/** The message `init` shows without `--dangerous`. */
export const INIT_DANGER = "Initializing the drives will permanently erase existing data. Please " +
  "review carefully before performing this *DANGEROUS* operation and retry this command with " +
  "--dangerous flag";

/** The hint printed when the node refused drives because they hold data and were not forced. */
export const FORCE_HINT = "A drive that holds data is erased only when its entry in the init " +
  'config has `fs` (as discover writes it) or `force: "yes"`';

/** MESSAGE of a result row. */
export function initMessage(result: InitDriveResult, colors: Colors): string {
  switch (result.status) {
    case "Success":
      return "Success";
    case "Failed":
      return colors.red(`Failed; ${result.error ?? ""}`);
    case "Error":
      return colors.red("ERROR; Failed to initialize");
    case "Timeout":
      return colors.red("Timed out; the node did not answer");
  }
}

/** The result table, sorted by MESSAGE, NODE, DRIVE. */
export function renderInitResults(results: readonly InitDriveResult[], colors: Colors): string {
  const rows = results.map((r) => ({ ...r, message: initMessage(r, colors) }));
  const key = (r: typeof rows[number]) => [r.message, r.node, r.drive];
  rows.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < x.length; i++) {
      const c = (x[i] ?? "") < (y[i] ?? "") ? -1 : (x[i] ?? "") > (y[i] ?? "") ? 1 : 0;
      if (c !== 0) return c;
    }
    return 0;
  });
  return renderTable<typeof rows[number]>([
    { header: "REQUEST_ID", cell: (r) => r.request },
    { header: "NODE", cell: (r) => r.node },
    { header: "DRIVE", cell: (r) => r.drive },
    { header: "MESSAGE", cell: (r) => r.message },
  ], rows);
}

async function readConfig(rt: Runtime, file: string): Promise<InitConfig> {
  const path = file.startsWith("/") ? file : `${rt.ctx.cwd.replace(/\/$/, "")}/${file}`;
  let text: string;
  try {
    text = await rt.ctx.files.readText(path);
  } catch (err) {
    throw new CommandFailedError(`Unable to read the input file "${file}": ${errorMessage(err)}`);
  }
  return readInitConfig(text, { source: file });
}

/** `init`: create init requests, wait for the nodes, print the results. */
export function initCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("init")
    .description("Initialize (format) the drives selected in an init config such as drives.yaml")
    .argument("[file...]", "init config written by discover")
    .option("--timeout <duration>", "How long to wait for the nodes", "2m0s")
    .option("--dangerous", "Confirm that the drives' data will be erased")
    .action(async (files, opts) => {
      if (files.length === 0) {
        throw new UsageError("Please provide the input file. Check --help for usage");
      }
      if (files.length > 1) throw new UsageError("Too many input args. Check --help for usage");
      const timeoutMs = parseDuration(opts.timeout);
      if (!opts.dangerous) throw new UsageError(INIT_DANGER);
      const config = await readConfig(rt, files[0] ?? "");
      const outcome = await rt.ctx.admin.initDrives(await rt.kube(), {
        config,
        timeoutMs,
        uuid: () => rt.ctx.uuid(),
        reporter: progressFor(rt),
        ...(rt.ctx.signal ? { signal: rt.ctx.signal } : {}),
      });
      const terminal = rt.terminal();
      terminal.result(renderInitResults(outcome.results, terminal.out));
      const failed = outcome.results.filter((r) => r.status !== "Success");
      if (failed.some((r) => r.error?.includes(NOT_FORCED))) terminal.warn(FORCE_HINT);
      if (failed.length > 0) {
        throw new CommandFailedError(
          `Failed to initialize ${failed.length} of ${outcome.results.length} drive(s)`,
        );
      }
    });
}
