/**
 * XFS project quotas (reference §4.2) through `xfs_quota -x`: the project id of a volume is
 * the first 4 bytes of SHA-256(volume name) read as a little-endian uint32.
 */
import type { Host } from "../sys/mod.ts";

const LITTLE_ENDIAN = true;

/**
 * The project id of a volume.
 *
 * @example await projectId("pvc-1")
 */
export async function projectId(volumeName: string): Promise<number> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(volumeName));
  return new DataView(digest).getUint32(0, LITTLE_ENDIAN);
}

/** Limits in bytes (hard = soft). */
export interface ProjectQuota {
  projectId: number;
  /** Used bytes. */
  usedBytes: number;
  softLimitBytes: number;
  hardLimitBytes: number;
}

/** Options of `setProjectQuota`. */
export interface SetQuotaOptions {
  /** The drive's mount point (mapped). */
  mountPoint: string;
  /** The volume directory (mapped). */
  volumeDir: string;
  volumeName: string;
  /** Bytes; rounded up to 512-byte blocks. 0 removes the limit. */
  size: number;
  signal?: AbortSignal;
}

/**
 * The `xfs_quota` command that tags `dir` with project `id`: only `dir` (its new entries
 * inherit), or with `recursive` every entry already under it too (a copied tree).
 */
export function projectArgs(
  mountPoint: string,
  dir: string,
  id: number,
  options: { recursive?: boolean } = {},
): string[] {
  const depth = options.recursive ? "" : "-d 0 ";
  return ["-x", "-c", `project -s ${depth}-p ${dir} ${id}`, mountPoint];
}

/** The `xfs_quota` command that sets hard = soft = `bytes` (rounded up to 512) for `id`. */
export function limitArgs(mountPoint: string, id: number, bytes: number): string[] {
  const rounded = Math.ceil(bytes / 512) * 512;
  return ["-x", "-c", `limit -p bsoft=${rounded} bhard=${rounded} ${id}`, mountPoint];
}

/**
 * Tags the volume directory with its project id and sets its block limits.
 *
 * @throws {CommandError} when `xfs_quota` fails (on a kernel without XFS quota: ENOSYS)
 */
export async function setProjectQuota(host: Host, options: SetQuotaOptions): Promise<number> {
  const id = await projectId(options.volumeName);
  const run = options.signal ? { signal: options.signal } : {};
  await host.exec.run("xfs_quota", projectArgs(options.mountPoint, options.volumeDir, id), run);
  await host.exec.run("xfs_quota", limitArgs(options.mountPoint, id, options.size), run);
  return id;
}

/**
 * Parses `xfs_quota -x -c "quota -p -N -n -b -v <id>"` output: the device, then used, soft
 * and hard in KiB. Returns undefined when it reports nothing (no quota accounting).
 */
export function parseQuotaOutput(text: string, id: number): ProjectQuota | undefined {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== "");
  for (let i = 0; i + 3 < tokens.length; i++) {
    const nums = tokens.slice(i + 1, i + 4);
    if (tokens[i]?.startsWith("/") && nums.every((n) => /^\d+$/.test(n))) {
      const [used = 0, soft = 0, hard = 0] = nums.map((n) => Number(n) * 1024);
      return { projectId: id, usedBytes: used, softLimitBytes: soft, hardLimitBytes: hard };
    }
  }
  return undefined;
}

/** Reads the project quota of a volume; undefined when quota accounting is off. */
export async function getProjectQuota(
  host: Host,
  mountPoint: string,
  volumeName: string,
  options: { signal?: AbortSignal } = {},
): Promise<ProjectQuota | undefined> {
  const id = await projectId(volumeName);
  const result = await host.exec.run(
    "xfs_quota",
    ["-x", "-c", `quota -p -N -n -b -v ${id}`, mountPoint],
    options.signal ? { signal: options.signal } : {},
  );
  return parseQuotaOutput(result.stdout, id);
}
