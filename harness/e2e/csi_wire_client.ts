/**
 * A separate-process CSI client for `csi_wire_test.ts`: calls the server on the unix socket
 * given as the first argument and prints one JSON line per call
 * (`{"call", "code", "details", "value"}`).
 *
 *   deno run --allow-net --allow-read --allow-write=/tmp/x.sock --allow-env \
 *     harness/e2e/csi_wire_client.ts /tmp/x.sock
 */
import * as grpc from "@grpc/grpc-js";
import {
  ControllerClient,
  ControllerExpandVolumeRequest,
  CreateVolumeRequest,
  DeleteVolumeRequest,
  GroupControllerClient,
  IdentityClient,
  ListVolumesRequest,
  NodeClient,
} from "../../proto/mod.ts";

/** One call's outcome as printed. */
export interface WireResult {
  call: string;
  code: number;
  details?: string;
  value?: unknown;
}

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (err: grpc.ServiceError | null, value: Res) => void,
) => grpc.ClientUnaryCall;

function call<Req, Res>(
  name: string,
  fn: Unary<Req, Res>,
  request: Req,
  options: Partial<grpc.CallOptions> = {},
): Promise<WireResult> {
  return new Promise((resolve) => {
    fn(request, new grpc.Metadata(), options, (err, value) => {
      resolve(
        err ? { call: name, code: err.code, details: err.details } : { call: name, code: 0, value },
      );
    });
  });
}

function volume(name: string): CreateVolumeRequest {
  return CreateVolumeRequest.fromPartial({
    name,
    capacityRange: { requiredBytes: 2 ** 50 },
    secrets: { password: "hunter2" },
  });
}

async function main(socketPath: string): Promise<void> {
  const target = `unix:${socketPath}`;
  const creds = grpc.credentials.createInsecure();
  const identity = new IdentityClient(target, creds);
  const controller = new ControllerClient(target, creds);
  const node = new NodeClient(target, creds);
  const group = new GroupControllerClient(target, creds);
  const create = controller.createVolume.bind(controller);
  const out: WireResult[] = [
    await call("Probe", identity.probe.bind(identity), {}),
    await call("GetPluginInfo", identity.getPluginInfo.bind(identity), {}),
    await call("GetPluginCapabilities", identity.getPluginCapabilities.bind(identity), {}),
    await call("NodeGetInfo", node.nodeGetInfo.bind(node), {}),
    ...await Promise.all([
      call("CreateVolume lock 1", create, volume("pvc-lock")),
      call("CreateVolume lock 2", create, volume("pvc-lock")),
    ]),
    ...await Promise.all([
      call("CreateVolume parallel a", create, volume("par-a")),
      call("CreateVolume parallel b", create, volume("par-b")),
    ]),
    await call(
      "DeleteVolume",
      controller.deleteVolume.bind(controller),
      DeleteVolumeRequest.fromPartial({ volumeId: "missing" }),
    ),
    await call(
      "ListVolumes",
      controller.listVolumes.bind(controller),
      ListVolumesRequest.fromPartial({}),
    ),
    await call(
      "GroupControllerGetCapabilities",
      group.groupControllerGetCapabilities.bind(group),
      {},
    ),
    await call(
      "ControllerExpandVolume",
      controller.controllerExpandVolume.bind(controller),
      ControllerExpandVolumeRequest.fromPartial({ volumeId: "pvc-slow" }),
      { deadline: Date.now() + 300 },
    ),
  ];
  for (const result of out) console.log(JSON.stringify(result));
  for (const client of [identity, controller, node, group]) client.close();
}

if (import.meta.main) {
  const socketPath = Deno.args[0];
  if (!socketPath) {
    console.error("Usage: csi_wire_client.ts SOCKET");
    Deno.exit(2);
  }
  await main(socketPath);
}
