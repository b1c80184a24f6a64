/**
 * Figures from the logs of a run: the controller's per-call JSON lines ("CSI call" with method,
 * code and durationMs) and client-go's client-side throttling lines in a sidecar's log.
 */
import { type LatencyFigures, latencyFigures } from "../lib/mod.ts";

/** One CSI call the controller logged. */
export interface LoggedCall {
  method: string;
  code: string;
  durationMs: number;
  /** Milliseconds since the epoch, when the call ended. */
  at: number;
  volume?: string;
  error?: string;
}

/** The "CSI call" lines of a JSON log (other lines, and lines that are not JSON, are skipped). */
export function parseCalls(text: string): LoggedCall[] {
  const calls: LoggedCall[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"CSI call"')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (record.msg !== "CSI call" || typeof record.method !== "string") continue;
    calls.push({
      method: record.method,
      code: String(record.code ?? "?"),
      durationMs: Number(record.durationMs ?? NaN),
      at: Date.parse(String(record.time ?? "")),
      ...(typeof record.volume === "string" ? { volume: record.volume } : {}),
      ...(typeof record.error === "string" ? { error: record.error } : {}),
    });
  }
  return calls;
}

/** What one method's calls add up to. */
export interface MethodFigures {
  calls: number;
  /** Calls by gRPC code name. */
  codes: Record<string, number>;
  /** Sum of the calls' durations: time the controller spent answering. */
  totalMs: number;
  latency: LatencyFigures;
  /** First to last call end, in milliseconds. */
  spanMs: number;
}

/** Figures of the calls of `method`. */
export function methodFigures(calls: readonly LoggedCall[], method: string): MethodFigures {
  const mine = calls.filter((c) => c.method === method);
  const codes: Record<string, number> = {};
  for (const c of mine) codes[c.code] = (codes[c.code] ?? 0) + 1;
  const ends = mine.map((c) => c.at).filter(Number.isFinite);
  return {
    calls: mine.length,
    codes,
    totalMs: mine.reduce((n, c) => n + c.durationMs, 0),
    latency: latencyFigures(mine.map((c) => c.durationMs)),
    spanMs: ends.length > 0 ? Math.max(...ends) - Math.min(...ends) : 0,
  };
}

/** How long client-go held a sidecar's requests back (client-side throttling). */
export interface ThrottleFigures {
  /** Requests the log says waited. */
  waits: number;
  totalMs: number;
  maxMs: number;
}

function durationMs(text: string): number {
  const m = /^([\d.]+)(ms|s|µs)$/.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "s" ? n * 1000 : m[2] === "ms" ? n : n / 1000;
}

/**
 * client-go's throttling lines, both forms: `Waited for 1.2s due to client-side throttling`
 * and the structured `"Waited before sending request" delay="1.2s" reason="client-side
 * throttling…"`. client-go logs only waits over 50 ms (at -v=3), so this is a lower bound.
 */
export function parseThrottling(text: string): ThrottleFigures {
  const figures = { waits: 0, totalMs: 0, maxMs: 0 };
  for (const line of text.split("\n")) {
    if (!line.includes("client-side throttling")) continue;
    const m = /Waited for ([\d.]+(?:ms|s|µs)) due to/.exec(line) ??
      /delay="([\d.]+(?:ms|s|µs))"/.exec(line);
    const ms = m ? durationMs(m[1] ?? "") : NaN;
    if (!Number.isFinite(ms)) continue;
    figures.waits++;
    figures.totalMs += ms;
    figures.maxMs = Math.max(figures.maxMs, ms);
  }
  return figures;
}
