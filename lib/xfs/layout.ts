/** The on-disk layout of an initialized drive (reference §4.4). */
import { AlreadyExistsError } from "../errors/mod.ts";
import type { Host } from "../sys/mod.ts";
import { APP_NAME, MOUNT_ROOT_DIR, VERSION } from "../types/mod.ts";

/** Name of the legacy-compatible symlink `.FSUUID.<fsuuid>` → `.`. */
export function fsuuidLinkName(fsuuid: string): string {
  return `.FSUUID.${fsuuid}`;
}

/** The exact content of `.directpv/meta.info`. */
export function metaInfoContent(fsuuid: string): string {
  return `APP_NAME=${APP_NAME}\nAPP_VERSION=${VERSION}\nFSUUID=${fsuuid}\n`;
}

/** Mode of the `.directpv` directory. */
export const META_DIR_MODE = 0o750;
/** Mode of `meta.info`. */
export const META_FILE_MODE = 0o640;
/** Mode of volume directories. */
export const VOLUME_DIR_MODE = 0o755;

/** The paths of one drive, mapped under the host root. */
export interface DrivePaths {
  /** `<app>/mnt/<fsuuid>` */
  mountPoint: string;
  /** `<mount>/.FSUUID.<fsuuid>` */
  fsuuidLink: string;
  /** `<mount>/.directpv` */
  metaDir: string;
  /** `<mount>/.directpv/meta.info` */
  metaInfo: string;
  /** `<mount>/.FSUUID.<fsuuid>/<volume>`: the volume's data directory. */
  volume(volumeName: string): string;
}

/** The paths of the drive `fsuuid` on this host. */
export function drivePaths(host: Host, fsuuid: string): DrivePaths {
  const mountPoint = host.paths.app("mnt", fsuuid);
  const fsuuidLink = `${mountPoint}/${fsuuidLinkName(fsuuid)}`;
  return {
    mountPoint,
    fsuuidLink,
    metaDir: `${mountPoint}/.directpv`,
    metaInfo: `${mountPoint}/.directpv/meta.info`,
    volume: (volumeName) => `${fsuuidLink}/${volumeName}`,
  };
}

/**
 * A volume's `dataPath` as written in its DirectPVVolume (an absolute host path).
 *
 * @example volumeDataPath(uuid, "pvc-1") === `/var/lib/directpv/mnt/${uuid}/.FSUUID.${uuid}/pvc-1`
 */
export function volumeDataPath(fsuuid: string, volumeName: string): string {
  return `${MOUNT_ROOT_DIR}/${fsuuid}/${fsuuidLinkName(fsuuid)}/${volumeName}`;
}

/** Creates the `.FSUUID.<fsuuid>` symlink (→ `.`) unless it is already there. */
export async function ensureFsuuidLink(host: Host, fsuuid: string): Promise<void> {
  const { fsuuidLink } = drivePaths(host, fsuuid);
  const info = await host.fs.stat(fsuuidLink);
  if (info?.isSymlink && (await host.fs.readLink(fsuuidLink)) === ".") return;
  if (info) await host.fs.remove(fsuuidLink, { recursive: !info.isSymlink });
  try {
    await host.fs.symlink(".", fsuuidLink);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/**
 * Writes the drive layout on a mounted drive: the `.FSUUID.<fsuuid>` symlink, `.directpv/`
 * (0750) and `meta.info` (0640). Safe to repeat.
 */
export async function writeDriveLayout(host: Host, fsuuid: string): Promise<void> {
  const paths = drivePaths(host, fsuuid);
  await ensureFsuuidLink(host, fsuuid);
  await host.fs.mkdir(paths.metaDir, { recursive: true });
  await host.fs.chmod(paths.metaDir, META_DIR_MODE);
  await host.fs.writeText(paths.metaInfo, metaInfoContent(fsuuid), { mode: META_FILE_MODE });
}

/** Parses `meta.info` into its keys (`APP_NAME`, `APP_VERSION`, `FSUUID`). */
export function parseMetaInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Creates a volume's data directory (0755) and returns its mapped path. An existing one is
 * kept. A failing drive surfaces as an error for which `isIoError()` is true.
 */
export async function createVolumeDir(
  host: Host,
  fsuuid: string,
  volumeName: string,
): Promise<string> {
  const dir = drivePaths(host, fsuuid).volume(volumeName);
  if ((await host.fs.stat(dir))?.isDirectory) return dir;
  await host.fs.mkdir(dir, { mode: VOLUME_DIR_MODE });
  return dir;
}
