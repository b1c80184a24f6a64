/** Latency figures the benchmarks and scenarios print. */

/** Percentiles and maximum of a set of latencies, in the unit they were given. */
export interface LatencyFigures {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The value at fraction `p` of an ascending list (nearest rank), NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** p50/p90/p99/max of `values` (any order). */
export function latencyFigures(values: readonly number[]): LatencyFigures {
  const sorted = values.toSorted((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
  };
}

/** `p50 12 ms, p90 30 ms, p99 41 ms, max 45 ms` for millisecond figures. */
export function describeLatency(f: LatencyFigures): string {
  const ms = (v: number) => `${Number.isNaN(v) ? "-" : v.toFixed(0)} ms`;
  return `p50 ${ms(f.p50)}, p90 ${ms(f.p90)}, p99 ${ms(f.p99)}, max ${ms(f.max)}`;
}
