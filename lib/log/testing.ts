/** A capturing logger for tests. */
import { type Level, Logger, type LogRecord } from "./logger.ts";

/** A logger that keeps every record in `records`. */
export function captureLogger(level: Level = "debug"): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = new Logger({ level, format: "json", sink: (_line, r) => records.push(r) });
  return { logger, records };
}
