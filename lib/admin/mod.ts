/**
 * What every CLI verb does, as functions over a KubeClient: selecting drives and volumes,
 * install/uninstall, discover, init, info, label, cordon, suspend, move, clean, remove,
 * repair and migrate, and what the web dashboard shows (dashboard_views.ts, dashboard_model.ts).
 * No process or file access of its own: files go through a FileStore,
 * progress and messages through a Reporter.
 *
 * May import: lib/types, lib/errors, lib/log, lib/k8s, lib/install, lib/init_config, lib/legacy.
 * @module
 */
export * from "./types.ts";
export * from "./listers.ts";
export * from "./describe.ts";
export * from "./update_matching.ts";
export * from "./wait.ts";
export * from "./apply.ts";
export * from "./audit.ts";
export * from "./cordon.ts";
export * from "./label.ts";
export * from "./suspend.ts";
export * from "./remove.ts";
export * from "./clean.ts";
export * from "./move.ts";
export * from "./info.ts";
export * from "./discover.ts";
export * from "./init.ts";
export * from "./repair.ts";
export * from "./install.ts";
export * from "./uninstall.ts";
export * from "./migrate.ts";
export * from "./dashboard_views.ts";
export * from "./dashboard_model.ts";
export * from "./node_liveness.ts";
export * from "./remove_node.ts";
export * from "./move_data.ts";
