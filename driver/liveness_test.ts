/**
 * The node server's own liveness check. The handler tests run in the unit task; the socket
 * test serves CSI Identity on a temporary unix socket and `/healthz` over HTTP on loopback,
 * as a pod's liveness probe reaches it. Sockets need --allow-net, which the unit task
 * withholds, so it reports that test as ignored; `harness/e2e/csi_wire_test.ts` runs it.
 */
import assert from "node:assert/strict";
import { UnavailableError } from "../lib/errors/mod.ts";
import { captureLogger } from "../lib/log/testing.ts";
import { serveCsi } from "./csi/grpc_server.ts";
import { identityHandlers } from "./csi/identity.ts";
import { healthzHandler, PROBE_TIMEOUT_MS, serveHttp } from "./http.ts";
import { csiSocketProbe } from "./liveness.ts";

const CAN_LISTEN = (await Deno.permissions.query({ name: "net" })).state === "granted";

async function answer(
  handler: ReturnType<typeof healthzHandler>,
  path = "/healthz",
  method = "GET",
) {
  const response = await handler(new Request(`http://node${path}`, { method }));
  return [response.status, await response.text()];
}

Deno.test("healthzHandler() answers as the livenessprobe sidecar does", async (t) => {
  const { logger, records } = captureLogger("info");
  const timeouts: number[] = [];
  const READY = true;
  const NOT_READY = false;
  let outcome: () => Promise<boolean> = () => Promise.resolve(READY);
  const handler = healthzHandler((timeoutMs) => {
    timeouts.push(timeoutMs);
    return outcome();
  }, logger);
  await t.step("ready: 200 ok, for any method", async () => {
    assert.deepEqual(await answer(handler), [200, "ok"]);
    assert.deepEqual(await answer(handler, "/healthz", "POST"), [200, "ok"]);
    assert.deepEqual(timeouts, [PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS]);
    assert.equal(PROBE_TIMEOUT_MS, 1000);
  });
  await t.step("not ready: 500", async () => {
    outcome = () => Promise.resolve(NOT_READY);
    assert.deepEqual(await answer(handler), [500, "driver responded but is not ready"]);
  });
  await t.step("Probe failed: 500 with the reason, logged", async () => {
    outcome = () => Promise.reject(new UnavailableError("CSI Probe failed: no socket"));
    assert.deepEqual(await answer(handler), [500, "CSI Probe failed: no socket"]);
    const logged = records.find((r) => r.msg === "Health check failed");
    assert.equal(logged?.fields.error, "CSI Probe failed: no socket");
  });
  await t.step("other paths: 404", async () => {
    assert.equal((await answer(handler, "/ready"))[0], 404);
  });
});

Deno.test({
  name: "/healthz follows the CSI Probe on the plugin's own socket",
  ignore: !CAN_LISTEN,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "directpv-liveness-" });
    const socketPath = `${dir}/csi.sock`;
    const { logger } = captureLogger("info");
    let ready = false;
    const csi = await serveCsi({
      endpoint: `unix://${socketPath}`,
      logger,
      identity: identityHandlers({
        version: "v0.0.0-test",
        controllerService: false,
        readiness: () => Promise.resolve(ready),
      }),
      removeStaleSocket: () => Promise.resolve(),
    });
    const http = serveHttp({
      hostname: "127.0.0.1",
      port: 0,
      handler: healthzHandler(csiSocketProbe(socketPath), logger),
      logger,
      name: "healthz",
    });
    const get = async () => {
      const response = await fetch(`http://127.0.0.1:${http.port}/healthz`);
      return [response.status, await response.text()];
    };
    let csiStopped = false;
    try {
      assert.deepEqual(await get(), [500, "driver responded but is not ready"]);
      ready = true;
      assert.deepEqual(await get(), [200, "ok"]);
      await csi.stop({ timeoutMs: 1000 });
      csiStopped = true;
      const [status, body] = await get();
      assert.equal(status, 500, "a CSI server that is gone fails the check");
      assert.match(String(body), new RegExp(`^CSI Probe on "${socketPath}" failed: `));
    } finally {
      await http.shutdown();
      if (!csiStopped) await csi.stop({ timeoutMs: 1000 });
      await Deno.remove(dir, { recursive: true });
    }
  },
});
