import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import { expandEllipsis } from "./mod.ts";
import { MAX_EXPANSION } from "./ellipsis.ts";

function assertFails(arg: string, message: string): void {
  assert.throws(() => expandEllipsis(arg), (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("expandEllipsis() expands ranges", async (t) => {
  const cases: Array<[string, string[]]> = [
    ["node1", ["node1"]],
    ["", [""]],
    ["node{1...4}", ["node1", "node2", "node3", "node4"]],
    ["sd{a...f}", ["sda", "sdb", "sdc", "sdd", "sde", "sdf"]],
    ["{az...bc}", ["az", "ba", "bb", "bc"]],
    ["{y...ab}", ["y", "z", "aa", "ab"]],
    ["{zz...aab}", ["zz", "aaa", "aab"]],
    ["{8...11}", ["8", "9", "10", "11"]],
    ["{01...03}", ["1", "2", "3"]],
    ["{0...1}", ["0", "1"]],
    ["{5...5}", ["5"]],
    ["{f...c}", ["c", "d", "e", "f"]],
    ["{3...1}", ["1", "2", "3"]],
    ["ab{p...r}0{1...2}", ["abp01", "abp02", "abq01", "abq02", "abr01", "abr02"]],
    ["{a...b}{1...2}", ["a1", "a2", "b1", "b2"]],
    ["n{1...2}.d{a...b}.x", ["n1.da.x", "n1.db.x", "n2.da.x", "n2.db.x"]],
    ["node{1...2}{", ["node1{", "node2{"]],
    ["{abc", ["{abc"]],
    ["x{1...2", ["x{1...2"]],
    ["{18446744073709551614...18446744073709551615}", [
      "18446744073709551614",
      "18446744073709551615",
    ]],
  ];
  for (const [arg, want] of cases) {
    await t.step(arg || "(empty)", () => assert.deepEqual(expandEllipsis(arg), want));
  }
});

Deno.test("expandEllipsis() varies the leftmost range slowest", () => {
  const out = expandEllipsis("{1...3}-{a...c}");
  assert.equal(out.length, 9);
  assert.deepEqual(out.slice(0, 3), ["1-a", "1-b", "1-c"]);
  assert.equal(out[8], "3-c");
});

Deno.test("expandEllipsis() rejects a nested ellipsis with the position of the inner brace", () => {
  assertFails("node{1{...4}", "node{1{...4}: nested ellipsis pattern at 7");
});

Deno.test("expandEllipsis() rejects a stray closing brace", () => {
  assertFails("node1}", "node1}: invalid ellipsis pattern at 6");
});

Deno.test("expandEllipsis() rejects a stray closing brace after a valid range", () => {
  assertFails("{1...2}}", "{1...2}}: invalid ellipsis pattern at 8");
});

Deno.test("expandEllipsis() rejects a range without three dots", () => {
  assertFails("node{1..4}", "node{1..4}: invalid ellipsis {1..4} at 4");
});

Deno.test("expandEllipsis() rejects braces holding no range", () => {
  assertFails("a{b}", "a{b}: invalid ellipsis {b} at 1");
});

Deno.test("expandEllipsis() rejects a range with two ellipses", () => {
  assertFails("{1...2...3}", "{1...2...3}: invalid ellipsis {1...2...3} at 0");
});

Deno.test("expandEllipsis() rejects an empty start value", () => {
  assertFails("x{...3}", "x{...3}: invalid start value '' in ellipsis {...3} at 1");
});

Deno.test("expandEllipsis() rejects an uppercase start value", () => {
  assertFails("sd{A...c}", "sd{A...c}: invalid start value 'A' in ellipsis {A...c} at 2");
});

Deno.test("expandEllipsis() rejects a negative start value", () => {
  assertFails("{-1...3}", "{-1...3}: invalid start value '-1' in ellipsis {-1...3} at 0");
});

Deno.test("expandEllipsis() rejects a start value beyond uint64", () => {
  assertFails(
    "{18446744073709551616...1}",
    "{18446744073709551616...1}: invalid start value '18446744073709551616' in ellipsis " +
      "{18446744073709551616...1} at 0",
  );
});

Deno.test("expandEllipsis() rejects an invalid end value", () => {
  assertFails("n{1...x2}", "n{1...x2}: invalid end value 'x2' in ellipsis {1...x2} at 1");
});

Deno.test("expandEllipsis() rejects an end value with a fourth dot", () => {
  assertFails("{1....3}", "{1....3}: invalid end value '.3' in ellipsis {1....3} at 0");
});

Deno.test("expandEllipsis() rejects mixing letters and numbers", () => {
  assertFails("{a...3}", "{a...3}: invalid ellipsis {a...3} at 0; start/end must be same kind");
});

Deno.test("expandEllipsis() reports the first error from the left", () => {
  assertFails("{a...b}{1..2}", "{a...b}{1..2}: invalid ellipsis {1..2} at 7");
});

Deno.test("expandEllipsis() counts positions in UTF-8 bytes", () => {
  assertFails("é{1..2}", "é{1..2}: invalid ellipsis {1..2} at 2");
  assertFails("é}", "é}: invalid ellipsis pattern at 3");
});

Deno.test("expandEllipsis() refuses expansions that are too large", () => {
  const arg = `{1...${MAX_EXPANSION + 1}}`;
  assertFails(arg, `${arg}: ellipsis expands to more than ${MAX_EXPANSION} values`);
  assert.equal(expandEllipsis(`{1...${MAX_EXPANSION}}`).length, MAX_EXPANSION);
});
