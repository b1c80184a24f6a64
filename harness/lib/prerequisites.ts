/**
 * Test gating for layers that need root, system commands or the built tools. Outside CI a
 * missing prerequisite skips the tests and says why; under `CI=true` it fails them.
 */
import { commandExists } from "./process.ts";
import { missingBinaries, toolsBinDir } from "./tools.ts";

/** What a group of tests needs. */
export interface Prerequisites {
  /** Needs to run as root. */
  root?: boolean;
  /** Programs that must be on PATH. */
  commands?: readonly string[];
  /** Tools that must be built by `harness/tools/build.sh`. */
  tools?: readonly string[];
}

/** Whether the tests run under CI (`CI=true`), where a skipped layer is a failure. */
export function isCI(): boolean {
  return (Deno.env.get("CI") ?? "").toLowerCase() === "true";
}

/** Human-readable reasons why `needs` is not met here; empty when everything is present. */
export async function missingPrerequisites(needs: Prerequisites): Promise<string[]> {
  const reasons: string[] = [];
  if (needs.root && Deno.uid() !== 0) reasons.push("not running as root");
  for (const command of needs.commands ?? []) {
    if (!(await commandExists(command))) reasons.push(`command "${command}" not found`);
  }
  if (needs.tools && needs.tools.length > 0) {
    const dir = await toolsBinDir();
    const missing = await missingBinaries(dir, needs.tools);
    if (missing.length > 0) {
      reasons.push(
        `${missing.map((m) => `"${m}"`).join(", ")} not built in "${dir}" ` +
          `(run harness/tools/build.sh)`,
      );
    }
  }
  return reasons;
}

/** The verdict for a group of tests; see {@link testGate}. */
export interface TestGate {
  /** Pass as `Deno.test({ ignore })`: true when the tests are skipped. */
  readonly ignore: boolean;
  /** Call first in each test: throws under CI when a prerequisite is missing. */
  assert(): void;
}

/**
 * Checks `needs` for the tests called `group`. When something is missing outside CI it
 * prints the reason and the tests are ignored; under CI they run and fail with the reason.
 */
export async function testGate(group: string, needs: Prerequisites): Promise<TestGate> {
  const reasons = await missingPrerequisites(needs);
  const message = `${group}: ${reasons.join("; ")}`;
  const ci = isCI();
  if (reasons.length > 0 && !ci) {
    // deno-lint-ignore no-console
    console.error(`Skipping ${message}`);
  }
  return {
    ignore: reasons.length > 0 && !ci,
    assert(): void {
      if (reasons.length > 0) throw new Error(`Cannot run ${message} (CI=true)`);
    },
  };
}
