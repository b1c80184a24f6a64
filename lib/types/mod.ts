/**
 * The shared data model: the four DirectPV CRD kinds, their labels, finalizers and
 * enums, branded ids, byte quantities and label-value sanitising.
 *
 * Leaf module: imports nothing else from the repository.
 * @module
 */
export * from "./consts.ts";
export * from "./ids.ts";
export * from "./meta.ts";
export * from "./labels.ts";
export * from "./drive.ts";
export * from "./volume.ts";
export * from "./node.ts";
export * from "./init_request.ts";
export * from "./quantity.ts";
export * from "./metrics.ts";
export * from "./node_lease.ts";
