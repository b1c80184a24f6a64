/**
 * DirectCSI (`direct.csi.min.io`) support: the legacy object shapes, their client-side upgrade
 * to v1beta5, the mapping to DirectPV drives and volumes, and the migration itself.
 *
 * May import: lib/types, lib/errors, lib/k8s.
 * @module
 */
export {
  type DirectCSIDrive,
  type DirectCSIVolume,
  LEGACY_FINALIZERS,
  LEGACY_KINDS,
  LEGACY_LABELS,
  LEGACY_RESOURCES,
  LEGACY_VERSIONS,
  type LegacyAccessTier,
  type LegacyDriveStatus,
  type LegacyDriveStatusFields,
  type LegacyVersion,
  type LegacyVolumeStatusFields,
  MIGRATABLE_VERSIONS,
} from "./types.ts";
export { normalizeDevicePath, upgradeDrive, upgradeVolume } from "./convert.ts";
export { isMigratableDrive, rewriteGroup, toDirectPVDrive, toDirectPVVolume } from "./mapping.ts";
export {
  compareApiVersions,
  hasLegacyVolumes,
  legacyClient,
  migrateLegacy,
  type MigrateLegacyOptions,
  type MigrationResult,
  type MigrationStep,
  removeLegacyObjects,
  servedLegacyVersion,
  type SkippedObject,
} from "./migrate.ts";
