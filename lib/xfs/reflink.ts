/**
 * Reflink support detection (reference §4.2): format a sparse file with reflink on and try to
 * mount it through a loop device. A kernel that cannot mount it lacks reflink support, and
 * drives are then formatted with `-m reflink=0`.
 */
import { AlreadyExistsError, CommandError, errorMessage } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Host } from "../sys/mod.ts";

/** Size of the sparse test image (mkfs.xfs refuses filesystems under 300 MB). */
export const REFLINK_TEST_IMAGE_SIZE = 512 * 1024 * 1024;

/** Options of `detectReflinkSupport`. */
export interface ReflinkOptions {
  /** A scratch directory (mapped) for the image and its mount point. */
  dir: string;
  signal?: AbortSignal;
  log?: Logger;
}

/**
 * Whether this kernel mounts XFS with reflink. Scratch files are removed afterwards.
 *
 * @throws {CommandError} when mkfs.xfs itself cannot run
 */
export async function detectReflinkSupport(host: Host, options: ReflinkOptions): Promise<boolean> {
  const image = `${options.dir}/reflink-test.img`;
  const target = `${options.dir}/reflink-test.mnt`;
  const signal = options.signal ? { signal: options.signal } : {};
  await host.fs.mkdir(target, { recursive: true });
  try {
    await host.fs.truncate(image, REFLINK_TEST_IMAGE_SIZE);
    await host.exec.run("mkfs.xfs", ["-f", "-m", "reflink=1", image], signal);
    try {
      await host.mounter.mount(image, target, { fsType: "xfs", options: ["loop"], ...signal });
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      options.log?.info("XFS reflink is not supported", { error: errorMessage(err) });
      return false;
    }
    await host.mounter.unmount(target, { force: true, detach: true });
    return true;
  } finally {
    await host.fs.remove(image).catch(() => {});
    await host.fs.remove(target, { recursive: true }).catch(() => {});
  }
}

/**
 * `cp` flags for a reflink copy of a directory's contents: recursive without dereferencing,
 * the metadata that makes a faithful copy, and shared extents only (`--reflink=always` fails
 * instead of falling back to a byte copy).
 */
export const REFLINK_COPY_ARGS = [
  "-dR",
  "--preserve=mode,ownership,timestamps,links,xattr",
  "--reflink=always",
  "--no-target-directory",
];

/**
 * Copies the tree `src` to `dst` by reflink (both mapped paths on one XFS filesystem): the
 * copy is made in `<dst>.partial` and renamed into place, so `dst` appears only complete. A
 * missing `src` (a volume never staged) gives an empty `dst`.
 *
 * @throws {AlreadyExistsError} when `dst` exists already
 * @throws {CommandError} when cp fails (no reflink on the filesystem, out of space)
 */
export async function reflinkCopyTree(
  host: Host,
  src: string,
  dst: string,
  options: { mode?: number; signal?: AbortSignal } = {},
): Promise<void> {
  if (await host.fs.stat(dst)) throw new AlreadyExistsError(`Copy target "${dst}" exists`);
  const partial = `${dst}.partial`;
  const signal = options.signal ? { signal: options.signal } : {};
  await host.exec.run("rm", ["-rf", "--one-file-system", "--", partial], signal);
  if (await host.fs.stat(src)) {
    await host.exec.run("cp", [...REFLINK_COPY_ARGS, src, partial], signal);
  } else {
    await host.fs.mkdir(partial, { recursive: true });
  }
  if (options.mode !== undefined) await host.fs.chmod(partial, options.mode);
  await host.fs.rename(partial, dst);
}
