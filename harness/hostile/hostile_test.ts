/**
 * Hostile input, generated from the seed corpus with fixed seeds. The unit layer runs a fast
 * subset; `deno task test:hostile` runs at least 1000 cases per surface (DIRECTPV_HOSTILE_CASES).
 */
import assert from "node:assert/strict";
import { runCsiCases } from "./csi_run.ts";
import { runYamlCases } from "./yaml_run.ts";
import { runCliCases } from "./cli_run.ts";
import { formatReports, type SurfaceReport } from "./report.ts";

const CASES = Number(Deno.env.get("DIRECTPV_HOSTILE_CASES") ?? "150");
const SEED = Number(Deno.env.get("DIRECTPV_HOSTILE_SEED") ?? "20260");

function check(report: SurfaceReport): void {
  console.log(formatReports([report]));
  assert.equal(report.tried, CASES);
  assert.deepEqual(report.failures.slice(0, 20), [], `${report.failures.length} wrong answers`);
  assert.equal(report.crashed, 0);
  assert.equal(report.wrote, 0);
}

Deno.test(`hostile CSI requests through the gRPC adapter (${CASES} cases)`, async () => {
  check(await runCsiCases(SEED, CASES));
});

Deno.test(`hostile drives.yaml for init (${CASES} cases)`, async () => {
  check(await runYamlCases(SEED, CASES));
});

Deno.test(`hostile CLI arguments (${CASES} cases)`, async () => {
  check(await runCliCases(SEED, CASES));
});

const NET = (await Deno.permissions.query({ name: "net" })).state === "granted";

Deno.test({
  name: `hostile CSI requests over a real unix socket (${CASES} cases)`,
  // The unit layer grants no --allow-net; deno task test:hostile does.
  ignore: !NET,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "directpv-hostile-" });
    try {
      check(await runCsiCases(SEED + 1, CASES, { socketDir: dir }));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
