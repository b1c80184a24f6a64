/**
 * `drives.yaml` (init config v1): the types, reading with line-numbered errors, writing
 * with explanatory comments, building it from DirectPVNodes, and picking the selected drives.
 *
 * May import: lib/types, lib/errors (and the `yaml` package).
 * @module
 */
export {
  DRIVE_FORCED,
  DRIVE_SELECTED,
  INIT_CONFIG_VERSION,
  isForced,
  isSelected,
  selectedDevices,
  toInitConfig,
} from "./init_config.ts";
export type {
  InitConfig,
  InitConfigDrive,
  InitConfigNode,
  NodeInitDevices,
} from "./init_config.ts";
export { InitConfigError, readInitConfig } from "./read.ts";
export type { ReadInitConfigOptions } from "./read.ts";
export { INIT_CONFIG_HEADER, writeInitConfig } from "./write.ts";
