/**
 * Structured logging: JSON lines for the driver, human text for the CLI.
 * May import: lib/errors.
 * @module
 */
export * from "./logger.ts";
