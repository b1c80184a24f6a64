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
} from "./types.ts";
export { type DriveQuery, listDrives, listVolumes, type VolumeQuery } from "./listers.ts";
export { deviceNameOf } from "./describe.ts";
export { type WaitOptions } from "./wait.ts";
export { cordon, uncordon } from "./cordon.ts";
export {
  isQualifiedName,
  type LabelChange,
  labelDrives,
  labelKeyOf,
  labelVolumes,
  parseLabelArgs,
} from "./label.ts";
export { resumeDrives, resumeVolumes, suspendDrives, suspendVolumes } from "./suspend.ts";
export { removeDrives } from "./remove.ts";
export { clean } from "./clean.ts";
export { moveDrive } from "./move.ts";
export { info, type NodeInfo } from "./info.ts";
export { discover } from "./discover.ts";
export { type InitDriveResult, initDrives } from "./init.ts";
export { repair } from "./repair.ts";
export { existingSelectors, install, type InstalledObject } from "./install.ts";
export { uninstall } from "./uninstall.ts";
export { migrate } from "./migrate.ts";
export {
  type DriveRow,
  type EventRow,
  type NodeSummary,
  type Overview,
  overview,
  type Page,
  type TableQuery,
  type VolumeRow,
} from "./dashboard_views.ts";
export { type ApiStatus, type ChangeKind, DashboardModel } from "./dashboard_model.ts";
export { removeNode, type RemoveNodeResult } from "./remove_node.ts";
export { moveData } from "./move_data.ts";
