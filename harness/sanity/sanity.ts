/**
 * csi-sanity against our controller and node sockets on real loop-device drives. A fresh
 * environment (control plane, one simulated node with loop drives initialized through the
 * CLI, our controller) is brought up, csi-sanity runs with a curated skip list, and the
 * environment is torn down.
 */
import { join } from "node:path";
import { cli, startEnv, stopEnv } from "../sandbox/env.ts";
import { run, toolsBinDir } from "../lib/mod.ts";

/**
 * Specs we skip, each with its reason. Everything else must pass.
 */
export const SKIPS: ReadonlyArray<{ pattern: string; reason: string }> = [];

export interface SanityCounts {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
}

/** Reads pass/fail/skip counts from a ginkgo JUnit report. */
export function countsFromJunit(xml: string): SanityCounts {
  const cases = [...xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)];
  let failed = 0;
  let skipped = 0;
  for (const c of cases) {
    const body = c[2] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
  }
  return { passed: cases.length - failed - skipped, failed, skipped, total: cases.length };
}

/** Runs csi-sanity in a fresh environment under `dir` and returns its counts. */
export async function runSanity(dir: string, log: (m: string) => void): Promise<SanityCounts> {
  const started = await startEnv({
    dir,
    nodes: [{
      name: "sanity-node",
      drives: [{ name: "d1", size: "2GiB" }, { name: "d2", size: "2GiB" }],
    }],
    sidecars: false,
    log,
  });
  try {
    const { env } = started;
    const drivesYaml = join(dir, "drives.yaml");
    await cli(env, ["discover", "--output-file", drivesYaml]);
    await cli(env, ["init", "--quiet", "--dangerous", drivesYaml]);
    const node = env.nodes[0];
    if (!node) throw new Error("No node was started");
    const report = join(dir, "sanity-junit.xml");
    await Deno.mkdir(join(node.kubeletDir, "sanity"), { recursive: true });
    const bin = join(await toolsBinDir(), "csi-sanity");
    const args = [
      `--csi.endpoint=unix://${node.endpoint}`,
      `--csi.controllerendpoint=unix://${env.controllerEndpoint}`,
      // The node server mounts only below its kubelet directory.
      `--csi.mountdir=${join(node.kubeletDir, "sanity", "mount")}`,
      `--csi.stagingdir=${join(node.kubeletDir, "sanity", "staging")}`,
      `--csi.testvolumesize=${64 * 2 ** 20}`,
      `--csi.testvolumeexpandsize=${128 * 2 ** 20}`,
      `--ginkgo.junit-report=${report}`,
      "--ginkgo.no-color",
      ...(SKIPS.length > 0 ? [`--ginkgo.skip=${SKIPS.map((s) => s.pattern).join("|")}`] : []),
    ];
    log(`Running csi-sanity ${args.join(" ")}`);
    const res = await run(bin, args, { allowFailure: true });
    const logFile = Deno.env.get("DIRECTPV_SANITY_LOG") ?? join(dir, "..", "csi-sanity.log");
    await Deno.writeTextFile(logFile, res.stdout + res.stderr);
    console.log(
      res.stdout.split("\n").filter((l) => /\[FAIL\]|Ran \d+ of|Summarizing|FAIL!|SUCCESS!/.test(l))
        .join("\n"),
    );
    const counts = countsFromJunit(await Deno.readTextFile(report));
    if (counts.failed === 0 && res.code !== 0) {
      throw new Error(
        `csi-sanity exited ${res.code} with no failed spec: ${res.stderr.slice(-2000)}`,
      );
    }
    return counts;
  } finally {
    await stopEnv(dir, log);
  }
}
