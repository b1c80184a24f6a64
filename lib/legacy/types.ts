/**
 * DirectCSI (`direct.csi.min.io`) objects as far as migration reads them (reference §6):
 * the v1beta5 shapes every supported version is upgraded to.
 */
import type { KubeObject } from "../types/mod.ts";
import { LEGACY_GROUP } from "../types/mod.ts";

/** Kinds of the legacy API. */
export const LEGACY_KINDS = { drive: "DirectCSIDrive", volume: "DirectCSIVolume" } as const;
/** Plural resource names of the legacy kinds. */
export const LEGACY_RESOURCES = { drive: "directcsidrives", volume: "directcsivolumes" } as const;
/** Every version DirectCSI served, oldest first. */
export const LEGACY_VERSIONS = [
  "v1alpha1",
  "v1beta1",
  "v1beta2",
  "v1beta3",
  "v1beta4",
  "v1beta5",
] as const;
export type LegacyVersion = typeof LEGACY_VERSIONS[number];
/** The versions migration reads (older ones need DirectCSI's conversion webhook). */
export const MIGRATABLE_VERSIONS: readonly LegacyVersion[] = ["v1beta3", "v1beta4", "v1beta5"];

const P = `${LEGACY_GROUP}/`;
/** Legacy label keys. */
export const LEGACY_LABELS = {
  node: `${P}node`,
  path: `${P}path`,
  drivePath: `${P}drive-path`,
  drive: `${P}drive`,
  createdBy: `${P}created-by`,
  accessTier: `${P}access-tier`,
  version: `${P}version`,
} as const;

/** Legacy finalizers. */
export const LEGACY_FINALIZERS = {
  pvProtection: `${P}pv-protection`,
  purgeProtection: `${P}purge-protection`,
  dataProtection: `${P}data-protection`,
  volumePrefix: `${LEGACY_GROUP}.volume/`,
} as const;

export type LegacyDriveStatus =
  | "InUse"
  | "Available"
  | "Unavailable"
  | "Ready"
  | "Terminating"
  | "Released";

export type LegacyAccessTier = "Warm" | "Hot" | "Cold" | "Unknown";

/** `DirectCSIDriveStatus` (v1beta5), the fields migration uses plus a few for display. */
export interface LegacyDriveStatusFields {
  path?: string;
  filesystem?: string;
  mountpoint?: string;
  nodeName?: string;
  driveStatus?: LegacyDriveStatus;
  modelNumber?: string;
  vendor?: string;
  totalCapacity?: number;
  freeCapacity?: number;
  allocatedCapacity?: number;
  topology?: Record<string, string>;
  accessTier?: LegacyAccessTier;
  filesystemUUID?: string;
  partitionNum?: number;
  conditions?: unknown[];
  [field: string]: unknown;
}

/** A DirectCSIDrive. */
export interface DirectCSIDrive extends KubeObject {
  spec?: Record<string, unknown>;
  status?: LegacyDriveStatusFields;
}

/** `DirectCSIVolumeStatus`. */
export interface LegacyVolumeStatusFields {
  drive?: string;
  nodeName?: string;
  hostPath?: string;
  stagingPath?: string;
  containerPath?: string;
  totalCapacity?: number;
  availableCapacity?: number;
  usedCapacity?: number;
  conditions?: unknown[];
  [field: string]: unknown;
}

/** A DirectCSIVolume. */
export interface DirectCSIVolume extends KubeObject {
  status?: LegacyVolumeStatusFields;
}
