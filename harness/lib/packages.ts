/** Installing the Debian packages the harness needs, idempotently. */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { commandExists, run } from "./process.ts";

/** Options of {@link ensureCommand}. */
export interface EnsureCommandOptions {
  /** The Debian package providing the command. Default: the command's name. */
  aptPackage?: string;
}

/**
 * Makes sure `command` is on PATH, installing its Debian package with apt-get when it is
 * missing (as root only). Does nothing when it is already there.
 *
 * @throws {FailedPreconditionError} when it is missing and cannot be installed
 */
export async function ensureCommand(
  command: string,
  options: EnsureCommandOptions = {},
): Promise<void> {
  if (await commandExists(command)) return;
  const pkg = options.aptPackage ?? command;
  if (Deno.uid() !== 0) {
    throw new FailedPreconditionError(
      `Cannot find "${command}": install the "${pkg}" package (installing needs root)`,
    );
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "-qq", "--no-install-recommends", pkg];
  const first = await run("apt-get", install, { env, allowFailure: true });
  if (first.code !== 0) {
    await run("apt-get", ["update", "-qq"], { env, allowFailure: true });
    const second = await run("apt-get", install, { env, allowFailure: true });
    if (second.code !== 0) {
      throw new FailedPreconditionError(
        `Cannot install "${pkg}" with apt-get: ${second.stderr.trim() || first.stderr.trim()}`,
      );
    }
  }
  if (!(await commandExists(command))) {
    throw new FailedPreconditionError(`Cannot find "${command}" after installing "${pkg}"`);
  }
}
