/**
 * CSI spec v1.12.0 messages and services, generated from `csi.proto`, and the kubelet's plugin
 * registration API v1, generated from `pluginregistration.proto` (`deno task proto:gen`,
 * ts-proto). Messages are plain objects with camelCase fields; int64 fields are numbers;
 * each message has a same-named codec object (`encode`, `decode`, `create`, `fromPartial`).
 * `<Service>Definition` objects describe every RPC; `<Service>Client` are grpc-js clients.
 * May import: nothing in the repository except its own generated code.
 * @module
 */
export * from "./gen/csi.ts";
export {
  InfoRequest,
  PluginInfo,
  RegistrationClient,
  RegistrationDefinition,
  RegistrationStatus,
  RegistrationStatusResponse,
} from "./gen/pluginregistration.ts";

/** The CSI spec version `csi.proto` follows. */
export const CSI_SPEC_VERSION = "1.12.0";
