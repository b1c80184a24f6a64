/** The outcome of one hostile-input surface, and the table the suite prints. */

/** Counts of one surface's run. */
export interface SurfaceReport {
  surface: string;
  seed: number;
  tried: number;
  crashed: number;
  wrote: number;
  /** Answers by gRPC code or exit code. */
  codes: Record<string, number>;
  /** One line per case that was not answered as it must be. */
  failures: string[];
}

/** An empty report. */
export function tally(surface: string, seed: number): SurfaceReport {
  return { surface, seed, tried: 0, crashed: 0, wrote: 0, codes: {}, failures: [] };
}

/** Counts one answer. */
export function countAnswer(report: SurfaceReport, answer: string): void {
  report.codes[answer] = (report.codes[answer] ?? 0) + 1;
}

/** The table: surface, seed, cases, crashed, wrote, wrong answers, answers by code. */
export function formatReports(reports: readonly SurfaceReport[]): string {
  const rows = reports.map((r) => [
    r.surface,
    String(r.seed),
    String(r.tried),
    String(r.crashed),
    String(r.wrote),
    String(r.failures.length),
    Object.entries(r.codes).sort().map(([k, v]) => `${k}=${v}`).join(" "),
  ]);
  const head = ["surface", "seed", "cases", "crashed", "wrote", "wrong", "answers"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}
