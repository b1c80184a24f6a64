/**
 * Structured logging: JSON lines for the driver, human text for the CLI.
 * May import: lib/errors.
 * @module
 */
export {
  type Fields,
  type Format,
  type Level,
  Logger,
  type LogRecord,
  nullLogger,
} from "./logger.ts";
