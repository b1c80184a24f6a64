/** Names, paths and ports shared by the CLI and the driver (reference §0, §5). */

export const APP_NAME = "directpv";
export const GROUP = "directpv.min.io";
export const VERSION = "v1beta1";
export const API_VERSION = `${GROUP}/${VERSION}`;
/** CSI driver name, StorageClass name, ServiceAccount and ClusterRole name. */
export const IDENTITY = "directpv-min-io";
export const NAMESPACE = "directpv";
export const CONTROLLER_NAME = "directpv-controller";
export const DRIVER_NAME = "directpv-driver";
export const NODE_CONTROLLER_NAME = "node-controller";
export const CLI_NAME = "kubectl-directpv";

export const LEGACY_GROUP = "direct.csi.min.io";
export const LEGACY_IDENTITY = "direct-csi-min-io";

export const APP_ROOT_DIR = "/var/lib/directpv";
export const MOUNT_ROOT_DIR = "/var/lib/directpv/mnt";
export const TMP_MOUNT_DIR = "/var/lib/directpv/tmp";
export const LEGACY_APP_ROOT_DIR = "/var/lib/direct-csi";
export const UDEV_DATA_DIR = "/run/udev/data";
export const KUBELET_DIR = "/var/lib/kubelet";

export const METRICS_PORT = 10443;
export const READINESS_PORT = 30443;
export const READINESS_PATH = "/ready";
/** Liveness port of the node-server pods (livenessprobe's or the node server's own). */
export const HEALTHZ_PORT = 9898;
/** Path of the liveness check. */
export const HEALTHZ_PATH = "/healthz";

/** Drives smaller than this are denied with `Too small`. */
export const MIN_DRIVE_SIZE = 512 * 1024 * 1024;
/** XFS filesystem label written by mkfs. */
export const FS_LABEL = "DIRECTPV";

export const KINDS = {
  drive: "DirectPVDrive",
  volume: "DirectPVVolume",
  node: "DirectPVNode",
  initRequest: "DirectPVInitRequest",
  /** Ours: a reflink snapshot of a volume. */
  snapshot: "DirectPVSnapshot",
} as const;

export const RESOURCES = {
  drive: "directpvdrives",
  volume: "directpvvolumes",
  node: "directpvnodes",
  initRequest: "directpvinitrequests",
  snapshot: "directpvsnapshots",
} as const;

/** The file in a volume's directory that backs a raw block volume (attached as a loop device). */
export const BLOCK_VOLUME_FILE = "block.img";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Whether a loop device's backing file (sysfs `loop/backing_file`, resolved by losetup) is the
 * file of one of our block volumes on a drive mounted under `mountRoot` (`/var/lib/directpv/mnt`
 * unless the node server runs with another app directory): such a loop device is a volume,
 * never a drive.
 */
export function isBlockVolumeBackingFile(path: string, mountRoot = MOUNT_ROOT_DIR): boolean {
  const root = escapeRegExp(mountRoot.replace(/\/+$/, ""));
  const file = escapeRegExp(BLOCK_VOLUME_FILE);
  const pattern = new RegExp(
    `^${root}/[^/]+/(?:\\.FSUUID\\.[^/]+/)?[^/]+/${file}(?: \\(deleted\\))?$`,
  );
  return pattern.test(path.trim());
}
