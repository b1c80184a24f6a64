/**
 * Kubelet plugin registration. The handler tests run in the unit task; the socket tests serve
 * the Registration service on a temporary unix socket and call it with the generated grpc-js
 * client, as the kubelet's plugin watcher does. Unix sockets need --allow-net, which the unit
 * task withholds, so it reports them as ignored; `harness/e2e/csi_wire_test.ts` runs them.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { captureLogger } from "../lib/log/testing.ts";
import { FakeHost } from "../lib/sys/testing.ts";
import {
  type PluginInfo,
  RegistrationClient,
  type RegistrationStatus,
  type RegistrationStatusResponse,
} from "../proto/mod.ts";
import {
  CSI_PLUGIN_TYPE,
  registrationHandlers,
  registrationSocketPath,
  startKubeletRegistration,
  SUPPORTED_VERSIONS,
} from "./registration.ts";
import type { CallContext } from "./csi/services.ts";

const CAN_LISTEN = (await Deno.permissions.query({ name: "net" })).state === "granted";
const DRIVER = "directpv-min-io";
const ENDPOINT = "/var/lib/kubelet/plugins/directpv-min-io/csi.sock";

Deno.test("registrationSocketPath() names the socket as node-driver-registrar does", () => {
  assert.equal(
    registrationSocketPath("/var/lib/kubelet/plugins_registry/", DRIVER),
    "/var/lib/kubelet/plugins_registry/directpv-min-io-reg.sock",
  );
});

Deno.test("registrationHandlers() report a CSI plugin and pass the kubelet's verdict on", async () => {
  const verdicts: unknown[] = [];
  const handlers = registrationHandlers(
    { driverName: DRIVER, endpoint: ENDPOINT },
    (s) => verdicts.push(s),
  );
  const ctx: CallContext = { signal: new AbortController().signal, logger: captureLogger().logger };
  assert.deepEqual(await handlers.getInfo?.({}, ctx), {
    type: "CSIPlugin",
    name: DRIVER,
    endpoint: ENDPOINT,
    supportedVersions: ["1.0.0"],
  });
  assert.deepEqual(
    await handlers.notifyRegistrationStatus?.({ pluginRegistered: false, error: "bad" }, ctx),
    {},
  );
  assert.deepEqual(verdicts, [{ registered: false, error: "bad" }]);
  assert.equal(CSI_PLUGIN_TYPE, "CSIPlugin");
  assert.deepEqual(SUPPORTED_VERSIONS, ["1.0.0"]);
});

function unary<Req, Res>(
  fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** The kubelet's side of a registration: GetInfo, then NotifyRegistrationStatus. */
async function kubeletRegisters(socketPath: string, status: RegistrationStatus) {
  const client = new RegistrationClient(`unix:${socketPath}`, grpc.credentials.createInsecure());
  try {
    const info = await unary<object, PluginInfo>((r, cb) => client.getInfo(r, cb), {});
    await unary<RegistrationStatus, RegistrationStatusResponse>(
      (r, cb) => client.notifyRegistrationStatus(r, cb),
      status,
    );
    return info;
  } finally {
    client.close();
  }
}

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (const start = Date.now(); !(await cond()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - start > 5000) throw new Error(`Timed out waiting for ${what}`);
  }
}

Deno.test({
  name: "startKubeletRegistration() serves GetInfo, logs the verdict and cleans up its socket",
  ignore: !CAN_LISTEN,
  async fn() {
    await using host = await FakeHost.create();
    const dir = host.paths.host("/var/lib/kubelet/plugins_registry");
    const socketPath = registrationSocketPath(dir, DRIVER);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(socketPath, "stale");
    const { logger, records } = captureLogger("info");
    const reg = await startKubeletRegistration({
      driverName: DRIVER,
      endpoint: ENDPOINT,
      socketPath,
      fs: host.fs,
      logger,
      checkIntervalMs: 50,
    });
    try {
      const made = await Deno.lstat(socketPath);
      assert.ok(made.isSocket, "the stale file is replaced by a socket");
      assert.equal((made.mode ?? 0) & 0o777, 0o600, "only the kubelet (root) may connect");
      assert.deepEqual(reg.state(), {});
      const info = await kubeletRegisters(socketPath, { pluginRegistered: true, error: "" });
      assert.deepEqual(info, {
        type: "CSIPlugin",
        name: DRIVER,
        endpoint: ENDPOINT,
        supportedVersions: ["1.0.0"],
      });
      assert.deepEqual(reg.state(), { registered: true, error: "" });
      assert.ok(records.some((r) => r.msg === "Registered with the kubelet"));

      await kubeletRegisters(socketPath, { pluginRegistered: false, error: "version too old" });
      assert.deepEqual(reg.state(), { registered: false, error: "version too old" });
      const refused = records.find((r) => r.msg === "The kubelet refused the registration");
      assert.equal(refused?.level, "error");
      assert.equal(refused?.fields.error, "version too old");

      // A kubelet restarting with an emptied plugins_registry: the socket comes back.
      await Deno.remove(socketPath);
      await waitFor(
        () => Deno.lstat(socketPath).then((s) => s.isSocket === true, () => false),
        "the socket to be created again",
      );
      assert.deepEqual(reg.state(), {}, "a new socket waits for a new verdict");
      assert.equal(
        (await kubeletRegisters(socketPath, { pluginRegistered: true, error: "" })).name,
        DRIVER,
      );
      assert.ok(records.some((r) => r.msg === "Registration socket created again"));
    } finally {
      await reg.stop();
    }
    await assert.rejects(Deno.lstat(socketPath), Deno.errors.NotFound, "stop() removes the socket");
  },
});
