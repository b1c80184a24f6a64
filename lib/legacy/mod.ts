/**
 * DirectCSI (`direct.csi.min.io`) support: the legacy object shapes, their client-side upgrade
 * to v1beta5, the mapping to DirectPV drives and volumes, and the migration itself.
 *
 * May import: lib/types, lib/errors, lib/k8s.
 * @module
 */
export { type DirectCSIDrive, type DirectCSIVolume } from "./types.ts";
export { toDirectPVDrive, toDirectPVVolume } from "./mapping.ts";
export {
  hasLegacyVolumes,
  migrateLegacy,
  type MigrationResult,
  type MigrationStep,
  removeLegacyObjects,
} from "./migrate.ts";
