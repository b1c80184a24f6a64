/**
 * `drives.yaml` (init config v1): the types, reading with line-numbered errors, writing
 * with explanatory comments, building it from DirectPVNodes, and picking the selected drives.
 *
 * May import: lib/types, lib/errors (and the `yaml` package).
 * @module
 */
export { isSelected, selectedDevices, toInitConfig } from "./init_config.ts";
export type { InitConfig, NodeInitDevices } from "./init_config.ts";
export { readInitConfig } from "./read.ts";
export { writeInitConfig } from "./write.ts";
