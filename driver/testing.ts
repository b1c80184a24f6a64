/**
 * Test support for suites outside the driver (harness/hostile, harness/bench): the CSI handlers,
 * the gRPC adapter, the fixtures of the CSI unit tests and the volume objects CreateVolume writes.
 */
export { controllerHandlers } from "./csi/controller.ts";
export { nodeHandlers } from "./csi/node.ts";
export { identityHandlers } from "./csi/identity.ts";
export { grpcService, serveCsi } from "./csi/grpc_server.ts";
export { CallWrapper } from "./csi/interceptor.ts";
export {
  controllerSetup,
  drive,
  FSUUID,
  GiB,
  mountCap,
  nodeSetup,
  STAGING,
  TARGET,
  volume,
} from "./csi/fixtures_test.ts";
export { publishReq, stageReq } from "./csi/requests_test.ts";
export { nodeUnpublishVolume } from "./csi/node_publish.ts";
export { nodeUnstageVolume } from "./csi/node_stage.ts";
export { mountsOfVolumeAt } from "./csi/node_mounts.ts";
export { newVolume } from "./csi/controller_volume.ts";
export type { NodeContext } from "./node_context.ts";
