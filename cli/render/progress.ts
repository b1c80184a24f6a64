/**
 * Progress for long work (install, discover, init, uninstall): on a terminal a `cli-progress`
 * bar with the current step, and each finished unit logged above it with ✔ or ✘; elsewhere
 * (stderr not a TTY) just the finished lines; nothing with `--quiet` or `-o`.
 */
// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";
import type { ProgressState, Reporter } from "../../lib/admin/mod.ts";
import type { Terminal } from "./terminal.ts";
import type { Writer } from "../context.ts";

/** How progress is shown. */
export type ProgressMode = "bar" | "lines" | "off";

/** Picks the mode: off when quiet or printing machine output, a bar only on a terminal. */
export function progressMode(
  options: { quiet: boolean; structured: boolean; isTTY: boolean },
): ProgressMode {
  if (options.quiet || options.structured) return "off";
  return options.isTTY ? "bar" : "lines";
}

/** The stream `cli-progress` writes to, over a Writer. */
function ttyStream(writer: Writer, columns: number | undefined): NodeJS.WritableStream {
  return {
    isTTY: true,
    columns: columns ?? 80,
    write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      writer.write(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

/** Options of {@link progressReporter}. */
export interface ProgressReporterOptions {
  mode: ProgressMode;
  terminal: Terminal;
  stderr: Writer;
  columns?: number;
}

function mark(terminal: Terminal, state: ProgressState): string {
  return state === "done" ? terminal.err.green("✔") : terminal.err.red("✘");
}

/** A reporter that shows progress as the mode says and logs through the terminal. */
export function progressReporter(options: ProgressReporterOptions): Reporter {
  const { terminal, mode } = options;
  const base = terminal.reporter();
  if (mode === "off") return base;
  if (mode === "lines") {
    return {
      ...base,
      update: (_key, state, message) => {
        if (state !== "active") terminal.info(`${message} ${mark(terminal, state)}`);
      },
    };
  }
  return new BarReporter(options);
}

class BarReporter implements Reporter {
  readonly #options: ProgressReporterOptions;
  #multi: cliProgress.MultiBar | undefined;
  #bar: cliProgress.SingleBar | undefined;
  #completed = 0;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
  }

  info(message: string): void {
    if (this.#multi) this.#multi.log(`${message}\n`);
    else this.#options.terminal.info(message);
  }

  warn(message: string): void {
    this.info(this.#options.terminal.err.yellow(message));
  }

  begin(total: number): void {
    const width = Math.max(10, Math.min(40, (this.#options.columns ?? 80) - 40));
    this.#multi = new cliProgress.MultiBar({
      stream: ttyStream(this.#options.stderr, this.#options.columns),
      format: " {bar} {percentage}% | {message}",
      barsize: width,
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
      autopadding: true,
    }, cliProgress.Presets.shades_classic);
    this.#bar = this.#multi.create(Math.max(total, 1), 0, { message: "" });
  }

  update(_key: string, state: ProgressState, message: string): void {
    if (state === "active") {
      this.#bar?.update({ message });
      return;
    }
    this.#completed += 1;
    this.#bar?.update(this.#completed, { message });
    this.info(`${message} ${mark(this.#options.terminal, state)}`);
  }

  end(): void {
    // Flush the lines logged since the last redraw; stop() drops them.
    this.#multi?.update();
    this.#multi?.stop();
    this.#multi = undefined;
    this.#bar = undefined;
  }
}
