/**
 * The node-side steps that answer discover and init: the DirectPVNode reconciler (probe the
 * devices when a refresh is asked for) and the init-request reconciler (format, mount and
 * create the DirectPVDrives), over a `DeviceOps` interface, plus what they build and emit (new
 * drives, event reasons). The driver runs them in its node controller over the Host; tests of
 * the CLI and lib/admin run the same functions over fake devices (`testing.ts`).
 *
 * May import: lib/types, lib/errors, lib/k8s, lib/log, lib/sys.
 * @module
 */
export { EVENT_REASONS, type EventInput, type EventReason, type EventSink } from "./events.ts";
export { initAnnotationKey, type InitRequestDeps, reconcileInitRequest } from "./init_request.ts";
export { newDrive, type NodePlace, type NodeTopology, topologySegments } from "./new_drive.ts";
export { type NodeReconcilerDeps, reconcileNode } from "./node.ts";
export type { DeviceOps, DriveCapacity, FormatOptions, ProbedDevice } from "./ops.ts";
