/**
 * The Host seam: every side effect on a node (files, commands, mounts) goes through a `Host`.
 * `createRealHost()` acts on the machine (paths under a configurable root, app dir
 * overridable); `testing.ts` has `FakeHost` for unit tests. Pure parsers: mountinfo, statfs.
 *
 * May import: lib/types, lib/errors, lib/log.
 * @module
 */
export type * from "./host.ts";
export { hostPaths, type HostPathsOptions, joinPath } from "./paths.ts";
export {
  escapeMountField,
  formatMountInfo,
  mergeMountInfo,
  parseMountInfo,
  unescapeMountField,
} from "./mountinfo.ts";
export { CommandMounter, mountArgs, readMountInfo, unmountArgs } from "./mount.ts";
export { parseStatfs, STATFS_FORMAT } from "./statfs.ts";
export { fsError, isIoError } from "./io_error.ts";
export { createRealHost, type RealHostOptions } from "./real_host.ts";
export { LIBBLKID, libblkid } from "./blkid.ts";
