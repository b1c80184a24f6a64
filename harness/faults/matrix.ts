/**
 * The fault matrix: scenarios that inject a real fault (a killed process, a restarted API
 * server, a detached or re-formatted drive) into a running DirectPV environment, let it
 * recover, and end by checking the invariants of {@link ./invariants.ts}. Each scenario gives
 * one row of the table the runner prints: scenario, faults injected, invariant checks, result.
 */

/** One invariant check and what it found. */
export interface Check {
  name: string;
  ok: boolean;
  /** What was found when the check failed (or a figure when it passed). */
  detail?: string;
}

/** What a scenario gets from the runner. */
export interface ScenarioContext {
  /** A fresh directory of its own, removed after the scenario. */
  dir: string;
  log(msg: string): void;
}

/** What a scenario did. */
export interface ScenarioOutcome {
  /** How many faults it injected (kills, restarts, detaches...). */
  faults: number;
  checks: Check[];
}

export interface FaultScenario {
  /** Short, unique: `init-kill-mid-mkfs`. */
  name: string;
  /** The faults in words, for the table: `node-server SIGKILL while mkfs.xfs runs`. */
  faults: string;
  /** Part of the fast subset the test command runs on every change. */
  fast: boolean;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** One row of the table. */
export interface ScenarioRow {
  name: string;
  faults: string;
  injected: number;
  checks: Check[];
  /** Set when the scenario threw instead of finishing its checks. */
  error?: string;
  seconds: number;
}

export function rowPassed(row: ScenarioRow): boolean {
  return row.error === undefined && row.checks.length > 0 && row.checks.every((c) => c.ok);
}

/** Runs each scenario in its own directory; a scenario that throws fails its row only. */
export async function runScenarios(
  scenarios: readonly FaultScenario[],
  baseDir: string,
  log: (msg: string) => void,
): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = [];
  for (const scenario of scenarios) {
    const dir = await Deno.makeTempDir({ dir: baseDir, prefix: `${scenario.name}-` });
    const started = performance.now();
    const scenarioLog = (msg: string) => log(`[${scenario.name}] ${msg}`);
    const row: ScenarioRow = {
      name: scenario.name,
      faults: scenario.faults,
      injected: 0,
      checks: [],
      seconds: 0,
    };
    try {
      const outcome = await scenario.run({ dir, log: scenarioLog });
      row.injected = outcome.faults;
      row.checks = outcome.checks;
    } catch (e) {
      row.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    }
    row.seconds = (performance.now() - started) / 1000;
    scenarioLog(rowPassed(row) ? "passed" : "FAILED");
    rows.push(row);
  }
  return rows;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** The table: one line per scenario, then the failed checks and errors below it. */
export function matrixTable(rows: readonly ScenarioRow[]): string {
  const header = ["SCENARIO", "FAULTS INJECTED", "N", "CHECKS", "TIME", "RESULT"];
  const cells = rows.map((r) => [
    r.name,
    r.faults,
    String(r.injected),
    `${r.checks.filter((c) => c.ok).length}/${r.checks.length}`,
    `${r.seconds.toFixed(1)}s`,
    rowPassed(r) ? "ok" : "FAILED",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]) => c.map((v, i) => pad(v, widths[i] ?? 0)).join("  ").trimEnd();
  const out = [line(header), ...cells.map(line)];
  for (const row of rows) {
    for (const check of row.checks.filter((c) => !c.ok)) {
      out.push(`  ${row.name}: ${check.name}: ${check.detail ?? "failed"}`);
    }
    if (row.error !== undefined) out.push(`  ${row.name}: ${row.error}`);
  }
  const passed = rows.filter(rowPassed).length;
  const faults = rows.reduce((n, r) => n + r.injected, 0);
  const checks = rows.reduce((n, r) => n + r.checks.length, 0);
  out.push(
    `fault matrix: ${passed}/${rows.length} scenarios passed, ${faults} faults injected, ` +
      `${checks} invariant checks`,
  );
  return out.join("\n");
}
