/**
 * Raw block volumes: a preallocated file `block.img` in the volume's directory on the drive,
 * attached as a loop device with direct I/O (page cache of the drive's filesystem bypassed, so
 * the pod's writes are not cached twice). The file lives under the volume's project quota, so
 * it counts against the drive like any volume, and it is removed with the volume directory.
 */
import { BLOCK_VOLUME_FILE } from "../types/mod.ts";
import type { Host } from "../sys/mod.ts";
import { drivePaths } from "./layout.ts";

/** Quota headroom for a block file: the extent maps XFS keeps for it count as project blocks. */
export function blockQuotaSize(size: number): number {
  return size + Math.ceil(size / 1024) + 1024 * 1024;
}

/** The mapped path of a volume's block file. */
export function blockFilePath(host: Host, fsuuid: string, volumeName: string): string {
  return `${drivePaths(host, fsuuid).volume(volumeName)}/${BLOCK_VOLUME_FILE}`;
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** `/dev/loop3` from a `losetup` line (`/dev/loop3: []: (/path)`). */
function loopPathsOf(stdout: string): string[] {
  return stdout.split("\n").map((l) => l.split(":")[0]?.trim() ?? "").filter((p) =>
    /^\/dev\/loop\d+$/.test(p)
  );
}

/**
 * The loop devices (`/dev/loopN`, host paths) attached to `file`; none when it is missing.
 */
export async function loopDevicesOf(
  host: Host,
  file: string,
  signal?: AbortSignal,
): Promise<string[]> {
  if (!(await host.fs.stat(file))?.isFile) return [];
  const out = await host.exec.run("losetup", ["-j", file], withSignal(signal));
  return loopPathsOf(out.stdout);
}

/** Preallocates `file` to at least `size` bytes (never shrinks it). */
async function allocate(host: Host, file: string, size: number, signal?: AbortSignal) {
  const current = (await host.fs.stat(file))?.size ?? 0;
  if (current >= size) return;
  await host.exec.run("fallocate", ["-l", String(size), file], withSignal(signal));
}

/**
 * Makes sure `file` holds `size` bytes and is attached to a loop device with direct I/O;
 * returns the device (`/dev/loopN`). Safe to repeat: an attached file keeps its device.
 *
 * @throws {CommandError} when fallocate or losetup fails (no space, no free loop device)
 */
export async function attachBlockFile(
  host: Host,
  input: { file: string; size: number; signal?: AbortSignal },
): Promise<string> {
  await allocate(host, input.file, input.size, input.signal);
  const attached = await loopDevicesOf(host, input.file, input.signal);
  if (attached[0] !== undefined) return attached[0];
  const args = ["--find", "--show", "--direct-io=on", input.file];
  const out = await host.exec.run("losetup", args, withSignal(input.signal));
  const device = loopPathsOf(out.stdout)[0] ?? out.stdout.trim();
  return device;
}

/**
 * Grows `file` to `size` bytes and has each loop device attached to it re-read its size
 * (`losetup -c`), online: the pod sees the bigger device.
 */
export async function growBlockFile(
  host: Host,
  input: { file: string; size: number; signal?: AbortSignal },
): Promise<void> {
  await allocate(host, input.file, input.size, input.signal);
  for (const device of await loopDevicesOf(host, input.file, input.signal)) {
    await host.exec.run("losetup", ["-c", device], withSignal(input.signal));
  }
}

/** Detaches every loop device attached to `file` (a no-op when none is). */
export async function detachBlockFile(
  host: Host,
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const device of await loopDevicesOf(host, file, signal)) {
    await host.exec.run("losetup", ["-d", device], withSignal(signal));
  }
}
