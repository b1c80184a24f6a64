/** The lib/admin operations the commands call, gathered so tests can stub any of them. */
import * as admin from "../lib/admin/mod.ts";

/** The real operations. */
export const ADMIN = {
  clean: admin.clean,
  cordon: admin.cordon,
  discover: admin.discover,
  info: admin.info,
  initDrives: admin.initDrives,
  install: admin.install,
  labelDrives: admin.labelDrives,
  labelVolumes: admin.labelVolumes,
  listDrives: admin.listDrives,
  listVolumes: admin.listVolumes,
  migrate: admin.migrate,
  moveData: admin.moveData,
  moveDrive: admin.moveDrive,
  removeDrives: admin.removeDrives,
  removeNode: admin.removeNode,
  repair: admin.repair,
  resumeDrives: admin.resumeDrives,
  resumeVolumes: admin.resumeVolumes,
  suspendDrives: admin.suspendDrives,
  suspendVolumes: admin.suspendVolumes,
  uncordon: admin.uncordon,
  uninstall: admin.uninstall,
};

/** The operations commands call. */
export type AdminApi = typeof ADMIN;
