/** The lib/admin operations the commands call, gathered so tests can stub any of them. */
import {
  clean,
  cordon,
  discover,
  info,
  initDrives,
  install,
  labelDrives,
  labelVolumes,
  listDrives,
  listVolumes,
  migrate,
  moveData,
  moveDrive,
  removeDrives,
  removeNode,
  repair,
  resumeDrives,
  resumeVolumes,
  suspendDrives,
  suspendVolumes,
  uncordon,
  uninstall,
} from "../lib/admin/mod.ts";

/** The real operations. */
export const ADMIN = {
  clean,
  cordon,
  discover,
  info,
  initDrives,
  install,
  labelDrives,
  labelVolumes,
  listDrives,
  listVolumes,
  migrate,
  moveData,
  moveDrive,
  removeDrives,
  removeNode,
  repair,
  resumeDrives,
  resumeVolumes,
  suspendDrives,
  suspendVolumes,
  uncordon,
  uninstall,
};

/** The operations commands call. */
export type AdminApi = typeof ADMIN;
