/**
 * Pure drive selection for CreateVolume: which drive a new volume goes to.
 * May import: lib/types, lib/errors (no I/O, no Kubernetes).
 * @module
 */
export {
  capacityProblem,
  holdsVolume,
  matchDrive,
  type SchedulableDrive,
  selectDrive,
  type Topology,
  validateVolumeParameters,
  type VolumeRequest,
} from "./select_drive.ts";
