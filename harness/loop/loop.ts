/**
 * Loop-device drives for privileged tests and scenarios: sparse backing files attached with
 * `losetup`, detachable and reattachable, and a cleanup that always unmounts what is mounted
 * from them (or from devices stacked on them), detaches them and removes the files.
 */
import { dirname } from "node:path";
import {
  AlreadyExistsError,
  errorMessage,
  FailedPreconditionError,
  InvalidArgumentError,
} from "../../lib/errors/mod.ts";
import { parseBytes } from "../../lib/types/mod.ts";
import { removePath, run, waitFor } from "../lib/mod.ts";
import {
  attachedLoops,
  deviceTree,
  isReadOnly,
  loopsOf,
  majorMinorOf,
  mountsOf,
} from "./devices.ts";
import { readRegistry, registerDrives, type RegistryEntry, unregisterDrives } from "./registry.ts";

/** What {@link createLoopDrives} makes. */
export interface LoopDriveSpec {
  /** Bytes, or a quantity such as `"1GiB"`; a multiple of 512. */
  size: number | string;
  /** Backing file is `<dir>/<name>.img`. Default: a random `drive-xxxxxxxx`. */
  name?: string;
  /** Attach read-only (`losetup --read-only`). */
  readOnly?: boolean;
}

/** An attached loop drive. */
export interface LoopDrive {
  name: string;
  /** `/dev/loopN`; may change on {@link reattach}. */
  device: string;
  backingFile: string;
  size: number;
  /** `major:minor` of {@link LoopDrive.device}. */
  majorMinor: string;
  readOnly: boolean;
}

/** Options of {@link createLoopDrives}. */
export interface CreateLoopDrivesOptions {
  /** Directory for the backing files and the registry (created if missing). */
  dir: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function specSize(spec: LoopDriveSpec): number {
  const size = typeof spec.size === "number" ? spec.size : parseBytes(spec.size);
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0) {
    throw new InvalidArgumentError(
      `Invalid loop drive size "${spec.size}": expected a positive multiple of 512 bytes`,
    );
  }
  return size;
}

function entryOf(drive: LoopDrive): RegistryEntry {
  const { name, backingFile, size, readOnly, device } = drive;
  return { name, backingFile, size, readOnly, device };
}

/**
 * Creates sparse backing files in `dir` and attaches each to a free loop device. When one
 * fails, the drives made so far are cleaned up before the error is thrown.
 *
 * @throws {InvalidArgumentError} for a bad size or name
 * @throws {AlreadyExistsError} when a backing file exists already
 * @throws {CommandError} when losetup fails
 */
export async function createLoopDrives(
  specs: readonly LoopDriveSpec[],
  options: CreateLoopDrivesOptions,
): Promise<LoopDrive[]> {
  await Deno.mkdir(options.dir, { recursive: true });
  const dir = await Deno.realPath(options.dir);
  const drives: LoopDrive[] = [];
  const made: string[] = [];
  try {
    for (const spec of specs) {
      const name = spec.name ?? `drive-${crypto.randomUUID().slice(0, 8)}`;
      if (!NAME.test(name)) throw new InvalidArgumentError(`Invalid loop drive name "${name}"`);
      const size = specSize(spec);
      const backingFile = `${dir}/${name}.img`;
      await makeSparseFile(backingFile, size);
      made.push(backingFile);
      const readOnly = spec.readOnly ?? false;
      await registerDrives(dir, [{ name, backingFile, size, readOnly }]);
      drives.push(await attach({ name, backingFile, size, readOnly }));
      await registerDrives(dir, [entryOf(drives[drives.length - 1] as LoopDrive)]);
    }
    return drives;
  } catch (err) {
    await cleanupLoopDrives(made.map((backingFile) => ({ backingFile }))).catch(() => {});
    throw err;
  }
}

async function makeSparseFile(path: string, size: number): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { createNew: true, write: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new AlreadyExistsError(`Cannot create loop drive file "${path}": it exists`);
    }
    throw err;
  }
  try {
    await file.truncate(size);
  } finally {
    file.close();
  }
}

async function attach(entry: Omit<LoopDrive, "device" | "majorMinor">): Promise<LoopDrive> {
  const args = ["--find", "--show", ...(entry.readOnly ? ["--read-only"] : []), entry.backingFile];
  const device = (await run("losetup", args)).stdout.trim();
  const majorMinor = await waitFor(() => majorMinorOf(device), {
    timeoutMs: 5_000,
    description: `"${device}" to appear in sysfs`,
  });
  if (entry.readOnly && !(await isReadOnly(device))) {
    throw new FailedPreconditionError(`Cannot attach "${device}" read-only: it is writable`);
  }
  return { ...entry, device, majorMinor };
}

async function detachDevice(device: string, backingFile: string): Promise<void> {
  const res = await run("losetup", ["--detach", device], { allowFailure: true });
  try {
    await waitFor(async () => !(await loopsOf(backingFile)).includes(device), {
      timeoutMs: 5_000,
      intervalMs: 50,
      description: `"${device}" to detach`,
    });
  } catch (err) {
    const why = res.code !== 0 ? res.stderr.trim() : "it is still in use";
    throw new FailedPreconditionError(`Cannot detach "${device}": ${why}`, { cause: err });
  }
}

/**
 * Detaches the drive's loop device, keeping the backing file (the drive "disappears").
 *
 * @throws {FailedPreconditionError} when the device stays attached (mounted or held)
 */
export async function detach(drive: LoopDrive): Promise<void> {
  for (const device of await loopsOf(drive.backingFile)) {
    await detachDevice(device, drive.backingFile);
  }
}

/**
 * Attaches the drive's backing file again (detaching it first if it still is attached). The
 * loop device may differ from before.
 *
 * @throws {NotFoundError} when the backing file is gone
 */
export async function reattach(drive: LoopDrive): Promise<LoopDrive> {
  await detach(drive);
  await Deno.stat(drive.backingFile);
  const { name, backingFile, size, readOnly } = drive;
  const again = await attach({ name, backingFile, size, readOnly });
  await registerDrives(dirname(backingFile), [entryOf(again)]);
  return again;
}

/**
 * Unmounts everything mounted from the drives (or from devices stacked on them), detaches
 * every loop device backed by their files, removes the files and their registry entries.
 * Tolerates drives that are already partly or fully cleaned; safe to call twice.
 *
 * @throws {FailedPreconditionError} listing what could not be cleaned (after trying all)
 */
export async function cleanupLoopDrives(
  drives: readonly { backingFile: string }[],
): Promise<void> {
  const problems: string[] = [];
  for (const drive of drives) {
    try {
      await cleanupOne(drive.backingFile);
    } catch (err) {
      problems.push(errorMessage(err));
    }
  }
  if (problems.length > 0) {
    throw new FailedPreconditionError(`Cannot clean up loop drives: ${problems.join("; ")}`);
  }
}

async function cleanupOne(backingFile: string): Promise<void> {
  for (const device of await loopsOf(backingFile)) {
    await unmountAll(device);
    await detachDevice(device, backingFile);
  }
  await removePath(backingFile);
  await unregisterDrives(dirname(backingFile), [backingFile]).catch(() => {});
}

/** Unmounts every mount of the device and of devices stacked on it, deepest first. */
async function unmountAll(device: string): Promise<void> {
  const tree = await deviceTree(device);
  for (let round = 0; round < 5; round++) {
    const mounts = await mountsOf(tree);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      const res = await run("umount", [m.mountPoint], { allowFailure: true });
      if (res.code !== 0) await run("umount", ["--lazy", m.mountPoint], { allowFailure: true });
    }
  }
  const left = await mountsOf(tree);
  if (left.length > 0) {
    throw new FailedPreconditionError(
      `Cannot unmount "${left[0]?.mountPoint}" (from "${device}"): it stays mounted`,
    );
  }
}

/** What {@link cleanupLoopDir} found. */
export interface LoopDirCleanup {
  /** Backing files cleaned. */
  backingFiles: string[];
}

/**
 * Cleans every drive of `dir`: the registered ones and any loop device whose backing file is
 * in `dir` (the leftovers of a crashed run). The directory itself is kept.
 *
 * @throws {FailedPreconditionError} listing what could not be cleaned
 */
export async function cleanupLoopDir(dir: string): Promise<LoopDirCleanup> {
  const real = await Deno.realPath(dir).catch(() => dir);
  const files = new Set((await readRegistry(real)).map((e) => e.backingFile));
  for (const loop of await attachedLoops()) {
    if (dirname(loop.backingFile) === real) files.add(loop.backingFile);
  }
  const backingFiles = [...files].sort();
  await cleanupLoopDrives(backingFiles.map((backingFile) => ({ backingFile })));
  return { backingFiles };
}
