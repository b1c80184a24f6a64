/**
 * The Host seam: every side effect on a node (files, commands, mounts) goes through a `Host`.
 * `createRealHost()` acts on the machine (paths under a configurable root, app dir
 * overridable); `testing.ts` has `FakeHost` for unit tests. Pure parsers: mountinfo, statfs.
 *
 * May import: lib/types, lib/errors, lib/log.
 * @module
 */
export type {
  ExecResult,
  Host,
  HostFs,
  HostPaths,
  MountInfoEntry,
  SignatureProbe,
} from "./host.ts";
export { hostPaths, joinPath } from "./paths.ts";
export { parseMountInfo, unescapeMountField } from "./mountinfo.ts";
export { fsError, isIoError } from "./io_error.ts";
export { createRealHost } from "./real_host.ts";
export { libblkid } from "./blkid.ts";
export { faultPoint } from "./fault_point.ts";
