/**
 * Shared helpers of the test harness: commands and detached processes (stopped by PID),
 * polling, free loopback ports, the built tools' location, Debian packages and test gating.
 * May import: lib/errors.
 * @module
 */
export {
  commandExists,
  type DaemonProcess,
  type DaemonSpec,
  processAlive,
  processCpuSeconds,
  processPeakRss,
  processRss,
  processStartTime,
  run,
  type RunOptions,
  type RunResult,
  spawnDaemon,
  type StopOptions,
  stopProcess,
} from "./process.ts";
export { sleep, waitFor, type WaitOptions } from "./wait.ts";
export { pathExists, removePath, tailFile, writeJsonAtomic } from "./files.ts";
export { freeLoopbackPorts } from "./ports.ts";
export { BUILD_SCRIPT, builtTool, missingBinaries, requireBinaries, toolsBinDir } from "./tools.ts";
export { ensureCommand, type EnsureCommandOptions, ensureFile } from "./packages.ts";
export {
  isCI,
  missingPrerequisites,
  type Prerequisites,
  type TestGate,
  testGate,
} from "./prerequisites.ts";
export { type DriverRole, type DriverRoleOptions, startDriverRole } from "./driver_role.ts";
export { describeLatency, type LatencyFigures, latencyFigures, percentile } from "./stats.ts";
