/**
 * Volumes for node fault scenarios: one provisioned through csi-provisioner, mounted for a
 * pod through the kubelet replay, the marker written through the pod's path, and the checks
 * on what a node shows for it (mounts, the marker on its own drive directory).
 */
import { join } from "node:path";
import type { AnyObject } from "../../lib/k8s/mod.ts";
import { NodePublishVolumeRequest, VolumeCapability_AccessMode_Mode } from "../../proto/mod.ts";
import {
  connectCsi,
  DRIVER,
  mountPodVolume,
  type PodVolume,
  podVolumeOf,
  unary,
  type VolumePaths,
  volumePaths,
} from "../kubelet/mod.ts";
import { provisionClaim } from "../sandbox/workload.ts";
import type { SimNode } from "../sandbox/env.ts";
import { MARKER_FILE } from "./invariants.ts";
import type { Check } from "./matrix.ts";
import { mountCount } from "./node_host.ts";
import type { World } from "./world.ts";

/** A provisioned volume and the pod use of it on its node. */
export interface PodVolumeOnNode {
  name: string;
  use: PodVolume;
  paths: VolumePaths;
}

/** Provisions a claim on the node and returns its volume with kubelet's paths (not mounted). */
export async function provisionVolume(
  world: World,
  node: SimNode,
  claim: string,
): Promise<PodVolumeOnNode> {
  const { pv } = await provisionClaim(world.kube, { name: claim, size: "64Mi", node: node.name });
  const name: string = (pv as AnyObject).spec.csi.volumeHandle;
  const use = podVolumeOf({
    endpoint: `unix://${node.endpoint}`,
    kubeletDir: node.kubeletDir,
    driver: DRIVER,
    volume: name,
  });
  const paths = await volumePaths(node.kubeletDir, name, `uid-${name}`, name);
  return { name, use, paths };
}

/** Stages and publishes it for the pod (kubelet's calls) and writes the marker through it. */
export async function mountWithMarker(volume: PodVolumeOnNode): Promise<void> {
  await mountPodVolume(volume.use);
  await Deno.writeTextFile(join(volume.paths.target, MARKER_FILE), volume.name);
}

/** NodePublishVolume alone, as kubelet retries it once the volume is staged. */
export async function publishOnly(volume: PodVolumeOnNode): Promise<void> {
  const csi = connectCsi(volume.use.endpoint);
  const capability = {
    mount: { fsType: "xfs", mountFlags: [] },
    accessMode: { mode: VolumeCapability_AccessMode_Mode.SINGLE_NODE_WRITER },
  };
  try {
    const request = NodePublishVolumeRequest.fromPartial({
      volumeId: volume.name,
      stagingTargetPath: volume.paths.staging,
      targetPath: volume.paths.target,
      volumeCapability: capability,
    });
    await unary("NodePublishVolume", csi.node.nodePublishVolume.bind(csi.node), request);
  } finally {
    csi.close();
  }
}

/** Exactly one mount at the staging path and one at the target. */
export async function oneMountCheck(volume: PodVolumeOnNode): Promise<Check> {
  const staging = await mountCount(volume.paths.staging);
  const target = await mountCount(volume.paths.target);
  return {
    name: "exactly one mount at the staging path and at the target",
    ok: staging === 1 && target === 1,
    detail: `staging ${staging}, target ${target}`,
  };
}

/** The marker is in the volume's own directory on its drive (the data went where it belongs). */
export async function markerOnDriveCheck(
  world: World,
  node: SimNode,
  volume: PodVolumeOnNode,
): Promise<Check> {
  const fsuuid = (await world.kube.volumes.get(volume.name)).status.fsuuid;
  const path = join(node.appDir, "mnt", fsuuid, `.FSUUID.${fsuuid}`, volume.name, MARKER_FILE);
  const found = await Deno.readTextFile(path).catch((e) => `(${e})`);
  return {
    name: "the marker is in the volume's directory on its own drive",
    ok: found === volume.name,
    detail: found === volume.name ? path : `${path}: ${found}`,
  };
}

/** The volume records the paths it is staged and published at, and is Ready. */
export async function volumeRecordCheck(world: World, volume: PodVolumeOnNode): Promise<Check> {
  const v = await world.kube.volumes.get(volume.name);
  const ok = v.status.status === "Ready" && v.status.stagingTargetPath !== "" &&
    v.status.targetPath !== "";
  return {
    name: "the volume is Ready with its staging and target paths recorded",
    ok,
    detail:
      `${v.status.status}, staging "${v.status.stagingTargetPath}", target "${v.status.targetPath}"`,
  };
}
