/**
 * The snapshot controller of the external-snapshotter project, for clusters without one: it
 * turns a VolumeSnapshot into a VolumeSnapshotContent that our csi-snapshotter sidecar then
 * takes, and restores claims from them. Install applies it, with the VolumeSnapshot CRDs,
 * only when the cluster has neither (see `snapshotController` in {@linkcode InstallArgs}).
 * It runs under a ServiceAccount of its own, so its permissions are not mixed with ours.
 */
import type { InstallArgs } from "./args.ts";
import { sidecarImage } from "./args.ts";
import { defaultLabels, LOG_LEVEL, NAMESPACE, SELECTOR_KEY } from "./common.ts";
import type {
  ClusterRole,
  Deployment,
  PolicyRule,
  RoleBinding,
  ServiceAccount,
} from "./k8s_objects.ts";
import { SNAPSHOT_GROUP } from "./snapshot_crds.ts";

/** Name of the Deployment, its ServiceAccount and its namespaced RBAC. */
export const SNAPSHOT_CONTROLLER = "snapshot-controller";
/**
 * Name of its cluster-scoped RBAC: prefixed, so a snapshot controller installed by other
 * means (whose ClusterRole is usually `snapshot-controller-runner`) is never overwritten.
 */
export const SNAPSHOT_CONTROLLER_CLUSTER_ROLE = "directpv-snapshot-controller";
/** Two replicas with leader election: snapshots go on while one pod is rescheduled. */
const REPLICAS = 2;

const RBAC_API = "rbac.authorization.k8s.io";

function rule(apiGroup: string, resources: string[], verbs: string[]): PolicyRule {
  return { apiGroups: [apiGroup], resources, verbs };
}

/**
 * What the v8 snapshot controller does with each resource (volume group snapshots are off by
 * default in v8 and not enabled here, so their resources are not granted).
 */
export function snapshotControllerRules(): PolicyRule[] {
  return [
    // Reads the source claim's volume to find its driver and handle.
    rule("", ["persistentvolumes"], ["get", "list", "watch"]),
    // Puts and removes the finalizer that keeps a claim while a snapshot is taken from it.
    rule("", ["persistentvolumeclaims"], ["get", "list", "update", "watch"]),
    // Reports progress and failures on the snapshots.
    rule("", ["events"], ["create", "list", "patch", "update", "watch"]),
    // Finds the class a snapshot names, or the default class of its driver.
    rule(SNAPSHOT_GROUP, ["volumesnapshotclasses"], ["get", "list", "watch"]),
    // Creates the content of a dynamic snapshot, binds, and deletes it by deletion policy.
    rule(SNAPSHOT_GROUP, ["volumesnapshotcontents"], [
      "create",
      "delete",
      "get",
      "list",
      "patch",
      "update",
      "watch",
    ]),
    rule(SNAPSHOT_GROUP, ["volumesnapshotcontents/status"], ["patch"]),
    // Binds snapshots to their contents and keeps their finalizers.
    rule(SNAPSHOT_GROUP, ["volumesnapshots"], ["get", "list", "patch", "update", "watch"]),
    rule(SNAPSHOT_GROUP, ["volumesnapshots/status"], ["patch", "update"]),
  ];
}

/** Metadata of an object in namespace `directpv`. */
function namespacedMeta(name: string) {
  return { name, namespace: NAMESPACE, labels: defaultLabels() };
}

/** Metadata of a cluster-scoped object. */
function clusterMeta(name: string) {
  return { name, labels: defaultLabels() };
}

function binding(kind: "ClusterRoleBinding" | "RoleBinding"): RoleBinding {
  const namespaced = kind === "RoleBinding";
  const role = namespaced ? SNAPSHOT_CONTROLLER : SNAPSHOT_CONTROLLER_CLUSTER_ROLE;
  return {
    apiVersion: `${RBAC_API}/v1`,
    kind,
    metadata: namespaced ? namespacedMeta(role) : clusterMeta(role),
    subjects: [{ kind: "ServiceAccount", name: SNAPSHOT_CONTROLLER, namespace: NAMESPACE }],
    roleRef: { apiGroup: RBAC_API, kind: namespaced ? "Role" : "ClusterRole", name: role },
  };
}

/** ServiceAccount, ClusterRole and binding, and the leader-election Role and binding. */
export function snapshotControllerRbac(): Array<ServiceAccount | ClusterRole | RoleBinding> {
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: namespacedMeta(SNAPSHOT_CONTROLLER) },
    {
      apiVersion: `${RBAC_API}/v1`,
      kind: "ClusterRole",
      metadata: clusterMeta(SNAPSHOT_CONTROLLER_CLUSTER_ROLE),
      rules: snapshotControllerRules(),
    },
    binding("ClusterRoleBinding"),
    {
      apiVersion: `${RBAC_API}/v1`,
      kind: "Role",
      metadata: namespacedMeta(SNAPSHOT_CONTROLLER),
      rules: [
        rule("coordination.k8s.io", ["leases"], [
          "create",
          "delete",
          "get",
          "list",
          "update",
          "watch",
        ]),
      ],
    },
    binding("RoleBinding"),
  ];
}

/** The `snapshot-controller` Deployment: an unprivileged API client, nothing from the host. */
export function snapshotControllerDeployment(args: InstallArgs): Deployment {
  const selector = { [SELECTOR_KEY]: SNAPSHOT_CONTROLLER };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: namespacedMeta(SNAPSHOT_CONTROLLER),
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: selector },
      template: {
        metadata: { name: SNAPSHOT_CONTROLLER, namespace: NAMESPACE, labels: { ...selector } },
        spec: {
          serviceAccountName: SNAPSHOT_CONTROLLER,
          ...(args.imagePullSecrets.length > 0
            ? { imagePullSecrets: args.imagePullSecrets.map((secret) => ({ name: secret })) }
            : {}),
          containers: [{
            name: SNAPSHOT_CONTROLLER,
            image: sidecarImage(args, "snapshotController"),
            args: [`--v=${LOG_LEVEL}`, "--leader-election=true"],
            securityContext: {
              privileged: false,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [],
          }],
          volumes: [],
        },
      },
      strategy: { type: "Recreate" },
    },
  };
}
