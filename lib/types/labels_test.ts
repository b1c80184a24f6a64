import assert from "node:assert/strict";
import {
  isReservedLabelKey,
  isValidLabelValue,
  LABELS,
  toLabelValue,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "./mod.ts";

Deno.test("toLabelValue() keeps valid values unchanged", () => {
  for (const v of ["sdb", "node-1", "a.b_c-d", "", "x".repeat(63)]) {
    assert.equal(toLabelValue(v), v);
  }
});

Deno.test("toLabelValue() sanitises invalid values the way DirectPV does", async (t) => {
  const cases: Array<[string, string]> = [
    ["/dev/sda", "xdev-sda"],
    ["-leading", "xleading"],
    ["a.b/c", "axb-c"],
    ["trailing-", "trailingx"],
    ["has space", "has-space"],
    ["y".repeat(70), "y".repeat(63)],
    ["nvme0n1p1:", "nvme0n1p1-"],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => assert.equal(toLabelValue(input), want));
  }
});

Deno.test("isValidLabelValue() follows Kubernetes label value rules", () => {
  assert.ok(isValidLabelValue("abc"));
  assert.ok(!isValidLabelValue("-abc"));
  assert.ok(!isValidLabelValue("abc."));
  assert.ok(!isValidLabelValue("a".repeat(64)));
});

Deno.test("isReservedLabelKey() covers every DirectPV key and the claim prefix", () => {
  for (const key of Object.values(LABELS)) {
    assert.equal(isReservedLabelKey(key), key !== LABELS.tenant, key);
  }
  assert.ok(isReservedLabelKey(volumeClaimIdLabel("0f4c")));
  assert.ok(!isReservedLabelKey("directpv.min.io/tier"));
});

Deno.test("volumeFinalizer() uses the per-volume finalizer prefix", () => {
  assert.equal(volumeFinalizer("pvc-1"), "directpv.min.io.volume/pvc-1");
});
