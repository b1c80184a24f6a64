import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedManifests, staleManifests, writeManifests } from "./render_manifests.ts";

Deno.test("writeManifests() writes files that staleManifests() then finds current", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = generatedManifests();
    assert.deepEqual(
      (await staleManifests(dir, files)).map((s) => s.reason),
      files.map(() => "missing"),
    );
    await writeManifests(dir, files);
    assert.deepEqual(await staleManifests(dir, files), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("staleManifests() lists changed and extra files; writeManifests() fixes them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = generatedManifests();
    await writeManifests(dir, files);
    await Deno.writeTextFile(join(dir, "namespace.yaml"), "# edited\n");
    await Deno.writeTextFile(join(dir, "crds", "old.yaml"), "kind: Old\n");
    await Deno.writeTextFile(join(dir, "README.md"), "not YAML, left alone\n");
    assert.deepEqual(await staleManifests(dir, files), [
      { path: "namespace.yaml", reason: "changed" },
      { path: "crds/old.yaml", reason: "not generated" },
    ]);
    await writeManifests(dir, files);
    assert.deepEqual(await staleManifests(dir, files), []);
    assert.equal(await Deno.readTextFile(join(dir, "README.md")), "not YAML, left alone\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the checked-in manifests are what lib/install generates", async () => {
  const dir = fileURLToPath(new URL("../manifests/", import.meta.url));
  const stale = await staleManifests(dir, generatedManifests());
  assert.deepEqual(stale, [], 'run "deno task manifests"');
});
