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
  await ensureProvided(() => commandExists(command), command, options.aptPackage ?? command);
}

/**
 * Makes sure the file `path` exists, installing the Debian package that provides it when it
 * is missing (as root only).
 *
 * @throws {FailedPreconditionError} when it is missing and cannot be installed
 */
export async function ensureFile(path: string, aptPackage: string): Promise<void> {
  const present = () => Deno.stat(path).then(() => true, () => false);
  await ensureProvided(present, path, aptPackage);
}

async function ensureProvided(
  present: () => Promise<boolean>,
  what: string,
  pkg: string,
): Promise<void> {
  if (await present()) return;
  if (Deno.uid() !== 0) {
    throw new FailedPreconditionError(
      `Cannot find "${what}": install the "${pkg}" package (installing needs root)`,
    );
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // Another apt run on the machine holds the lock for a while: wait for it rather than fail.
  const lock = ["-o", "DPkg::Lock::Timeout=600"];
  const install = [...lock, "install", "-y", "-qq", "--no-install-recommends", pkg];
  const first = await run("apt-get", install, { env, allowFailure: true });
  if (first.code !== 0) {
    await run("apt-get", [...lock, "update", "-qq"], { env, allowFailure: true });
    const second = await run("apt-get", install, { env, allowFailure: true });
    if (second.code !== 0) {
      throw new FailedPreconditionError(
        `Cannot install "${pkg}" with apt-get: ${second.stderr.trim() || first.stderr.trim()}`,
      );
    }
  }
  if (!(await present())) {
    throw new FailedPreconditionError(`Cannot find "${what}" after installing "${pkg}"`);
  }
}
