/**
 * What every CLI verb does, as functions over a KubeClient: selecting drives and volumes,
 * install/uninstall, discover, init, info, label, cordon, suspend, move, clean, remove,
 * repair and migrate, and what the web dashboard shows (dashboard_views.ts, dashboard_model.ts).
 * No process or file access of its own: files go through a FileStore (a slice of the Host's
 * file interface), progress and messages through a Reporter.
 *
 * May import: lib/types, lib/errors, lib/log, lib/k8s, lib/install, lib/init_config, lib/legacy, lib/sys.
 * @module
 */
export {
  type FileStore,
  NoMatchingResourcesError,
  type ProgressState,
  type Reporter,
  signalOption,
  silentReporter,
  writeOptions,
  type WriteRunOptions,
} from "./types.ts";
export {
  type DriveQuery,
  labelSelectorOf,
  LIST_PAGE_SIZE,
  listDrives,
  listVolumes,
  type VolumeQuery,
} from "./listers.ts";
export { describeDrive, describeVolume, deviceNameOf, nodeOf } from "./describe.ts";
export { updateMatching, type UpdateMatchingOptions } from "./update_matching.ts";
export {
  formatDuration,
  timedOut,
  waitForEach,
  type WaitOptions,
  type WaitResult,
} from "./wait.ts";
export {
  type ApplyAction,
  applyObject,
  type ApplyOptions,
  clientFor,
  deleteIfExists,
  isSubset,
  needsReplace,
  updatedObject,
} from "./apply.ts";
export { auditFileName, type AuditTarget, rfc3339Nano, writeAuditLog } from "./audit.ts";
export { cordon, type CordonArgs, uncordon } from "./cordon.ts";
export {
  applyLabelChanges,
  isQualifiedName,
  type LabelChange,
  labelDrives,
  type LabelDrivesArgs,
  labelKeyOf,
  labelVolumes,
  type LabelVolumesArgs,
  parseLabelArgs,
} from "./label.ts";
export {
  resumeDrives,
  resumeVolumes,
  suspendDrives,
  type SuspendDrivesArgs,
  suspendVolumes,
  type SuspendVolumesArgs,
} from "./suspend.ts";
export { type RemoveArgs, removeDrives } from "./remove.ts";
export { clean, type CleanArgs } from "./clean.ts";
export { type MoveArgs, moveDrive } from "./move.ts";
export { csiNodeNames, hasDirectpvDriver, info, type NodeInfo } from "./info.ts";
export { discover, type DiscoverArgs, syncNodes } from "./discover.ts";
export {
  type InitArgs,
  type InitDriveResult,
  initDrives,
  type InitDriveStatus,
  type InitOutcome,
  newInitRequest,
} from "./init.ts";
export {
  type HostDir,
  NODE_SERVER_DAEMONSET,
  type NodeServerPodTemplate,
  podTemplateOf,
  repair,
  REPAIR_NODE_FLAGS,
  type RepairArgs,
  repairJob,
  repairNodeFlags,
} from "./repair.ts";
export {
  clusterInstallArgs,
  existingSelectors,
  install,
  type InstalledObject,
  type InstallResult,
  type InstallRunArgs,
  needsLegacy,
  waitForCrds,
} from "./install.ts";
export {
  DELETE_PROTECTION_FINALIZER,
  type RemovedObject,
  uninstall,
  type UninstallArgs,
  uninstallOrder,
} from "./uninstall.ts";
export { listYaml, migrate, type MigrateArgs, type MigrateOutcome } from "./migrate.ts";
export {
  type DriveHealth,
  type DriveRow,
  driveRow,
  type EventRow,
  MAX_PAGE,
  type NodeSummary,
  type Overview,
  overview,
  type Page,
  queryRows,
  type TableQuery,
  type VolumeRow,
  volumeRow,
} from "./dashboard_views.ts";
export {
  type ApiStatus,
  type ChangeKind,
  DashboardModel,
  type DashboardModelOptions,
} from "./dashboard_model.ts";
export { aliveReason, type NodeLiveness, nodeLiveness } from "./node_liveness.ts";
export { removeNode, type RemoveNodeArgs, type RemoveNodeResult } from "./remove_node.ts";
export { moveData, type MoveDataArgs, type MoveDataPlan, planMoveData } from "./move_data.ts";
