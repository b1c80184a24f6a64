import assert from "node:assert/strict";
import { UnavailableError } from "../../lib/errors/mod.ts";
import { captureLogger } from "../../lib/log/testing.ts";
import {
  PluginCapability_Service_Type as ServiceType,
  PluginCapability_VolumeExpansion_Type as ExpansionType,
} from "../../proto/mod.ts";
import { identityHandlers, type IdentityOptions } from "./identity.ts";
import type { CallContext } from "./services.ts";

const READY = true;
const NOT_READY = false;

function context(): CallContext & { records: ReturnType<typeof captureLogger>["records"] } {
  const { logger, records } = captureLogger();
  return { signal: new AbortController().signal, logger, records };
}

function handlers(options: Partial<IdentityOptions> = {}) {
  return identityHandlers({
    version: "v1.2.3",
    controllerService: true,
    readiness: () => Promise.resolve(READY),
    ...options,
  });
}

Deno.test("getPluginInfo() reports the identity and version", async (t) => {
  await t.step("default name", async () => {
    assert.deepEqual(await handlers().getPluginInfo({}, context()), {
      name: "directpv-min-io",
      vendorVersion: "v1.2.3",
    });
  });
  await t.step("custom identity", async () => {
    const info = await handlers({ name: "direct-csi-min-io" }).getPluginInfo({}, context());
    assert.equal(info.name, "direct-csi-min-io");
  });
});

Deno.test("getPluginInfo() is unavailable when the name or the version is empty", async (t) => {
  await t.step("empty name", async () => {
    await assert.rejects(handlers({ name: "" }).getPluginInfo({}, context()), UnavailableError);
  });
  await t.step("empty version", async () => {
    await assert.rejects(handlers({ version: "" }).getPluginInfo({}, context()), UnavailableError);
  });
});

Deno.test("getPluginCapabilities() advertises the controller only where it is served", async (t) => {
  const controller = { service: { type: ServiceType.CONTROLLER_SERVICE } };
  const topology = { service: { type: ServiceType.VOLUME_ACCESSIBILITY_CONSTRAINTS } };
  const online = { volumeExpansion: { type: ExpansionType.ONLINE } };
  await t.step("controller", async () => {
    const reply = await handlers().getPluginCapabilities({}, context());
    assert.deepEqual(reply.capabilities, [controller, topology, online]);
  });
  await t.step("node server", async () => {
    const reply = await handlers({ controllerService: false }).getPluginCapabilities({}, context());
    assert.deepEqual(reply.capabilities, [topology, online]);
  });
  await t.step("without online expansion", async () => {
    const h = handlers({ controllerService: false, onlineExpansion: false });
    assert.deepEqual((await h.getPluginCapabilities({}, context())).capabilities, [topology]);
  });
});

Deno.test("probe() reports readiness from the readiness callback", async (t) => {
  await t.step("ready", async () => {
    assert.deepEqual(await handlers().probe({}, context()), { ready: true });
  });
  await t.step("not ready", async () => {
    const h = handlers({ readiness: () => Promise.resolve(NOT_READY) });
    assert.deepEqual(await h.probe({}, context()), { ready: false });
  });
  await t.step("readiness check throws", async () => {
    const ctx = context();
    const h = handlers({ readiness: () => Promise.reject(new Error("API server unreachable")) });
    assert.deepEqual(await h.probe({}, ctx), { ready: false });
    assert.deepEqual(ctx.records.map((r) => [r.level, r.fields.error]), [
      ["warn", "API server unreachable"],
    ]);
  });
});
