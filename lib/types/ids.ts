/** Branded identifiers. A brand stops a drive id from being passed where a node name is wanted. */

declare const brand: unique symbol;
/** A string carrying a compile-time brand. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Drive id: the XFS filesystem UUID of the drive, also the DirectPVDrive name. */
export type DriveId = Brand<string, "DriveId">;
/** Kubernetes node name. */
export type NodeId = Brand<string, "NodeId">;
/** Volume name: the PV name and CSI volume id, also the DirectPVVolume name. */
export type VolumeName = Brand<string, "VolumeName">;
/** Filesystem UUID, formatted 8-4-4-4-12 lowercase. */
export type FsUuid = Brand<string, "FsUuid">;
/** Device id `<major>:<minor>$<base64 sha256>`; changes whenever the device changes. */
export type DeviceId = Brand<string, "DeviceId">;
/** Kernel device name without `/dev/` (`sdb`, `nvme0n1`, `dm-3`). */
export type DriveName = Brand<string, "DriveName">;
/** Init request id shared by the DirectPVInitRequests of one `init` run. */
export type RequestId = Brand<string, "RequestId">;

export const driveId = (s: string): DriveId => s as DriveId;
export const nodeId = (s: string): NodeId => s as NodeId;
export const volumeName = (s: string): VolumeName => s as VolumeName;
export const fsUuid = (s: string): FsUuid => s as FsUuid;
export const deviceId = (s: string): DeviceId => s as DeviceId;
export const driveName = (s: string): DriveName => s as DriveName;
export const requestId = (s: string): RequestId => s as RequestId;

/** Lowercase UUID, the only form DirectPV accepts for drive ids. */
export const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** UUID in either case (volume claim ids). */
export const ANY_UUID =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
