/** The Namespace, ServiceAccount and RBAC objects (reference §5). */
import { GROUP, RESOURCES } from "../types/mod.ts";
import type { InstallArgs } from "./args.ts";
import {
  AUTOUPDATE_ANNOTATION,
  defaultLabels,
  FOREGROUND_DELETION,
  IDENTITY,
  NAMESPACE,
  POD_SECURITY_ENFORCE_LABEL,
} from "./common.ts";
import type {
  ClusterRole,
  Namespace,
  PolicyRule,
  RoleBinding,
  ServiceAccount,
} from "./k8s_objects.ts";

const RBAC_API = "rbac.authorization.k8s.io";
const SNAPSHOT_API = "snapshot.storage.k8s.io";

/** Whether the namespace gets the pod-security `enforce: privileged` label (k8s > 1.24). */
export function needsPodSecurityLabel(args: Pick<InstallArgs, "kubeVersion">): boolean {
  return args.kubeVersion.major === 1 && args.kubeVersion.minor > 24;
}

/** Namespace `directpv`, with the pod-security label on Kubernetes newer than 1.24. */
export function namespaceObject(args: Pick<InstallArgs, "kubeVersion">): Namespace {
  const labels = defaultLabels();
  if (needsPodSecurityLabel(args)) labels[POD_SECURITY_ENFORCE_LABEL] = "privileged";
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NAMESPACE, labels, finalizers: [FOREGROUND_DELETION] },
  };
}

/** ServiceAccount `directpv-min-io` in namespace `directpv`. */
export function serviceAccountObject(): ServiceAccount {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: IDENTITY, namespace: NAMESPACE, labels: defaultLabels() },
  };
}

function rule(apiGroup: string, resources: string[], verbs: readonly string[]): PolicyRule {
  return { apiGroups: [apiGroup], resources, verbs: [...verbs] };
}

const LEASE_VERBS = ["create", "delete", "get", "list", "update", "watch"];
const READ_VERBS = ["get", "list", "watch"];
const ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

/** The ClusterRole rules, in DirectPV's order. */
export function clusterRoleRules(): PolicyRule[] {
  return [
    rule("", ["persistentvolumes"], ["create", "delete", "get", "list", "patch", "watch"]),
    rule("", ["persistentvolumeclaims/status"], ["patch"]),
    rule("policy", ["podsecuritypolicies"], ["use"]),
    rule("", ["persistentvolumeclaims"], ["get", "list", "update", "watch"]),
    rule("storage.k8s.io", ["storageclasses"], READ_VERBS),
    rule("", ["events"], ["create", "list", "patch", "update", "watch"]),
    rule("storage.k8s.io", ["csinodes"], READ_VERBS),
    rule("", ["nodes"], READ_VERBS),
    rule("storage.k8s.io", ["volumeattachments"], READ_VERBS),
    rule("", ["endpoints"], ["create", "delete", "get", "list", "update", "watch"]),
    rule("coordination.k8s.io", ["leases"], LEASE_VERBS),
    rule("apiextensions.k8s.io", ["customresourcedefinitions"], ALL_VERBS),
    // patch: every read-mutate-write of ours is a merge patch guarded by resourceVersion.
    rule(GROUP, [
      RESOURCES.drive,
      RESOURCES.volume,
      RESOURCES.node,
      RESOURCES.initRequest,
      RESOURCES.snapshot,
    ], [
      "create",
      "delete",
      "get",
      "list",
      "patch",
      "update",
      "watch",
    ]),
    rule("", ["pods"], READ_VERBS),
    rule("", ["secrets"], READ_VERBS),
    // Capacity tracking: csi-provisioner writes CSIStorageCapacity and walks pod → ReplicaSet
    // to find the Deployment that owns them.
    rule("storage.k8s.io", ["csistoragecapacities"], ALL_VERBS),
    rule("apps", ["replicasets"], ["get"]),
    // Snapshots: csi-snapshotter binds VolumeSnapshotContents to our snapshots, and
    // csi-provisioner reads VolumeSnapshots to restore from them.
    rule(SNAPSHOT_API, ["volumesnapshotclasses", "volumesnapshots"], READ_VERBS),
    rule(SNAPSHOT_API, ["volumesnapshotcontents"], ["get", "list", "patch", "update", "watch"]),
    rule(SNAPSHOT_API, ["volumesnapshotcontents/status"], ["patch", "update"]),
  ];
}

function rbacMeta(options: { namespaced: boolean }) {
  const namespaced = options.namespaced;
  return {
    name: IDENTITY,
    ...(namespaced ? { namespace: NAMESPACE } : {}),
    labels: defaultLabels(),
    annotations: { [AUTOUPDATE_ANNOTATION]: "true" },
  };
}

function binding(kind: "ClusterRoleBinding" | "RoleBinding"): RoleBinding {
  return {
    apiVersion: `${RBAC_API}/v1`,
    kind,
    metadata: rbacMeta({ namespaced: kind === "RoleBinding" }),
    subjects: [{ kind: "ServiceAccount", name: IDENTITY, namespace: NAMESPACE }],
    roleRef: {
      apiGroup: RBAC_API,
      kind: kind === "RoleBinding" ? "Role" : "ClusterRole",
      name: IDENTITY,
    },
  };
}

/** ServiceAccount, ClusterRole, ClusterRoleBinding, Role (leader-election leases), RoleBinding. */
export function rbacObjects(): Array<ServiceAccount | ClusterRole | RoleBinding> {
  const clusterRole: ClusterRole = {
    apiVersion: `${RBAC_API}/v1`,
    kind: "ClusterRole",
    metadata: rbacMeta({ namespaced: false }),
    rules: clusterRoleRules(),
  };
  const role: ClusterRole = {
    apiVersion: `${RBAC_API}/v1`,
    kind: "Role",
    metadata: rbacMeta({ namespaced: true }),
    rules: [rule("coordination.k8s.io", ["leases"], LEASE_VERBS)],
  };
  return [
    serviceAccountObject(),
    clusterRole,
    binding("ClusterRoleBinding"),
    role,
    binding("RoleBinding"),
  ];
}
