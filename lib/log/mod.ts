/**
 * Structured logging: JSON lines for the driver, human text for the CLI.
 * May import: lib/errors.
 * @module
 */
export {
  type Fields,
  type Format,
  formatJson,
  formatText,
  type Level,
  Logger,
  type LoggerOptions,
  type LogRecord,
  nullLogger,
  type Sink,
} from "./logger.ts";
