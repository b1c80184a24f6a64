import assert from "node:assert/strict";
import { RELEASE_TAG, RELEASE_VERSION } from "./mod.ts";

Deno.test("the release is a semantic version after DirectPV v4.1.6, tagged with a v", () => {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(RELEASE_VERSION);
  assert.ok(m, `"${RELEASE_VERSION}" is not MAJOR.MINOR.PATCH`);
  const [major, minor, patch] = m.slice(1).map(Number) as [number, number, number];
  const after = major > 4 || (major === 4 && (minor > 1 || (minor === 1 && patch > 6)));
  assert.ok(after, `"${RELEASE_VERSION}" must come after 4.1.6`);
  assert.equal(RELEASE_TAG, `v${RELEASE_VERSION}`);
});
