/**
 * A small structured logger. The driver writes JSON lines; the CLI writes human text. Both
 * go to a sink (stderr in production, an array in tests).
 */

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Key-value fields attached to a record. */
export type Fields = Record<string, unknown>;

/** One log record. */
export interface LogRecord {
  time: Date;
  level: Level;
  msg: string;
  fields: Fields;
}

/** Where formatted lines go. */
export type Sink = (line: string, record: LogRecord) => void;

/** How records are turned into lines. */
export type Format = "json" | "text";

export interface LoggerOptions {
  level?: Level;
  format?: Format;
  sink: Sink;
  fields?: Fields;
}

/** Structured logger; `with()` returns a child carrying extra fields. */
export class Logger {
  readonly #level: Level;
  readonly #format: Format;
  readonly #sink: Sink;
  readonly #fields: Fields;

  constructor(options: LoggerOptions) {
    this.#level = options.level ?? "info";
    this.#format = options.format ?? "json";
    this.#sink = options.sink;
    this.#fields = options.fields ?? {};
  }

  /** A child logger whose records carry `fields` too. */
  with(fields: Fields): Logger {
    return new Logger({
      level: this.#level,
      format: this.#format,
      sink: this.#sink,
      fields: { ...this.#fields, ...fields },
    });
  }

  enabled(level: Level): boolean {
    return ORDER[level] >= ORDER[this.#level];
  }

  debug(msg: string, fields?: Fields): void {
    this.#log("debug", msg, fields);
  }
  info(msg: string, fields?: Fields): void {
    this.#log("info", msg, fields);
  }
  warn(msg: string, fields?: Fields): void {
    this.#log("warn", msg, fields);
  }
  error(msg: string, fields?: Fields): void {
    this.#log("error", msg, fields);
  }

  #log(level: Level, msg: string, fields?: Fields): void {
    if (!this.enabled(level)) return;
    const record: LogRecord = {
      time: new Date(),
      level,
      msg,
      fields: { ...this.#fields, ...fields },
    };
    this.#sink(this.#format === "json" ? formatJson(record) : formatText(record), record);
  }
}

function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** `{"time":…,"level":…,"msg":…,…fields}` on one line. */
export function formatJson(record: LogRecord): string {
  const out: Record<string, unknown> = {
    time: record.time.toISOString(),
    level: record.level,
    msg: record.msg,
  };
  for (const [k, v] of Object.entries(record.fields)) out[k] = plain(v);
  return JSON.stringify(out);
}

/** `msg key=value …`, with `ERROR `/`WARNING ` prefixes, for people at a terminal. */
export function formatText(record: LogRecord): string {
  const prefix = record.level === "error" ? "ERROR " : record.level === "warn" ? "WARNING " : "";
  const kv = Object.entries(record.fields).map(([k, v]) => {
    const p = plain(v);
    const s = typeof p === "object" && p !== null ? JSON.stringify(p) : String(p);
    return `${k}=${/\s/.test(s) ? JSON.stringify(s) : s}`;
  });
  return [prefix + record.msg, ...kv].join(" ");
}

/** A logger that drops everything. */
export function nullLogger(): Logger {
  return new Logger({ sink: () => {}, level: "error" });
}
