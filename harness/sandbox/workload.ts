/**
 * Workloads on the simulated cluster: a PVC provisioned the way the scheduler and
 * kube-controller-manager would drive it (WaitForFirstConsumer resolved by annotating the
 * selected node), a pod object, and its volume mounted through the kubelet replay.
 */
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { waitFor } from "../lib/mod.ts";
import { mountPodVolume, type VolumePaths } from "../kubelet/mod.ts";
import type { SimNode } from "./env.ts";

export interface ClaimSpec {
  name: string;
  namespace?: string;
  size: string;
  node: string;
  storageClass?: string;
}

/** A ReadWriteOnce filesystem claim of the class (directpv-min-io unless named). */
export function claimObject(
  spec: Omit<ClaimSpec, "node">,
  annotations: Record<string, string> = {},
): AnyObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: spec.name, namespace: spec.namespace ?? "default", annotations },
    spec: {
      accessModes: ["ReadWriteOnce"],
      volumeMode: "Filesystem",
      storageClassName: spec.storageClass ?? "directpv-min-io",
      resources: { requests: { storage: spec.size } },
    },
  };
}

/** Creates a PVC, selects its node like the scheduler, and waits until it is Bound. */
export async function provisionClaim(
  kube: KubeClient,
  spec: ClaimSpec,
): Promise<{ pvc: AnyObject; pv: AnyObject }> {
  const namespace = spec.namespace ?? "default";
  await kube.persistentVolumeClaims.create(
    claimObject(spec, { "volume.kubernetes.io/selected-node": spec.node }),
    { namespace },
  );
  const pvc = await waitFor(async () => {
    const claim = await kube.persistentVolumeClaims.get(spec.name, { namespace });
    return claim.status?.phase === "Bound" && claim.spec?.volumeName ? claim : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500, description: `PVC "${spec.name}" to be Bound` });
  const pv = await kube.persistentVolumes.get(pvc.spec.volumeName);
  return { pvc, pv };
}

/** Creates a pod that uses the claim, bound to `node` (without one, the scheduler places it). */
export async function createPod(
  kube: KubeClient,
  options: {
    name: string;
    namespace?: string;
    node?: string;
    claim: string;
    labels?: Record<string, string>;
  },
): Promise<AnyObject> {
  const namespace = options.namespace ?? "default";
  return await kube.pods.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: options.name, namespace, labels: options.labels ?? {} },
    spec: {
      ...(options.node ? { nodeName: options.node } : {}),
      containers: [{
        name: "app",
        image: "example.invalid/app:1",
        volumeMounts: [{ name: "data", mountPath: "/data" }],
      }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: options.claim } }],
    },
  }, { namespace });
}

/** Mounts the pod's volume on its node as kubelet would. */
export async function mountForPod(
  node: SimNode,
  pv: AnyObject,
  pod: AnyObject,
): Promise<VolumePaths> {
  return await mountPodVolume({
    endpoint: `unix://${node.endpoint}`,
    kubeletDir: node.kubeletDir,
    pv,
    pod,
  });
}
