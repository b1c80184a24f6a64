/**
 * csi-sanity against our controller and node sockets on real loop-device drives. A fresh
 * environment (control plane, one simulated node with loop drives initialized through the
 * CLI, our controller) is brought up, csi-sanity runs every spec, and the environment is torn
 * down. csi-sanity itself skips the specs of capabilities we do not advertise; each such skip
 * must be explained by a capability we leave out by design ({@linkcode DESIGN_SKIPS}).
 */
import { join } from "node:path";
import { cli, startEnv, stopEnv } from "../sandbox/env.ts";
import { run, toolsBinDir } from "../lib/mod.ts";
import {
  countsOf,
  type DesignSkip,
  type ExplainedSkip,
  explainSkips,
  parseJunit,
  type SanityCounts,
  type SpecResult,
} from "./junit.ts";

/**
 * Specs we tell csi-sanity to skip, each with its reason. Everything else must pass or be
 * skipped by csi-sanity for a reason in {@linkcode DESIGN_SKIPS}.
 */
export const SKIPS: ReadonlyArray<{ pattern: string; reason: string }> = [];

/** csi-sanity's skip messages for what we leave out by design, and why. */
export const DESIGN_SKIPS: readonly DesignSkip[] = [
  {
    message:
      /^(ControllerPublishVolume|ControllerUnpublishVolume|Controller Publish, UnpublishVolume) not supported/,
    reason: "no PUBLISH_UNPUBLISH_VOLUME: a volume is a directory on a drive of the node that " +
      "holds it, so there is nothing to attach (the CSIDriver sets attachRequired: false)",
  },
  {
    message: /^ControllerPublishVolume\.readonly field not supported/,
    reason: "no PUBLISH_READONLY: it qualifies ControllerPublishVolume, which we do not offer; " +
      "read-only mounts come from NodePublishVolume",
  },
  {
    message: /Modify ?Volume not supported|MODIFY_VOLUME/i,
    reason: "no MODIFY_VOLUME: volumes have no mutable parameters (VolumeAttributesClass); " +
      "size changes by expansion",
  },
  {
    message: /group ?snapshot|GroupController/i,
    reason: "no group controller service: snapshots are of one volume, on its drive",
  },
  {
    message: /^pending$/i,
    reason: "disabled in csi-sanity itself (a pending spec), for every driver",
  },
];

export type { ExplainedSkip, SanityCounts, SpecResult };

/** What a csi-sanity run gave. */
export interface SanityResult {
  counts: SanityCounts;
  specs: SpecResult[];
  /** Every skipped spec with its design reason (undefined when none explains it). */
  skips: ExplainedSkip[];
}

/** Runs csi-sanity in a fresh environment under `dir` and returns its specs and counts. */
export async function runSanity(dir: string, log: (m: string) => void): Promise<SanityResult> {
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
    const specs = parseJunit(await Deno.readTextFile(report));
    const counts = countsOf(specs);
    if (counts.failed === 0 && res.code !== 0) {
      throw new Error(
        `csi-sanity exited ${res.code} with no failed spec: ${res.stderr.slice(-2000)}`,
      );
    }
    return { counts, specs, skips: explainSkips(specs, DESIGN_SKIPS) };
  } finally {
    await stopEnv(dir, log);
  }
}
