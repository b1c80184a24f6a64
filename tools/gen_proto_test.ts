import assert from "node:assert/strict";
import { join } from "node:path";
import { staleFiles } from "./gen_proto.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gen-proto-test-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  return dir;
}

Deno.test("staleFiles() reports files that differ, are missing or are extra", async () => {
  const expected = await tree({ "csi.ts": "a", "google/protobuf/wrappers.ts": "w", "new.ts": "n" });
  const actual = await tree({ "csi.ts": "b", "google/protobuf/wrappers.ts": "w", "old.ts": "o" });
  try {
    assert.deepEqual(await staleFiles(expected, actual), [
      "csi.ts (differs)",
      "new.ts (missing)",
      "old.ts (not generated any more)",
    ]);
    assert.deepEqual(await staleFiles(expected, expected), []);
  } finally {
    await Deno.remove(expected, { recursive: true });
    await Deno.remove(actual, { recursive: true });
  }
});
