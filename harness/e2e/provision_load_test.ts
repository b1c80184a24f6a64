/**
 * The claim load at smoke size: 30 claims with pods through the real csi-provisioner and
 * kube-scheduler, capacity tracking on, two nodes whose drives hold only part of them. Every
 * claim that fits ends Bound, every CreateVolume failure is RESOURCE_EXHAUSTED, no drive is
 * over-allocated and every volume is on its pod's node; the driver and sidecars run as the
 * installed ServiceAccount. The figures at full size come from harness/bench/provision_load.ts.
 */
import assert from "node:assert/strict";
import { testGate } from "../lib/mod.ts";
import { methodFigures } from "../sandbox/call_logs.ts";
import { runClaimLoad } from "../sandbox/claim_load.ts";
import { SCHEDULER_SCENARIO_NEEDS } from "../sandbox/scheduling.ts";

const gate = await testGate("claim load scenario", SCHEDULER_SCENARIO_NEEDS);
const CLAIMS = 30;

Deno.test({
  name: "claim load: 30 claims on drives that hold part of them, capacity tracking on",
  ignore: gate.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  gate.assert();
  const dir = await Deno.makeTempDir({ prefix: "directpv-claim-load-" });
  const result = await runClaimLoad({
    dir,
    claims: CLAIMS,
    nodes: 2,
    driveSize: "512MiB",
    claimSize: "40Mi",
    timeoutMs: 180_000,
  });
  const create = methodFigures(result.calls, "CreateVolume");
  // deno-lint-ignore no-console
  console.log(
    `claim load: ${result.bound} of ${result.fit} that fit Bound in ` +
      `${(result.allBoundMs / 1000).toFixed(1)} s; CreateVolume ${JSON.stringify(create.codes)}`,
  );
  assert.ok(result.fit > 0 && result.fit < CLAIMS, `the drives hold ${result.fit} of ${CLAIMS}`);
  assert.deepEqual(result.problems, []);
  assert.equal(result.bound, result.fit);
  const created = new Set(
    result.calls.filter((c) => c.method === "CreateVolume" && c.code === "OK")
      .map((c) => c.volume),
  );
  assert.equal(created.size, result.fit, "a volume created for every bound claim, no other");
});
