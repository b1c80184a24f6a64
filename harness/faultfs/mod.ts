/**
 * Drives that fail on command: `directpv-faultfs` (main.go beside this file, built by
 * harness/tools/build.sh) serves a directory over FUSE with the page cache bypassed, and a
 * loop device attached to a file in it returns EIO for reads, writes or both while its fault
 * is set, like a disk whose media went bad.
 * May import: lib/errors, harness/lib.
 * @module
 */
import { join } from "node:path";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import {
  type DaemonProcess,
  requireBinaries,
  run,
  spawnDaemon,
  stopProcess,
  toolsBinDir,
  waitFor,
} from "../lib/mod.ts";

/** Which operations of a file fail. */
export type FaultMode = "read" | "write" | "all";

/** A running faultfs mount. */
export interface FaultFs {
  /** Where the files are served (put loop backing files here). */
  mountPoint: string;
  /** Where they are really stored. */
  backingDir: string;
  proc: DaemonProcess;
  /** Makes I/O on `file` (a name relative to the mount) fail. */
  fail(file: string, mode: FaultMode): Promise<void>;
  /** Clears the fault of `file`, or every fault. */
  heal(file?: string): Promise<void>;
  /** Stops the server and unmounts (detach the loop devices on its files first). */
  stop(): Promise<void>;
}

/** The binary's name in the tools directory. */
export const FAULTFS_BINARY = "directpv-faultfs";

async function command(socket: string, line: string): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  try {
    await conn.write(new TextEncoder().encode(`${line}\n`));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    const reply = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
    if (reply !== "ok") {
      throw new FailedPreconditionError(`faultfs refused "${line}": ${reply || "no answer"}`);
    }
  } finally {
    conn.close();
  }
}

async function isMounted(point: string): Promise<boolean> {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  return text.split("\n").some((l) => l.split(" ")[4] === point);
}

/**
 * Starts faultfs in `dir` (`dir/backing` served at `dir/mnt`) and waits until it is mounted.
 *
 * @throws {FailedPreconditionError} when the binary is not built or does not mount
 */
export async function startFaultFs(dir: string): Promise<FaultFs> {
  const bin = await toolsBinDir();
  await requireBinaries(bin, [FAULTFS_BINARY]);
  const mountPoint = join(dir, "mnt");
  const backingDir = join(dir, "backing");
  const socket = join(dir, "control.sock");
  await Deno.mkdir(mountPoint, { recursive: true });
  await Deno.mkdir(backingDir, { recursive: true });
  const proc = await spawnDaemon({
    name: "faultfs",
    command: join(bin, FAULTFS_BINARY),
    args: ["-backing", backingDir, "-mount", mountPoint, "-control", socket],
    logFile: join(dir, "faultfs.log"),
  });
  await waitFor(
    async () => (await isMounted(mountPoint)) && (await Deno.stat(socket).catch(() => false)),
    { timeoutMs: 10_000, intervalMs: 50, description: `faultfs to mount at "${mountPoint}"` },
  );
  return {
    mountPoint,
    backingDir,
    proc,
    fail: (file, mode) => command(socket, `fail ${file} ${mode}`),
    heal: (file) => command(socket, file ? `heal ${file}` : "heal"),
    stop: async () => {
      await stopProcess(proc, { graceMs: 5_000 });
      if (await isMounted(mountPoint)) {
        await run("umount", [mountPoint], { allowFailure: true });
      }
      if (await isMounted(mountPoint)) {
        throw new FailedPreconditionError(`Cannot unmount faultfs at "${mountPoint}": busy`);
      }
    },
  };
}
