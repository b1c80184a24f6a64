/**
 * Wire test of the CSI gRPC server: the server runs in this process on a temporary unix
 * socket; `harness/e2e/csi_wire_client.ts` calls it from a separate Deno process through the
 * generated grpc-js clients. It needs --allow-net and --allow-run, so the unit-test task
 * (which grants neither) reports it as ignored; `harness/e2e/csi_wire_test.ts` runs it.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError, UnavailableError } from "../../lib/errors/mod.ts";
import { captureLogger } from "../../lib/log/testing.ts";
import { serveCsi } from "./grpc_server.ts";
import { identityHandlers } from "./identity.ts";
import type { ControllerHandlers, NodeHandlers } from "./services.ts";
import { Status } from "./status.ts";

const READY = true;
const CAN_CONNECT = (await Deno.permissions.query({ name: "net" })).state === "granted" &&
  (await Deno.permissions.query({ name: "run" })).state === "granted";

/** One call's outcome as the client prints it. */
interface WireResult {
  call: string;
  code: number;
  details?: string;
  value?: unknown;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !cond(); await sleep(20)) {
    if (Date.now() - start > 5000) throw new Error(`Timed out waiting for ${what}`);
  }
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function removeIfExists(path: string): Promise<void> {
  await Deno.remove(path).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

/** Resolves `wait()` once `arrive()` has been called `count` times. */
function barrier(count: number): { arrive(): void; wait(timeoutMs: number): Promise<void> } {
  let arrived = 0;
  let open = () => {};
  const opened = new Promise<void>((resolve) => open = resolve);
  return {
    arrive() {
      if (++arrived === count) open();
    },
    async wait(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("Barrier timed out")), timeoutMs);
      });
      try {
        await Promise.race([opened, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function runClient(socketPath: string): Promise<Map<string, WireResult>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      `--allow-write=${socketPath}`,
      "--allow-env",
      join(ROOT, "harness/e2e/csi_wire_client.ts"),
      socketPath,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `client failed: ${new TextDecoder().decode(out.stderr)}`);
  const results = stdout.trim().split("\n").map((line) => JSON.parse(line) as WireResult);
  return new Map(results.map((r) => [r.call, r]));
}

Deno.test({
  name: "serveCsi() answers a separate-process gRPC client on a unix socket",
  ignore: !CAN_CONNECT,
  fn: wireTest,
});

async function wireTest(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "directpv-csi-wire-" });
  const socketPath = join(dir, "csi.sock");
  await Deno.writeTextFile(socketPath, "stale");
  const { logger, records } = captureLogger("debug");
  const aborted = (volume: string) =>
    records.some((r) => r.fields.volume === volume && r.fields.code === "ABORTED");
  let expandSawAbort = false;
  const bothRunning = barrier(2);

  const controller: ControllerHandlers = {
    async createVolume(request) {
      if (request.name === "pvc-lock") {
        await waitFor(() => aborted("pvc-lock"), "the second CreateVolume to be aborted");
      }
      if (request.name.startsWith("par-")) {
        // Both calls must be inside their handlers at once: each waits for the other.
        bothRunning.arrive();
        await bothRunning.wait(5000);
      }
      const capacityBytes = request.capacityRange?.requiredBytes ?? 0;
      return { volume: { volumeId: request.name, capacityBytes } };
    },
    deleteVolume(request) {
      return Promise.reject(new NotFoundError(`Volume "${request.volumeId}" not found`));
    },
    controllerExpandVolume(_request, ctx) {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          expandSawAbort = true;
          reject(ctx.signal.reason);
        });
      });
    },
  };
  const node: NodeHandlers = {
    nodeGetInfo: () =>
      Promise.resolve({
        nodeId: "node-1",
        accessibleTopology: { segments: { "directpv.min.io/node": "node-1" } },
      }),
  };
  const server = await serveCsi({
    endpoint: `unix://${socketPath}`,
    logger,
    identity: identityHandlers({
      version: "v0.0.0-test",
      controllerService: true,
      readiness: () => Promise.resolve(READY),
    }),
    controller,
    node,
    removeStaleSocket: removeIfExists,
  });
  try {
    const results = await runClient(socketPath);
    const get = (call: string) => results.get(call) ?? assert.fail(`no result for ${call}`);

    assert.deepEqual(get("Probe").value, { ready: true });
    assert.deepEqual(get("GetPluginInfo").value, {
      name: "directpv-min-io",
      vendorVersion: "v0.0.0-test",
      manifest: {},
    });
    assert.equal(
      (get("GetPluginCapabilities").value as { capabilities: unknown[] }).capabilities.length,
      3,
    );
    assert.deepEqual(get("NodeGetInfo").value, {
      nodeId: "node-1",
      maxVolumesPerNode: 0,
      accessibleTopology: { segments: { "directpv.min.io/node": "node-1" } },
    });

    const lock = [get("CreateVolume lock 1"), get("CreateVolume lock 2")];
    assert.deepEqual(lock.map((r) => r.code).sort(), [Status.OK, Status.ABORTED]);
    const abortedCall = lock.find((r) => r.code === Status.ABORTED);
    assert.equal(abortedCall?.details, 'An operation on volume "pvc-lock" is already in progress');
    const created = lock.find((r) => r.code === Status.OK)?.value as {
      volume: { capacityBytes: number };
    };
    assert.equal(created.volume.capacityBytes, 2 ** 50, "int64 survives the wire");

    assert.equal(get("CreateVolume parallel a").code, Status.OK);
    assert.equal(get("CreateVolume parallel b").code, Status.OK);
    assert.deepEqual(get("DeleteVolume"), {
      call: "DeleteVolume",
      code: Status.NOT_FOUND,
      details: 'Volume "missing" not found',
    });
    assert.equal(get("ListVolumes").code, Status.UNIMPLEMENTED);
    assert.equal(get("GroupControllerGetCapabilities").code, Status.UNIMPLEMENTED);
    assert.equal(get("ControllerExpandVolume").code, Status.DEADLINE_EXCEEDED);
    await waitFor(() => expandSawAbort, "the expand handler to see its signal aborted");

    const logged = JSON.stringify(records.map((r) => r.fields));
    assert.doesNotMatch(logged, /hunter2/, "secrets never reach the log");
    assert.match(logged, /\*\*\*stripped\*\*\*/);
  } finally {
    await server.stop({ timeoutMs: 2000 });
  }
  await assert.rejects(Deno.lstat(socketPath), Deno.errors.NotFound, "the socket is removed");
  await Deno.remove(dir, { recursive: true });
}

Deno.test({
  name: "serveCsi() fails with UnavailableError when the socket cannot be listened on",
  ignore: !CAN_CONNECT,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "directpv-csi-wire-" });
    try {
      await assert.rejects(
        serveCsi({
          endpoint: join(dir, "missing", "csi.sock"),
          logger: captureLogger().logger,
          identity: identityHandlers({
            version: "v0",
            controllerService: false,
            readiness: () => Promise.resolve(READY),
          }),
          removeStaleSocket: removeIfExists,
        }),
        (err) => err instanceof UnavailableError && /Cannot listen on CSI socket/.test(err.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
