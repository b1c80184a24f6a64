/**
 * Loop-device drives: sparse files attached with losetup, detach/reattach, and cleanup that
 * unmounts, detaches and removes, with a registry per directory for crashed runs.
 * May import: lib/errors, lib/types, harness/lib.
 * @module
 */
export {
  cleanupLoopDir,
  cleanupLoopDrives,
  createLoopDrives,
  type CreateLoopDrivesOptions,
  detach,
  type LoopDirCleanup,
  type LoopDrive,
  type LoopDriveSpec,
  reattach,
} from "./loop.ts";
export {
  type AttachedLoop,
  attachedLoops,
  loopsOf,
  majorMinorOf,
  type Mount,
  mountsOf,
  mountsUnder,
  parseMounts,
  unmountUnder,
} from "./devices.ts";
export { readRegistry, REGISTRY_FILE, type RegistryEntry, registryPath } from "./registry.ts";
