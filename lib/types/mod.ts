/**
 * The shared data model: the DirectPV CRD kinds and their schemas, their labels, finalizers and
 * enums, branded ids, byte quantities and label-value sanitising.
 *
 * May import: nothing (leaf module).
 * @module
 */
export {
  API_VERSION,
  APP_NAME,
  APP_ROOT_DIR,
  BLOCK_VOLUME_FILE,
  CLI_NAME,
  CONTROLLER_NAME,
  FS_LABEL,
  GROUP,
  HEALTHZ_PATH,
  HEALTHZ_PORT,
  IDENTITY,
  isBlockVolumeBackingFile,
  KINDS,
  KUBELET_DIR,
  LEGACY_APP_ROOT_DIR,
  LEGACY_GROUP,
  LEGACY_IDENTITY,
  METRICS_PORT,
  MIN_DRIVE_SIZE,
  MOUNT_ROOT_DIR,
  NAMESPACE,
  READINESS_PATH,
  READINESS_PORT,
  RESOURCES,
  TMP_MOUNT_DIR,
  UDEV_DATA_DIR,
  VERSION,
} from "./consts.ts";
export {
  ANY_UUID,
  type DeviceId,
  deviceId,
  driveId,
  driveName,
  fsUuid,
  LOWER_UUID,
  nodeId,
  requestId,
  volumeName,
} from "./ids.ts";
export { type Condition, type KubeObject, type ObjectMeta } from "./meta.ts";
export {
  ANNOTATIONS,
  CREATED_BY,
  FINALIZERS,
  isOnNode,
  isReservedLabelKey,
  isSuspended,
  isValidLabelValue,
  LABELS,
  LEGACY_TOPOLOGY_KEYS,
  type MoveDataProgress,
  snapshotFinalizer,
  toLabelValue,
  TOPOLOGY_KEYS,
  type TopologyKeys,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "./labels.ts";
export {
  ACCESS_TIERS,
  type DirectPVDrive,
  DRIVE_CONDITIONS,
  DRIVE_STATUSES,
  type DriveSpec,
  type DriveStatus,
  type DriveStatusFields,
  healthTrouble,
  isHealthyDrive,
  parseAccessTier,
  volumeCount,
} from "./drive.ts";
export { countedSize, pendingSizesOf, setPendingSize } from "./pending_size.ts";
export {
  type DirectPVVolume,
  driveIdOf,
  VOLUME_CONDITIONS,
  VOLUME_STATUSES,
  type VolumeStatus,
} from "./volume.ts";
export {
  ambivalentData,
  describeContent,
  type DirectPVNode,
  newDirectPVNode,
  type NodeDevice,
  UNRECOGNISED_DATA,
} from "./node.ts";
export {
  type DirectPVInitRequest,
  type InitDevice,
  type InitDeviceResult,
  NOT_FORCED,
} from "./init_request.ts";
export {
  type ContentSource,
  COPY_CONDITIONS,
  type CopyState,
  copyStateOf,
  type DirectPVSnapshot,
  formatContentSource,
  newSnapshot,
  parseContentSource,
  releaseSnapshotBytes,
  snapshotCopyState,
  snapshotDirName,
  withCondition,
} from "./snapshot.ts";
export { crdSchemas, type JSONSchemaProps } from "./crd_schema.ts";
export { formatBytes, parseBytes } from "./quantity.ts";
export { DRIVE_METRICS, STATS_METRICS } from "./metrics.ts";
export {
  isLeaseCurrent,
  microTime,
  NODE_LEASE_RENEW_MS,
  type NodeLease,
  nodeLeaseName,
  nodeLeaseObject,
} from "./node_lease.ts";
