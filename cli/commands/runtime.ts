/** What every command action gets: the context, the global flags, a cluster and a terminal. */
import type { Reporter } from "../../lib/admin/mod.ts";
import type { KubeClient } from "../../lib/k8s/mod.ts";
import type { CliContext } from "../context.ts";
import type { Terminal } from "../render/terminal.ts";
import { progressMode, progressReporter } from "../render/progress.ts";

/** The global flags. */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  quiet: boolean;
}

/** Per-run services handed to each command builder. */
export interface Runtime {
  readonly ctx: CliContext;
  /** The parsed global flags (valid once parsing reached an action). */
  globals(): GlobalOptions;
  /** The cluster client, connected on first use. */
  kube(): Promise<KubeClient>;
  /** Human output, honouring `--quiet`. */
  terminal(): Terminal;
}

/** The `{dryRun, reporter, signal}` part of admin arguments (members left out when unset). */
export function runArgs(
  rt: Runtime,
  options: { dryRun?: boolean | undefined; reporter?: Reporter } = {},
): { dryRun?: boolean; reporter: Reporter; signal?: AbortSignal } {
  return {
    ...(options.dryRun ? { dryRun: true } : {}),
    reporter: options.reporter ?? rt.terminal().reporter(),
    ...(rt.ctx.signal ? { signal: rt.ctx.signal } : {}),
  };
}

/** A reporter with progress for long work: a bar on a terminal, lines elsewhere, none when quiet. */
export function progressFor(rt: Runtime, options: { structured?: boolean } = {}): Reporter {
  const terminal = rt.terminal();
  return progressReporter({
    mode: progressMode({
      quiet: terminal.quiet,
      structured: options.structured ?? false,
      isTTY: rt.ctx.isTTY.stderr,
    }),
    terminal,
    stderr: rt.ctx.stderr,
    ...(rt.ctx.columns ? { columns: rt.ctx.columns } : {}),
  });
}
