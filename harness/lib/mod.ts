/**
 * Shared helpers of the test harness: commands and detached processes (stopped by PID),
 * polling, free loopback ports, the built tools' location, Debian packages and test gating.
 * May import: lib/errors.
 * @module
 */
export * from "./process.ts";
export * from "./wait.ts";
export * from "./files.ts";
export * from "./ports.ts";
export * from "./tools.ts";
export * from "./packages.ts";
export * from "./prerequisites.ts";
export * from "./driver_role.ts";
