/**
 * Runs the fault matrix and prints its table. Root: real loop drives, mkfs.xfs and mounts
 * under a local control plane (harness/sandbox).
 *
 *   deno run -A harness/faults/run.ts [--fast] [--only=NAME[,NAME]]
 *
 * `--fast` runs the subset the test command runs on every change; without it, every scenario.
 * Exits non-zero when a scenario fails an invariant or throws.
 */
import { parseArgs } from "node:util";
import { run } from "../lib/mod.ts";
import { type FaultScenario, matrixTable, rowPassed, runScenarios } from "./matrix.ts";
import { SCENARIOS } from "./scenarios.ts";

function selected(all: readonly FaultScenario[], fast: boolean, only: string): FaultScenario[] {
  const names = only === "" ? [] : only.split(",");
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `--only: no scenario named ${unknown.join(", ")} (known: ${
        all.map((s) => s.name).join(", ")
      })`,
    );
  }
  return all.filter((s) => (names.length === 0 || names.includes(s.name)) && (!fast || s.fast));
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { fast: { type: "boolean", default: false }, only: { type: "string", default: "" } },
  });
  const scenarios = selected(SCENARIOS, values.fast, values.only);
  const base = await Deno.makeTempDir({ prefix: "directpv-faults-" });
  try {
    const rows = await runScenarios(scenarios, base, (msg) => console.error(`[faults] ${msg}`));
    console.log(matrixTable(rows));
    const passed = rows.filter(rowPassed).length;
    // The same figures in the form the test command adds up.
    console.log(`ok | ${passed} passed | ${rows.length - passed} failed (fault matrix)`);
    return passed === rows.length && rows.length > 0 ? 0 : 1;
  } finally {
    await run("rm", ["-rf", base], { allowFailure: true });
  }
}

Deno.exit(await main(Deno.args));
