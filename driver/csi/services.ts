/**
 * Typed handler interfaces for the CSI services. The gRPC server registers plain objects
 * implementing these, so Identity, Controller and Node logic is testable without gRPC.
 *
 * A handler receives the decoded request and a {@linkcode CallContext}, and resolves to the
 * response, where every field may be left out (it then takes its protobuf default). It
 * reports failure by throwing a domain error from `lib/errors`; `status.ts` picks the gRPC
 * code. A Controller or Node method left out of the object answers UNIMPLEMENTED.
 *
 * The server serialises mutating calls per volume (see `interceptor.ts`), so a handler never
 * runs twice at once for the same volume.
 */
import type { Logger } from "../../lib/log/mod.ts";
import type * as csi from "../../proto/mod.ts";

/** What a handler gets besides its request. */
export interface CallContext {
  /** Aborted when the client cancels the call or its deadline passes. */
  readonly signal: AbortSignal;
  /** Logger carrying the method name (and the volume id, when there is one). */
  readonly logger: Logger;
}

/** A response in which any field may be omitted. */
export type Reply<T> = csi.DeepPartial<T>;

/** Identity service (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#identity-service-rpc). */
export interface IdentityHandlers {
  getPluginInfo(
    request: csi.GetPluginInfoRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.GetPluginInfoResponse>>;
  getPluginCapabilities(
    request: csi.GetPluginCapabilitiesRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.GetPluginCapabilitiesResponse>>;
  probe(request: csi.ProbeRequest, ctx: CallContext): Promise<Reply<csi.ProbeResponse>>;
}

/** Controller service (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#controller-service-rpc). */
export interface ControllerHandlers {
  createVolume?(
    request: csi.CreateVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.CreateVolumeResponse>>;
  deleteVolume?(
    request: csi.DeleteVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.DeleteVolumeResponse>>;
  controllerPublishVolume?(
    request: csi.ControllerPublishVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ControllerPublishVolumeResponse>>;
  controllerUnpublishVolume?(
    request: csi.ControllerUnpublishVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ControllerUnpublishVolumeResponse>>;
  validateVolumeCapabilities?(
    request: csi.ValidateVolumeCapabilitiesRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ValidateVolumeCapabilitiesResponse>>;
  listVolumes?(
    request: csi.ListVolumesRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ListVolumesResponse>>;
  getCapacity?(
    request: csi.GetCapacityRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.GetCapacityResponse>>;
  controllerGetCapabilities?(
    request: csi.ControllerGetCapabilitiesRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ControllerGetCapabilitiesResponse>>;
  createSnapshot?(
    request: csi.CreateSnapshotRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.CreateSnapshotResponse>>;
  deleteSnapshot?(
    request: csi.DeleteSnapshotRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.DeleteSnapshotResponse>>;
  listSnapshots?(
    request: csi.ListSnapshotsRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ListSnapshotsResponse>>;
  getSnapshot?(
    request: csi.GetSnapshotRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.GetSnapshotResponse>>;
  controllerExpandVolume?(
    request: csi.ControllerExpandVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ControllerExpandVolumeResponse>>;
  controllerGetVolume?(
    request: csi.ControllerGetVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ControllerGetVolumeResponse>>;
  controllerModifyVolume?(
    request: csi.ControllerModifyVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.ControllerModifyVolumeResponse>>;
}

/** Node service (https://github.com/container-storage-interface/spec/blob/v1.12.0/spec.md#node-service-rpc). */
export interface NodeHandlers {
  nodeStageVolume?(
    request: csi.NodeStageVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeStageVolumeResponse>>;
  nodeUnstageVolume?(
    request: csi.NodeUnstageVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeUnstageVolumeResponse>>;
  nodePublishVolume?(
    request: csi.NodePublishVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodePublishVolumeResponse>>;
  nodeUnpublishVolume?(
    request: csi.NodeUnpublishVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeUnpublishVolumeResponse>>;
  nodeGetVolumeStats?(
    request: csi.NodeGetVolumeStatsRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeGetVolumeStatsResponse>>;
  nodeExpandVolume?(
    request: csi.NodeExpandVolumeRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeExpandVolumeResponse>>;
  nodeGetCapabilities?(
    request: csi.NodeGetCapabilitiesRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeGetCapabilitiesResponse>>;
  nodeGetInfo?(
    request: csi.NodeGetInfoRequest,
    ctx: CallContext,
  ): Promise<Reply<csi.NodeGetInfoResponse>>;
}

/** Any unary handler, as the server sees it. */
export type AnyHandler = (request: object, ctx: CallContext) => Promise<unknown>;

/**
 * The handler shape a generated service definition implies: one optional method per RPC with
 * its request and response types. The server accepts the interfaces above only where they
 * are assignable to this, which keeps them in step with `csi.proto`.
 */
export type HandlersOf<M> = {
  [K in keyof M]?: M[K] extends {
    requestType: csi.MessageFns<infer Req>;
    responseType: csi.MessageFns<infer Res>;
  } ? (request: Req, ctx: CallContext) => Promise<Reply<Res>>
    : never;
};
