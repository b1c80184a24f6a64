/**
 * Workloads placed by the real kube-scheduler on simulated nodes: node status the scheduler
 * accepts (the nodes have no kubelet to report it), claims and pods left for it to place,
 * and the figures scenarios report (CreateVolume failures, time to a bound claim).
 */
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { waitFor } from "../lib/mod.ts";
import { claimObject } from "./workload.ts";

/** What a scenario with the real kube-scheduler needs (its `testGate` prerequisites). */
export const SCHEDULER_SCENARIO_NEEDS = {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl"],
  tools: [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "csi-provisioner",
    "csi-resizer",
  ],
};

/** What a simulated node reports: Ready or not, and its allocatable CPU. */
export interface NodeReport {
  ready: boolean;
  /** Allocatable CPU cores; the scheduler's least-allocated score prefers more. Default 4. */
  cpu?: number;
}

/**
 * Writes the status a kubelet would: the Ready condition and allocatable resources, so the
 * scheduler can place pods on the node (or, not Ready, refuses to).
 */
export async function reportNodeStatus(
  kube: KubeClient,
  name: string,
  report: NodeReport,
): Promise<void> {
  const node = await kube.coreNodes.get(name);
  const resources = { cpu: String(report.cpu ?? 4), memory: "64Gi", pods: "110" };
  const now = new Date().toISOString();
  node.status = {
    ...node.status,
    capacity: resources,
    allocatable: resources,
    conditions: [{
      type: "Ready",
      status: report.ready ? "True" : "False",
      reason: report.ready ? "KubeletReady" : "NodeStatusUnknown",
      message: report.ready ? "simulated node is ready" : "simulated node stopped reporting",
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    }],
  };
  await kube.coreNodes.updateStatus(node);
}

/** Creates a claim of the class with no node chosen: the scheduler chooses. */
export async function createClaim(
  kube: KubeClient,
  spec: { name: string; size: string; storageClass?: string; namespace?: string },
): Promise<AnyObject> {
  return await kube.persistentVolumeClaims.create(claimObject(spec), {
    namespace: spec.namespace ?? "default",
  });
}

/** How many times provisioning of the claim failed (the provisioner's events, summed). */
export async function provisioningFailures(
  kube: KubeClient,
  claim: string,
  namespace = "default",
): Promise<number> {
  const events = await kube.events.listAll({ namespace });
  return events
    .filter((e) =>
      e.involvedObject?.kind === "PersistentVolumeClaim" && e.involvedObject?.name === claim &&
      e.reason === "ProvisioningFailed"
    )
    .reduce((sum, e) => sum + (Number(e.count) || 1), 0);
}

/** The claim once Bound, or undefined when it is not within `timeoutMs`. */
export async function boundClaim(
  kube: KubeClient,
  claim: string,
  options: { timeoutMs: number; namespace?: string },
): Promise<AnyObject | undefined> {
  const namespace = options.namespace ?? "default";
  try {
    return await waitFor(async () => {
      const pvc = await kube.persistentVolumeClaims.get(claim, { namespace });
      return pvc.status?.phase === "Bound" ? pvc : undefined;
    }, { timeoutMs: options.timeoutMs, intervalMs: 200, description: `PVC "${claim}" Bound` });
  } catch {
    return undefined;
  }
}

/** The node the scheduler bound the pod to, waiting up to `timeoutMs`. */
export async function scheduledNode(
  kube: KubeClient,
  pod: string,
  options: { timeoutMs: number; namespace?: string },
): Promise<string> {
  const namespace = options.namespace ?? "default";
  return await waitFor(async () => {
    const p = await kube.pods.get(pod, { namespace });
    return typeof p.spec?.nodeName === "string" && p.spec.nodeName !== ""
      ? p.spec.nodeName as string
      : undefined;
  }, { timeoutMs: options.timeoutMs, intervalMs: 200, description: `pod "${pod}" scheduled` });
}
