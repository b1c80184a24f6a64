/** Request builders the CSI tests share: a valid request with the fields a case changes. */
import { LABELS } from "../../lib/types/mod.ts";
import type {
  CreateVolumeRequest,
  NodePublishVolumeRequest,
  NodeStageVolumeRequest,
} from "../../proto/mod.ts";
import { GiB, mountCap, STAGING, TARGET } from "./fixtures_test.ts";

/** CreateVolume of a 1 GiB `pvc-1` preferring node-1. */
export function createReq(partial: Partial<CreateVolumeRequest> = {}): CreateVolumeRequest {
  return {
    name: "pvc-1",
    capacityRange: { requiredBytes: GiB, limitBytes: 0 },
    volumeCapabilities: [mountCap()],
    parameters: {},
    secrets: {},
    volumeContentSource: undefined,
    accessibilityRequirements: {
      requisite: [],
      preferred: [{ segments: { [LABELS.node]: "node-1" } }],
    },
    mutableParameters: {},
    ...partial,
  };
}

/** NodeStageVolume of `pvc-1` at {@linkcode STAGING}. */
export function stageReq(partial: Partial<NodeStageVolumeRequest> = {}): NodeStageVolumeRequest {
  return {
    volumeId: "pvc-1",
    publishContext: {},
    stagingTargetPath: STAGING,
    volumeCapability: mountCap(),
    secrets: {},
    volumeContext: {},
    ...partial,
  };
}

/** NodePublishVolume of `pvc-1` from {@linkcode STAGING} on {@linkcode TARGET}. */
export function publishReq(
  partial: Partial<NodePublishVolumeRequest> = {},
): NodePublishVolumeRequest {
  return {
    volumeId: "pvc-1",
    publishContext: {},
    stagingTargetPath: STAGING,
    targetPath: TARGET,
    volumeCapability: mountCap(),
    readonly: false,
    secrets: {},
    volumeContext: {},
    ...partial,
  };
}

/** The write calls (`verb name`) a fake API server saw: a refused request makes none. */
export function writes(kube: { calls: readonly { verb: string; name?: string }[] }): string[] {
  const read = new Set(["get", "list", "watch"]);
  return kube.calls.filter((c) => !read.has(c.verb)).map((c) => `${c.verb} ${c.name ?? ""}`);
}
