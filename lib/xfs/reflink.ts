/**
 * Reflink support detection (reference §4.2): format a sparse file with reflink on and try to
 * mount it through a loop device. A kernel that cannot mount it lacks reflink support, and
 * drives are then formatted with `-m reflink=0`.
 */
import { CommandError, errorMessage } from "../errors/mod.ts";
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
