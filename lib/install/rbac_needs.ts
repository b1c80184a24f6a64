/**
 * Why the ServiceAccount holds each permission: one entry per component and the API calls
 * it makes, so the ClusterRole is the union of what the installed components need and
 * nothing else. The containers of the controller Deployment (csi-provisioner, csi-resizer,
 * controller) and of the node-server DaemonSet (node server, node-driver-registrar) share
 * the account; the CLI runs with the user's own credentials and needs none of this.
 */
import { GROUP, RESOURCES } from "../types/mod.ts";
import { type InstallArgs, tracksCapacity } from "./args.ts";

/** What decides which needs apply. */
export type RbacArgs = Pick<
  InstallArgs,
  "capacityTracking" | "kubeVersion" | "retireDeletedNodes"
>;

/** One component's use of one resource. */
export interface RbacNeed {
  apiGroup: string;
  resources: readonly string[];
  verbs: readonly string[];
  /** The component making the calls. */
  who:
    | "csi-provisioner"
    | "csi-resizer"
    | "csi-snapshotter"
    | "controller"
    | "node-server"
    | "pods";
  /** The calls, in words. */
  why: string;
  /** Only with these install arguments (always when absent). */
  when?: (args: RbacArgs) => boolean;
}

const OURS = [
  RESOURCES.drive,
  RESOURCES.volume,
  RESOURCES.node,
  RESOURCES.initRequest,
  RESOURCES.snapshot,
];
const SNAPSHOT_API = "snapshot.storage.k8s.io";
const READ = ["get", "list", "watch"];

const retiring = (args: RbacArgs) => args.retireDeletedNodes;
const capacity = (args: RbacArgs) => tracksCapacity(args);
/** PodSecurityPolicy was removed in Kubernetes 1.25. */
const podSecurityPolicies = (args: RbacArgs) =>
  args.kubeVersion.major === 1 && args.kubeVersion.minor < 25;

/** Every need, in the order the ClusterRole lists their resources. */
export const RBAC_NEEDS: readonly RbacNeed[] = [
  {
    apiGroup: "",
    resources: ["persistentvolumes"],
    verbs: ["create", "delete", "get", "list", "patch", "watch"],
    who: "csi-provisioner",
    why: "watches PVs, creates one per provisioned claim, patches its finalizers, deletes " +
      "released ones",
  },
  {
    apiGroup: "",
    resources: ["persistentvolumes"],
    verbs: ["get", "list", "patch", "watch"],
    who: "csi-resizer",
    why: "watches PVs and patches the new capacity into the PV of an expanded claim",
  },
  {
    apiGroup: "",
    resources: ["persistentvolumes"],
    verbs: ["delete", "get", "patch"],
    who: "controller",
    why: "--retire-deleted-nodes: removeNode clears the finalizers of a lost node's PVs and " +
      "deletes them",
    when: retiring,
  },
  {
    apiGroup: "",
    resources: ["persistentvolumeclaims/status"],
    verbs: ["patch"],
    who: "csi-resizer",
    why: "records the expanded capacity and resize conditions in the claim's status",
  },
  {
    apiGroup: "policy",
    resources: ["podsecuritypolicies"],
    verbs: ["use"],
    who: "pods",
    why: "the privileged controller and node-server pods are admitted by a PodSecurityPolicy " +
      "on Kubernetes before 1.25 (the namespace's pod-security label does it later)",
    when: podSecurityPolicies,
  },
  {
    apiGroup: "",
    resources: ["persistentvolumeclaims"],
    verbs: ["get", "list", "update", "watch"],
    who: "csi-provisioner",
    why: "watches claims; update removes volume.kubernetes.io/selected-node after a " +
      "RESOURCE_EXHAUSTED CreateVolume, so the scheduler picks another node",
  },
  {
    apiGroup: "",
    resources: ["persistentvolumeclaims"],
    verbs: ["get", "list", "watch"],
    who: "csi-resizer",
    why: "watches claims for a larger request",
  },
  {
    apiGroup: "",
    resources: ["persistentvolumeclaims"],
    verbs: ["delete", "get", "patch"],
    who: "controller",
    why: "--retire-deleted-nodes: removeNode deletes the claims of a lost node's volumes " +
      "(finalizers cleared first) so their StatefulSets recreate them elsewhere",
    when: retiring,
  },
  {
    apiGroup: "storage.k8s.io",
    resources: ["storageclasses"],
    verbs: READ,
    who: "csi-provisioner",
    why: "reads the claim's class: parameters, binding mode, reclaim policy",
  },
  {
    apiGroup: "",
    resources: ["events"],
    verbs: ["create", "patch", "update"],
    who: "csi-provisioner",
    why: "client-go's event recorder creates events and patches their count (all sidecars)",
  },
  {
    apiGroup: "",
    resources: ["events"],
    verbs: ["create"],
    who: "controller",
    why: "EventRecorder records VolumeProvisioned, VolumeAdded and the node server's events",
  },
  {
    apiGroup: "storage.k8s.io",
    resources: ["csinodes"],
    verbs: READ,
    who: "csi-provisioner",
    why: "topology: the nodes' topology keys the driver registered",
  },
  {
    apiGroup: "",
    resources: ["nodes"],
    verbs: READ,
    who: "csi-provisioner",
    why: "topology: the labels of the selected node and of every node for --strict-topology",
  },
  {
    apiGroup: "",
    resources: ["nodes"],
    verbs: READ,
    who: "controller",
    why: "--retire-deleted-nodes: the node retirer watches Nodes for deletions",
    when: retiring,
  },
  {
    apiGroup: GROUP,
    resources: OURS,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    who: "node-server",
    why: "the driver's own objects: node servers create and update drives and nodes, the " +
      "controller reserves capacity (patch guarded by resourceVersion) and writes volumes",
  },
  {
    apiGroup: "",
    resources: ["pods"],
    verbs: ["get"],
    who: "node-server",
    why: "NodePublishVolume reads the pod's labels for the volume (podinfo on mount)",
  },
  {
    apiGroup: "",
    resources: ["pods"],
    verbs: ["get", "list", "watch"],
    who: "csi-resizer",
    why: "finds the pods using a claim whose expansion failed because it is in use",
  },
  {
    apiGroup: "",
    resources: ["pods"],
    verbs: ["delete", "list"],
    who: "controller",
    why: "--retire-deleted-nodes: removeNode deletes the lost node's pods of the deleted claims",
    when: retiring,
  },
  {
    apiGroup: "storage.k8s.io",
    resources: ["csistoragecapacities"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    who: "csi-provisioner",
    why: "--enable-capacity: publishes a CSIStorageCapacity per node and class",
    when: capacity,
  },
  {
    apiGroup: "apps",
    resources: ["replicasets"],
    verbs: ["get"],
    who: "csi-provisioner",
    why: "--capacity-ownerref-level=2: walks pod → ReplicaSet to the owning Deployment",
    when: capacity,
  },
  {
    apiGroup: SNAPSHOT_API,
    resources: ["volumesnapshotclasses"],
    verbs: READ,
    who: "csi-snapshotter",
    why: "reads the class of each VolumeSnapshotContent for its parameters",
  },
  {
    apiGroup: SNAPSHOT_API,
    resources: ["volumesnapshotcontents"],
    verbs: ["get", "list", "patch", "update", "watch"],
    who: "csi-snapshotter",
    why: "watches VolumeSnapshotContents and records the snapshot handle and its finalizers",
  },
  {
    apiGroup: SNAPSHOT_API,
    resources: ["volumesnapshotcontents/status"],
    verbs: ["patch", "update"],
    who: "csi-snapshotter",
    why: "writes readyToUse, size and the creation time of a taken snapshot",
  },
  {
    apiGroup: SNAPSHOT_API,
    resources: ["volumesnapshots"],
    verbs: READ,
    who: "csi-provisioner",
    why: "restores a claim whose dataSource is a VolumeSnapshot",
  },
  {
    apiGroup: SNAPSHOT_API,
    resources: ["volumesnapshotcontents"],
    verbs: ["get"],
    who: "csi-provisioner",
    why: "reads the snapshot handle of the VolumeSnapshot a claim restores from",
  },
];

/** The needs that apply to an install with `args`. */
export function applicableNeeds(args: RbacArgs): RbacNeed[] {
  return RBAC_NEEDS.filter((n) => n.when?.(args) ?? true);
}
