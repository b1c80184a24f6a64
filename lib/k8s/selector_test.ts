import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import {
  formatSelector,
  matchesFieldSelector,
  matchesSelector,
  parseFieldSelector,
  parseSelector,
} from "./selector.ts";

const LABELS = { "directpv.min.io/node": "n1", tier: "hot", size: "10" };

Deno.test("matchesSelector() evaluates every operator", async (t) => {
  const cases: [string, boolean][] = [
    ["", true],
    ["directpv.min.io/node=n1", true],
    ["directpv.min.io/node==n1", true],
    ["directpv.min.io/node=n2", false],
    ["tier!=cold", true],
    ["missing!=x", true],
    ["tier!=hot", false],
    ["tier in (hot, warm)", true],
    ["tier in (cold)", false],
    ["missing in (a)", false],
    ["tier notin (cold,warm)", true],
    ["missing notin (a)", true],
    ["tier notin (hot)", false],
    ["tier", true],
    ["missing", false],
    ["!missing", true],
    ["!tier", false],
    ["size>5", true],
    ["size<5", false],
    ["tier=hot,directpv.min.io/node=n1", true],
    ["tier=hot, directpv.min.io/node in (n2,n3)", false],
    ["empty=", false],
  ];
  for (const [selector, want] of cases) {
    await t.step(selector || "(empty)", () => {
      assert.equal(matchesSelector(LABELS, selector), want);
    });
  }
});

Deno.test("matchesSelector() takes a map of equalities", () => {
  assert.ok(matchesSelector(LABELS, { tier: "hot", size: "10" }));
  assert.ok(!matchesSelector(LABELS, { tier: "cold" }));
  assert.ok(!matchesSelector(undefined, { tier: "hot" }));
  assert.ok(matchesSelector(undefined, "!tier"));
  assert.ok(matchesSelector(LABELS, undefined));
});

Deno.test("parseSelector() rejects bad syntax naming the selector", async (t) => {
  for (
    const bad of ["a in b", "a in (x", "a,,b", "a b", "a=b c", "-a=1", "a>x", "a=b/c", "a in ((b))"]
  ) {
    await t.step(bad, () => {
      assert.throws(() => parseSelector(bad), (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.match(
          err.message,
          new RegExp(`^Invalid label selector "${bad.replace(/[()]/g, "\\$&")}"`),
        );
        return true;
      });
    });
  }
});

Deno.test("formatSelector() writes the canonical form", () => {
  assert.equal(formatSelector({ a: "1", "x.io/b": "2" }), "a=1,x.io/b=2");
  assert.equal(formatSelector(" a == 1 , b in (x, y),!c, d,e!=f "), "a=1,b in (x,y),!c,d,e!=f");
  assert.throws(() => formatSelector({ a: "bad value" }), InvalidArgumentError);
});

Deno.test("parseFieldSelector() and matchesFieldSelector() read dotted paths", () => {
  assert.deepEqual(parseFieldSelector("metadata.name=x,spec.nodeName!=n1"), [
    { path: "metadata.name", negate: false, value: "x" },
    { path: "spec.nodeName", negate: true, value: "n1" },
  ]);
  const pod = { metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n2" } };
  assert.ok(matchesFieldSelector(pod, "metadata.name=p"));
  assert.ok(!matchesFieldSelector(pod, "metadata.name==q"));
  assert.ok(matchesFieldSelector(pod, "metadata.name!=q,spec.nodeName=n2"));
  assert.ok(matchesFieldSelector(pod, "status.phase="));
  assert.throws(
    () => parseFieldSelector("metadata.name"),
    /Invalid field selector "metadata.name"/,
  );
});
