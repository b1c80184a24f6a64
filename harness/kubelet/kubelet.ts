/**
 * What kubelet does for a CSI driver, replayed without kubelet: node registration from the node
 * server's own NodeGetInfo (Node labels, node-id annotation, CSINode), and the NodeStage /
 * NodePublish / NodeUnpublish / NodeUnstage / NodeExpand calls with kubelet's path layout and
 * pod information.
 */
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { AlreadyExistsError, NotFoundError } from "../../lib/errors/mod.ts";
import {
  NodeExpandVolumeRequest,
  NodeGetInfoRequest,
  NodePublishVolumeRequest,
  NodeStageVolumeRequest,
  NodeUnpublishVolumeRequest,
  NodeUnstageVolumeRequest,
  VolumeCapability_AccessMode_Mode,
} from "../../proto/mod.ts";
import { waitFor } from "../lib/mod.ts";
import { connectCsi, CsiCallError, type CsiClients, unary } from "./csi_client.ts";

/** gRPC UNAVAILABLE: the socket file is there but nothing accepts on it yet. */
const UNAVAILABLE = 14;

export const DRIVER = "directpv-min-io";

async function createOrReplace(
  client: KubeClient["coreNodes"],
  object: AnyObject,
): Promise<AnyObject> {
  try {
    return await client.create(object);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    const current = await client.get(object.metadata.name ?? "");
    const metadata = { ...current.metadata, ...object.metadata };
    if (current.metadata.resourceVersion) {
      metadata.resourceVersion = current.metadata.resourceVersion;
    }
    return await client.update({ ...object, metadata });
  }
}

/** Registers a simulated node the way kubelet's CSI plugin registration does. */
export async function registerNode(kube: KubeClient, endpoint: string): Promise<string> {
  const csi = connectCsi(endpoint);
  try {
    // Like kubelet's plugin watcher, keep asking while the server is still coming up: its
    // socket file appears at bind(), a moment before it accepts connections.
    const info = await waitFor(
      () =>
        unary(
          "NodeGetInfo",
          csi.node.nodeGetInfo.bind(csi.node),
          NodeGetInfoRequest.fromPartial({}),
        ),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        description: `NodeGetInfo on ${endpoint}`,
        fatal: (err) => !(err instanceof CsiCallError && err.code === UNAVAILABLE),
      },
    );
    const segments = info.accessibleTopology?.segments ?? {};
    const nodeName = info.nodeId;
    const node = await createOrReplace(kube.coreNodes, {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: nodeName,
        labels: { "kubernetes.io/hostname": nodeName, "kubernetes.io/os": "linux", ...segments },
        annotations: { "csi.volume.kubernetes.io/nodeid": JSON.stringify({ [DRIVER]: nodeName }) },
      },
      spec: {},
    });
    await createOrReplace(kube.csiNodes, {
      apiVersion: "storage.k8s.io/v1",
      kind: "CSINode",
      metadata: {
        name: nodeName,
        ownerReferences: [{
          apiVersion: "v1",
          kind: "Node",
          name: nodeName,
          uid: node.metadata.uid ?? "",
        }],
      },
      spec: {
        drivers: [{
          name: DRIVER,
          nodeID: nodeName,
          topologyKeys: Object.keys(segments).sort(),
          ...(info.maxVolumesPerNode > 0 ? { allocatable: { count: info.maxVolumesPerNode } } : {}),
        }],
      },
    });
    return nodeName;
  } finally {
    csi.close();
  }
}

/** Removes a simulated node's CSINode and Node. */
export async function unregisterNode(kube: KubeClient, nodeName: string): Promise<void> {
  for (const client of [kube.csiNodes, kube.coreNodes]) {
    await client.delete(nodeName).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}

/** kubelet's paths for one volume of one pod. */
export interface VolumePaths {
  staging: string;
  target: string;
}

/** The staging and target paths kubelet would use. */
export async function volumePaths(
  kubeletDir: string,
  volumeHandle: string,
  podUid: string,
  pvName: string,
): Promise<VolumePaths> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(volumeHandle)),
  );
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    staging: join(kubeletDir, "plugins/kubernetes.io/csi", DRIVER, hex, "globalmount"),
    target: join(kubeletDir, "pods", podUid, "volumes/kubernetes.io~csi", pvName, "mount"),
  };
}

const MOUNT_CAPABILITY = {
  mount: { fsType: "xfs", mountFlags: [] },
  accessMode: { mode: VolumeCapability_AccessMode_Mode.SINGLE_NODE_WRITER },
};

/** One pod using one PV on a simulated node. */
export interface PodVolume {
  endpoint: string;
  kubeletDir: string;
  pv: AnyObject;
  pod: AnyObject;
  readOnly?: boolean;
}

/**
 * A pod `pod-<volume>` (uid `uid-<volume>`) using the PV `<volume>` of `driver` whose volume
 * handle is the volume's name, as a pod on a simulated node (no objects are created).
 */
export function podVolumeOf(
  options: { endpoint: string; kubeletDir: string; driver: string; volume: string },
): PodVolume {
  const { volume } = options;
  return {
    endpoint: options.endpoint,
    kubeletDir: options.kubeletDir,
    pv: {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: volume },
      spec: { csi: { driver: options.driver, volumeHandle: volume } },
    },
    pod: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `pod-${volume}`, namespace: "default", uid: `uid-${volume}` },
    },
  };
}

function podUidOf(use: PodVolume): string {
  return use.pod.metadata.uid ?? use.pod.metadata.name ?? "pod";
}

/** Runs `fn` with the volume's handle, kubelet paths and a node client, then closes it. */
async function withVolume<T>(
  use: PodVolume,
  fn: (handle: string, paths: VolumePaths, csi: CsiClients) => Promise<T>,
): Promise<T> {
  const handle: string = use.pv.spec.csi.volumeHandle;
  const paths = await volumePaths(
    use.kubeletDir,
    handle,
    podUidOf(use),
    use.pv.metadata.name ?? "",
  );
  const csi = connectCsi(use.endpoint);
  try {
    return await fn(handle, paths, csi);
  } finally {
    csi.close();
  }
}

/** Stages and publishes a PV for a pod; returns the published target path. */
export async function mountPodVolume(use: PodVolume): Promise<VolumePaths> {
  const context: Record<string, string> = use.pv.spec.csi.volumeAttributes ?? {};
  return await withVolume(use, async (handle, paths, csi) => {
    await Deno.mkdir(paths.staging, { recursive: true });
    await unary(
      "NodeStageVolume",
      csi.node.nodeStageVolume.bind(csi.node),
      NodeStageVolumeRequest.fromPartial({
        volumeId: handle,
        stagingTargetPath: paths.staging,
        volumeCapability: MOUNT_CAPABILITY,
        volumeContext: context,
      }),
    );
    await Deno.mkdir(join(paths.target, ".."), { recursive: true });
    await unary(
      "NodePublishVolume",
      csi.node.nodePublishVolume.bind(csi.node),
      NodePublishVolumeRequest.fromPartial({
        volumeId: handle,
        stagingTargetPath: paths.staging,
        targetPath: paths.target,
        volumeCapability: MOUNT_CAPABILITY,
        readonly: use.readOnly ?? false,
        volumeContext: {
          ...context,
          "csi.storage.k8s.io/pod.name": use.pod.metadata.name,
          "csi.storage.k8s.io/pod.namespace": use.pod.metadata.namespace ?? "default",
          "csi.storage.k8s.io/pod.uid": use.pod.metadata.uid,
          "csi.storage.k8s.io/serviceAccount.name": use.pod.spec?.serviceAccountName ?? "default",
          "csi.storage.k8s.io/ephemeral": "false",
        },
      }),
    );
    return paths;
  });
}

/** Unpublishes and unstages a PV for a pod. */
export async function unmountPodVolume(use: PodVolume): Promise<void> {
  return await withVolume(use, async (handle, paths, csi) => {
    await unary(
      "NodeUnpublishVolume",
      csi.node.nodeUnpublishVolume.bind(csi.node),
      NodeUnpublishVolumeRequest.fromPartial({
        volumeId: handle,
        targetPath: paths.target,
      }),
    );
    await unary(
      "NodeUnstageVolume",
      csi.node.nodeUnstageVolume.bind(csi.node),
      NodeUnstageVolumeRequest.fromPartial({
        volumeId: handle,
        stagingTargetPath: paths.staging,
      }),
    );
  });
}

/** Replays kubelet's node half of an online expansion. */
export async function expandPodVolume(use: PodVolume, requiredBytes: number): Promise<number> {
  return await withVolume(use, async (handle, paths, csi) => {
    const res = await unary(
      "NodeExpandVolume",
      csi.node.nodeExpandVolume.bind(csi.node),
      NodeExpandVolumeRequest.fromPartial({
        volumeId: handle,
        volumePath: paths.target,
        stagingTargetPath: paths.staging,
        capacityRange: { requiredBytes },
        volumeCapability: MOUNT_CAPABILITY,
      }),
    );
    return res.capacityBytes;
  });
}
