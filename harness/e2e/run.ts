/**
 * The e2e layer of the test command: brings up a local control plane, runs every
 * `harness/e2e/*_test.ts` scenario against it (DIRECTPV_E2E_KUBECONFIG), stops it, then runs
 * csi-sanity in a fresh environment and prints its counts.
 *
 *   deno run -A harness/e2e/run.ts [--only-sanity|--no-sanity]
 */
import { join } from "node:path";
import { startCluster } from "../cluster/mod.ts";
import { run } from "../lib/mod.ts";
import { runSanity, SKIPS } from "../sanity/sanity.ts";
import { skipTable } from "../sanity/junit.ts";

const REPO = new URL("../..", import.meta.url).pathname;

function say(msg: string): void {
  console.error(`[e2e] ${msg}`);
}

async function scenarios(base: string): Promise<number> {
  const cluster = await startCluster({ workDir: join(base, "cluster") });
  say(`Control plane ready in ${cluster.startupMs} ms (${cluster.kubeconfigPath})`);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--frozen", join(REPO, "harness/e2e"), join(REPO, "harness/cluster")],
      env: { DIRECTPV_E2E_KUBECONFIG: cluster.kubeconfigPath, NO_COLOR: "1" },
      cwd: REPO,
      stdout: "inherit",
      stderr: "inherit",
    });
    return (await child.output()).code;
  } finally {
    await cluster.stop();
  }
}

async function sanity(base: string): Promise<number> {
  const { counts, specs, skips } = await runSanity(join(base, "sanity"), say);
  for (const failed of specs.filter((s) => s.outcome === "failed")) {
    console.log(`[FAIL] ${failed.name}\n  ${failed.message}`);
  }
  console.log(skipTable(skips));
  const unexplained = skips.filter((s) => s.reason === undefined).length;
  const line =
    `csi-sanity: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped ` +
    `(${counts.total} specs; ${SKIPS.length} skip patterns)`;
  console.log(line);
  const logDir = Deno.env.get("DIRECTPV_TEST_LOGDIR");
  if (logDir) await Deno.writeTextFile(join(logDir, "sanity_counts.txt"), `${line}\n`);
  // The same figures in the form the test command adds up.
  console.log(`ok | ${counts.passed} passed | ${counts.failed} failed (csi-sanity)`);
  if (unexplained > 0) {
    console.log(`csi-sanity: ${unexplained} skipped specs are not explained by a design choice`);
  }
  return counts.failed === 0 && unexplained === 0 ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const base = await Deno.makeTempDir({ prefix: "directpv-e2e-" });
  let code = 0;
  try {
    if (!args.includes("--only-sanity")) code |= await scenarios(base);
    if (!args.includes("--no-sanity")) code |= await sanity(base);
  } finally {
    await run("rm", ["-rf", base], { allowFailure: true });
  }
  return code;
}

Deno.exit(await main(Deno.args));
