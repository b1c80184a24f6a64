/**
 * Runs the driver's socket tests with the network and subprocess permissions the unit-test task
 * withholds (unix sockets need --allow-net): the CSI wire test (`driver/csi/wire_test.ts`, the
 * server on a temporary unix socket called by `csi_wire_client.ts` from a separate process),
 * the kubelet plugin registration (`driver/registration_test.ts`) and the liveness check
 * (`driver/liveness_test.ts`).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SOCKET_TESTS = [
  "driver/csi/wire_test.ts",
  "driver/registration_test.ts",
  "driver/liveness_test.ts",
];

for (const file of SOCKET_TESTS) {
  Deno.test(`${file} passes with network and subprocess permissions`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net",
        "--allow-run",
        file,
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(out.success, text);
    assert.match(text, /ok \| [1-9]\d* passed .*\| 0 failed/, text);
    assert.doesNotMatch(text, /ignored/, "no socket test was skipped");
  });
}
