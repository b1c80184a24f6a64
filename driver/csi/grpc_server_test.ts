import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import type * as grpc from "@grpc/grpc-js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { InvalidArgumentError, NotFoundError } from "../../lib/errors/mod.ts";
import { captureLogger } from "../../lib/log/testing.ts";
import {
  ControllerDefinition,
  CreateVolumeResponse,
  IdentityDefinition,
  NodeDefinition,
  NodeStageVolumeRequest,
  SnapshotMetadataDefinition,
} from "../../proto/mod.ts";
import { CallWrapper } from "./interceptor.ts";
import { grpcService, parseEndpoint } from "./grpc_server.ts";
import type { ControllerHandlers, NodeHandlers } from "./services.ts";
import { Status } from "./status.ts";

Deno.test("parseEndpoint() accepts unix URLs and plain paths", async (t) => {
  const cases: Array<[string, string]> = [
    ["unix:///csi/csi.sock", "/csi/csi.sock"],
    ["unix:/csi/csi.sock", "/csi/csi.sock"],
    ["UNIX:///csi/csi.sock", "/csi/csi.sock"],
    ["unix:csi.sock", "csi.sock"],
    [
      "/var/lib/kubelet/plugins/directpv-min-io/csi.sock",
      "/var/lib/kubelet/plugins/directpv-min-io/csi.sock",
    ],
    ["csi.sock", "csi.sock"],
  ];
  for (const [endpoint, path] of cases) {
    await t.step(endpoint, () => assert.equal(parseEndpoint(endpoint), path));
  }
});

Deno.test("parseEndpoint() rejects other schemes and empty endpoints", async (t) => {
  for (const endpoint of ["tcp://127.0.0.1:10000", "", "unix://"]) {
    await t.step(JSON.stringify(endpoint), () => {
      assert.throws(() => parseEndpoint(endpoint), InvalidArgumentError);
    });
  }
});

Deno.test("grpcService() defines every RPC with its CSI path", () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const identity = grpcService(calls, IdentityDefinition, {});
  assert.deepEqual(Object.values(identity.definition).map((m) => m.path), [
    "/csi.v1.Identity/GetPluginInfo",
    "/csi.v1.Identity/GetPluginCapabilities",
    "/csi.v1.Identity/Probe",
  ]);
  assert.equal(Object.keys(grpcService(calls, ControllerDefinition, {}).definition).length, 15);
  const node = grpcService(calls, NodeDefinition, {});
  assert.equal(node.definition.nodeStageVolume?.path, "/csi.v1.Node/NodeStageVolume");
  assert.equal(Object.keys(node.implementation).length, 8);
});

Deno.test("grpcService() leaves streaming RPCs unserved", () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const snapshots = grpcService(calls, SnapshotMetadataDefinition, {});
  assert.deepEqual(Object.keys(snapshots.definition), []);
  assert.deepEqual(Object.keys(snapshots.implementation), []);
});

Deno.test("grpcService() aborts the signal of a call cancelled before it started", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  let sawAbort = false;
  const node: NodeHandlers = {
    nodeGetInfo: (_req, ctx) => {
      sawAbort = ctx.signal.aborted;
      return Promise.resolve({});
    },
  };
  const call = new FakeCall({});
  call.cancelled = true;
  await callUnary(grpcService(calls, NodeDefinition, node).implementation, "nodeGetInfo", call);
  assert.ok(sawAbort);
});

Deno.test("grpcService() encodes partial replies with protobuf defaults", () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const { definition } = grpcService(calls, ControllerDefinition, {});
  const method = definition.createVolume as grpc.MethodDefinition<object, object>;
  const bytes = method.responseSerialize({ volume: { volumeId: "pvc-1", capacityBytes: 2 ** 40 } });
  assert.deepEqual(CreateVolumeResponse.decode(bytes), {
    volume: {
      volumeId: "pvc-1",
      capacityBytes: 2 ** 40,
      volumeContext: {},
      contentSource: undefined,
      accessibleTopology: [],
    },
  });
});

Deno.test("grpcService() decodes requests with protobuf defaults", () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const { definition } = grpcService(calls, NodeDefinition, {});
  const method = definition.nodeStageVolume as grpc.MethodDefinition<object, object>;
  const wire = NodeStageVolumeRequest.encode(
    NodeStageVolumeRequest.fromPartial({ volumeId: "pvc-1", secrets: { a: "b" } }),
  ).finish();
  assert.deepEqual(method.requestDeserialize(Buffer.from(wire)), {
    volumeId: "pvc-1",
    publishContext: {},
    stagingTargetPath: "",
    volumeCapability: undefined,
    secrets: { a: "b" },
    volumeContext: {},
  });
});

/** A stand-in for grpc-js's ServerUnaryCall: an emitter with a request. */
class FakeCall extends EventEmitter {
  cancelled = false;
  constructor(readonly request: object) {
    super();
  }
}

function callUnary(
  impl: grpc.UntypedServiceImplementation,
  key: string,
  call: FakeCall,
): Promise<{ err: grpc.ServerErrorResponse | null; value: unknown }> {
  return new Promise((resolve) => {
    const fn = impl[key] as grpc.handleUnaryCall<object, object>;
    fn(call as unknown as grpc.ServerUnaryCall<object, object>, (err, value) => {
      resolve({ err: err as grpc.ServerErrorResponse | null, value });
    });
  });
}

Deno.test("grpcService() calls handlers with the decoded request and replies with their result", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const node: NodeHandlers = {
    nodeGetInfo: () => Promise.resolve({ nodeId: "node-1" }),
    nodeStageVolume: () => Promise.reject(new NotFoundError('Volume "pvc-1" not found')),
  };
  const { implementation } = grpcService(calls, NodeDefinition, node);
  assert.deepEqual(await callUnary(implementation, "nodeGetInfo", new FakeCall({})), {
    err: null,
    value: { nodeId: "node-1" },
  });
  const staged = await callUnary(
    implementation,
    "nodeStageVolume",
    new FakeCall({ volumeId: "pvc-1" }),
  );
  assert.deepEqual(staged.err, { code: Status.NOT_FOUND, details: 'Volume "pvc-1" not found' });
  const missing = await callUnary(implementation, "nodeGetVolumeStats", new FakeCall({}));
  assert.equal(missing.err?.code, Status.UNIMPLEMENTED);
});

Deno.test("grpcService() keeps `this` for handlers written as class methods", async () => {
  class Controller implements ControllerHandlers {
    readonly #id = "cap";
    controllerGetCapabilities() {
      return Promise.resolve({ capabilities: [{ rpc: { type: this.#id.length } }] });
    }
  }
  const calls = new CallWrapper({ logger: captureLogger().logger });
  const { implementation } = grpcService(calls, ControllerDefinition, new Controller());
  const reply = await callUnary(implementation, "controllerGetCapabilities", new FakeCall({}));
  assert.deepEqual(reply.value, { capabilities: [{ rpc: { type: 3 } }] });
});

Deno.test("grpcService() aborts the handler's signal when the call is cancelled", async () => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  let aborted: unknown;
  const controller: ControllerHandlers = {
    controllerExpandVolume: (_req, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      }),
  };
  const { implementation } = grpcService(calls, ControllerDefinition, controller);
  const call = new FakeCall({ volumeId: "pvc-1" });
  const pending = callUnary(implementation, "controllerExpandVolume", call);
  call.emit("cancelled", "deadline");
  const { err } = await pending;
  assert.equal(err?.code, Status.DEADLINE_EXCEEDED);
  assert.match(String(aborted), /Call "ControllerExpandVolume" was cancelled or timed out/);
  assert.equal(calls.locks.size, 0);
  assert.equal(call.listenerCount("cancelled"), 0);
});

/** A CreateVolumeRequest whose required bytes are the 64-bit integer `required`. */
function createWithRequired(required: string): Buffer {
  const range = new BinaryWriter().uint32(8).int64(required).finish();
  return Buffer.from(
    new BinaryWriter().uint32(10).string("pvc-1").uint32(18).bytes(range).finish(),
  );
}

Deno.test("grpcService() answers undecodable requests OUT_OF_RANGE or INVALID_ARGUMENT", async (t) => {
  const calls = new CallWrapper({ logger: captureLogger().logger });
  let handled = 0;
  const controller: ControllerHandlers = {
    createVolume: () => {
      handled++;
      return Promise.resolve({});
    },
  };
  const { definition, implementation } = grpcService(calls, ControllerDefinition, controller);
  const method = definition.createVolume as grpc.MethodDefinition<object, object>;
  const cases: Array<[string, Buffer, Status, RegExp]> = [
    ["2^53+1", createWithRequired("9007199254740993"), Status.OUT_OF_RANGE, /out of range/],
    ["2^63-1", createWithRequired("9223372036854775807"), Status.OUT_OF_RANGE, /out of range/],
    ["-2^63", createWithRequired("-9223372036854775808"), Status.OUT_OF_RANGE, /out of range/],
    ["truncated", Buffer.from([0x0a, 0x05, 0x61]), Status.INVALID_ARGUMENT, /cannot be decoded/],
  ];
  for (const [name, bytes, code, details] of cases) {
    await t.step(name, async () => {
      const request = method.requestDeserialize(bytes);
      const { err } = await callUnary(implementation, "createVolume", new FakeCall(request));
      assert.equal(err?.code, code);
      assert.match(err?.details ?? "", details);
      assert.match(err?.details ?? "", /^Invalid CreateVolume request/);
    });
  }
  assert.equal(handled, 0);
  const fine = method.requestDeserialize(createWithRequired("9007199254740991"));
  assert.equal(
    (fine as { capacityRange?: { requiredBytes: number } }).capacityRange?.requiredBytes,
    2 ** 53 - 1,
  );
});
