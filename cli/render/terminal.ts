/**
 * Human output: results on stdout; messages, warnings and errors on stderr. Colour only on
 * a terminal and never with NO_COLOR; `--quiet` silences stderr.
 */
import pc from "picocolors";
import type { Reporter } from "../../lib/admin/mod.ts";
import type { CliContext } from "../context.ts";

/** The colour functions used (a subset of picocolors). */
export interface Colors {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
}

/** Colour functions for a stream: real ones on a terminal without NO_COLOR, identity otherwise. */
export function colorsFor(ctx: Pick<CliContext, "env">, isTTY: boolean): Colors {
  const noColor = ctx.env["NO_COLOR"] !== undefined && ctx.env["NO_COLOR"] !== "";
  return pc.createColors(isTTY && !noColor);
}

/** Writes human output for one command run. */
export class Terminal {
  readonly quiet: boolean;
  /** Colours for stdout. */
  readonly out: Colors;
  /** Colours for stderr. */
  readonly err: Colors;
  readonly #ctx: CliContext;

  constructor(ctx: CliContext, options: { quiet: boolean }) {
    this.#ctx = ctx;
    this.quiet = options.quiet;
    this.out = colorsFor(ctx, ctx.isTTY.stdout);
    this.err = colorsFor(ctx, ctx.isTTY.stderr);
  }

  /** A result (table, document) on stdout; never silenced. */
  result(text: string): void {
    this.#ctx.stdout.write(text);
  }

  /** An informational line on stderr. */
  info(message: string): void {
    if (!this.quiet) this.#ctx.stderr.write(`${message}\n`);
  }

  /** A success line (green) on stderr. */
  success(message: string): void {
    this.info(this.err.green(message));
  }

  /** A warning line (yellow) on stderr. */
  warn(message: string): void {
    this.info(this.err.yellow(message));
  }

  /** An error line, `ERROR <message>` with a red prefix, on stderr. */
  error(message: string): void {
    this.info(`${this.err.red("ERROR")} ${message}`);
  }

  /** A reporter for lib/admin that logs through this terminal. */
  reporter(): Reporter {
    return {
      info: (message) => this.info(message),
      warn: (message) => this.warn(message),
    };
  }
}
