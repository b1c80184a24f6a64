/**
 * Runs the CSI wire test (`driver/csi/wire_test.ts`) with the network and subprocess
 * permissions the unit-test task withholds: the server on a temporary unix socket, called by
 * `csi_wire_client.ts` from a separate process.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

Deno.test("CSI wire test passes with network and subprocess permissions", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      "--allow-run",
      "driver/csi/wire_test.ts",
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  assert.match(text, /ok \| [1-9]\d* passed \| 0 failed/, text);
  assert.doesNotMatch(text, /ignored/, "no wire test was skipped");
});
