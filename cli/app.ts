/**
 * The kubectl-directpv command tree, built from a context object so tests can run it without
 * a process, a terminal or a cluster. Nothing here exits: `runCli` returns the exit code.
 */
import { Command, CommanderError, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { NoMatchingResourcesError } from "../lib/admin/mod.ts";
import type { KubeClient } from "../lib/k8s/mod.ts";
import { cleanCommand } from "./commands/clean.ts";
import { completionCommand } from "./commands/completion.ts";
import { cordonCommand, uncordonCommand } from "./commands/cordon.ts";
import { dashboardCommand } from "./commands/dashboard.ts";
import { discoverCommand } from "./commands/discover.ts";
import { infoCommand } from "./commands/info.ts";
import { initCommand } from "./commands/init.ts";
import { installCommand } from "./commands/install.ts";
import { labelCommand } from "./commands/label.ts";
import { listCommand } from "./commands/list.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { moveCommand } from "./commands/move.ts";
import { moveDataCommand } from "./commands/move_data.ts";
import { removeCommand } from "./commands/remove.ts";
import { removeNodeCommand } from "./commands/remove_node.ts";
import { repairCommand } from "./commands/repair.ts";
import type { GlobalOptions, Runtime } from "./commands/runtime.ts";
import { resumeCommand, suspendCommand } from "./commands/suspend.ts";
import { uninstallCommand } from "./commands/uninstall.ts";
import type { CliContext } from "./context.ts";
import { EXIT_CODES, type ExitCode, exitCodeOf, UsageError } from "./exit_codes.ts";
import { Terminal } from "./render/terminal.ts";

/** DirectPV has no `help` command (help is `-h`/`--help`). */
const HELP_COMMAND = false;

/** The commands in DirectPV's order, then ours (`dashboard`, `completion`). */
const COMMANDS: ReadonlyArray<(rt: Runtime) => CommandUnknownOpts> = [
  installCommand,
  discoverCommand,
  initCommand,
  infoCommand,
  listCommand,
  labelCommand,
  cordonCommand,
  uncordonCommand,
  migrateCommand,
  moveCommand,
  moveDataCommand,
  cleanCommand,
  suspendCommand,
  resumeCommand,
  repairCommand,
  removeCommand,
  removeNodeCommand,
  uninstallCommand,
  dashboardCommand,
];

function runtimeFor(ctx: CliContext, program: CommandUnknownOpts): Runtime {
  let kube: Promise<KubeClient> | undefined;
  let terminal: Terminal | undefined;
  const globals = (): GlobalOptions => {
    const o = program.opts() as { kubeconfig?: string; context?: string; quiet?: boolean };
    return {
      ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
      ...(o.context ? { context: o.context } : {}),
      quiet: !!o.quiet,
    };
  };
  return {
    ctx,
    globals,
    kube: () => {
      const { kubeconfig, context } = globals();
      kube ??= ctx.connect({
        ...(kubeconfig ? { kubeconfig } : {}),
        ...(context ? { context } : {}),
      });
      return kube;
    },
    terminal: () => terminal ??= new Terminal(ctx, { quiet: globals().quiet }),
  };
}

/** Builds the command tree; parse errors and help throw CommanderError instead of exiting. */
export function buildProgram(ctx: CliContext): { program: CommandUnknownOpts; runtime: Runtime } {
  const program = new Command("directpv")
    .description("Kubectl plugin for managing DirectPV drives and volumes")
    .version(ctx.version, "--version", "Print the version")
    .option("--kubeconfig <path>", "Path to the kubeconfig file")
    .option("--context <name>", "The kubeconfig context to use")
    .option("--quiet", "Suppress messages and progress on stderr")
    .helpCommand(HELP_COMMAND) as unknown as CommandUnknownOpts;
  const runtime = runtimeFor(ctx, program);
  for (const make of COMMANDS) program.addCommand(make(runtime));
  program.addCommand(completionCommand(runtime, () => program));
  configureTree(program, ctx);
  return { program, runtime };
}

/** Settings every command needs (addCommand does not pass them on): no exit, our streams. */
function configureTree(command: CommandUnknownOpts, ctx: CliContext): void {
  command.exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  for (const sub of command.commands) configureTree(sub, ctx);
}

function report(err: unknown, runtime: Runtime, ctx: CliContext): void {
  if (err instanceof CommanderError) return; // commander printed it already
  const terminal = runtime.terminal();
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof NoMatchingResourcesError) terminal.info(message);
  else if (err instanceof UsageError) {
    // Usage errors are shown even with --quiet: the command line itself is wrong.
    ctx.stderr.write(`${terminal.err.red("ERROR")} ${message}\n`);
  } else terminal.error(message);
}

/**
 * Runs the CLI with user arguments (no program name) and returns the exit code. Errors are
 * printed to stderr; results went to stdout.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { program, runtime } = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_CODES.success;
  } catch (err) {
    report(err, runtime, ctx);
    return exitCodeOf(err);
  }
}
