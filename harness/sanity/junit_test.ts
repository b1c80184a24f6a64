import assert from "node:assert/strict";
import { countsFromJunit, explainSkips, parseJunit, skipTable, unescapeXml } from "./junit.ts";
import { DESIGN_SKIPS } from "./sanity.ts";

/** A ginkgo v2 JUnit report as csi-sanity writes it, cut down to one spec of each kind. */
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="5" disabled="1" errors="0" failures="1" time="12.5">
  <testsuite name="CSI Driver Test Suite" package="/sanity" tests="5" skipped="3" failures="1">
    <testcase name="[It] Controller Service [Controller Server] ListVolumes should return appropriate values (no optional values added)" classname="CSI Driver Test Suite" status="passed" time="0.01"></testcase>
    <testcase name="[It] Controller Service [Controller Server] CreateVolume should create volume from an existing source volume" classname="CSI Driver Test Suite" status="failed" time="60.0">
      <failure message="Expected&#xA;    &lt;*status.Error | 0xc0&gt;: rpc error: code = Aborted desc = &quot;pvc&quot; not copied yet" type="failed">[FAILED] Expected...</failure>
      <system-err>...</system-err>
    </testcase>
    <testcase name="[It] Controller Service [Controller Server] ControllerPublishVolume should fail when no volume id is provided" classname="CSI Driver Test Suite" status="skipped" time="0.00">
      <skipped message="skipped - ControllerPublishVolume not supported"></skipped>
    </testcase>
    <testcase name="[It] Controller Service [Controller Server] ListVolumes pagination should detect volumes added between pages" classname="CSI Driver Test Suite" status="pending" time="0">
      <skipped message="pending"></skipped>
    </testcase>
    <testcase name="[It] Node Service should work with something new" classname="CSI Driver Test Suite" status="skipped" time="0.00">
      <skipped message="skipped - Frobnication not supported"></skipped>
    </testcase>
  </testsuite>
</testsuites>`;

Deno.test("parseJunit() reads each spec's outcome and message", () => {
  const specs = parseJunit(REPORT);
  assert.deepEqual(specs.map((s) => s.outcome), [
    "passed",
    "failed",
    "skipped",
    "skipped",
    "skipped",
  ]);
  assert.equal(
    specs[1]?.message,
    'Expected\n    <*status.Error | 0xc0>: rpc error: code = Aborted desc = "pvc" not copied yet',
  );
  assert.equal(specs[2]?.message, "ControllerPublishVolume not supported");
  assert.equal(specs[3]?.message, "pending");
  assert.equal(
    specs[0]?.name,
    "[It] Controller Service [Controller Server] ListVolumes should return appropriate values " +
      "(no optional values added)",
  );
  assert.deepEqual(countsFromJunit(REPORT), { passed: 1, failed: 1, skipped: 3, total: 5 });
});

Deno.test("unescapeXml() decodes in one pass, so an escaped entity stays escaped once", () => {
  assert.equal(unescapeXml("a &amp;lt; b &lt; c"), "a &lt; b < c");
});

Deno.test("explainSkips() matches skips to design reasons; skipTable() flags the rest", () => {
  const skips = explainSkips(parseJunit(REPORT), DESIGN_SKIPS);
  assert.equal(skips.length, 3);
  assert.match(skips[0]?.reason ?? "", /^no PUBLISH_UNPUBLISH_VOLUME: /);
  assert.match(skips[1]?.reason ?? "", /pending spec/);
  assert.equal(skips[2]?.reason, undefined, "an unknown skip is not explained");
  const table = skipTable(skips).split("\n");
  assert.equal(table.length, 5, "header, rule and one row per skip");
  assert.match(table[0] ?? "", /^Skipped spec +\| csi-sanity says +\| Why \(by design\)$/);
  assert.match(table[2] ?? "", /^Controller Service .* \| ControllerPublishVolume not supported /);
  assert.match(table[4] ?? "", /Frobnication not supported +\| NOT BY DESIGN: /);
  assert.equal(skipTable([]), "csi-sanity skipped no spec");
});

Deno.test("DESIGN_SKIPS explain csi-sanity's skip messages for what we leave out", () => {
  const messages = [
    "ControllerPublishVolume not supported",
    "Controller Publish, UnpublishVolume not supported",
    "ControllerUnpublishVolume not supported",
    "ControllerModifyVolume not supported",
    "Modify volume not supported",
    "Modify Volume not supported",
    "GroupControllerService not supported",
    "pending",
  ];
  const specs = messages.map((message) => ({
    name: message,
    outcome: "skipped" as const,
    message,
  }));
  const unexplained = explainSkips(specs, DESIGN_SKIPS).filter((s) => s.reason === undefined);
  assert.deepEqual(unexplained.map((s) => s.spec.message), []);
  const ours = explainSkips(
    [
      { name: "x", outcome: "skipped", message: "ListVolumes not supported" },
      // The node socket advertises CONTROLLER_SERVICE, so the node specs must run.
      {
        name: "y",
        outcome: "skipped",
        message: "Controller Service not provided: CreateVolume not supported",
      },
    ],
    DESIGN_SKIPS,
  );
  assert.equal(ours[0]?.reason, undefined, "a capability we advertise is never a design skip");
  assert.equal(ours[1]?.reason, undefined, "nor is the controller service");
});
