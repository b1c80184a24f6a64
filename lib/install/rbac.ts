/** The Namespace, ServiceAccount and RBAC objects (reference §5). */
import type { InstallArgs } from "./args.ts";
import { applicableNeeds, type RbacArgs } from "./rbac_needs.ts";
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

/**
 * The ClusterRole rules: one per resource list the applicable needs name (in their order),
 * each with the union of those needs' verbs, sorted.
 */
export function clusterRoleRules(args: RbacArgs): PolicyRule[] {
  const rules = new Map<string, { apiGroup: string; resources: string[]; verbs: Set<string> }>();
  for (const need of applicableNeeds(args)) {
    const key = `${need.apiGroup}/${need.resources.join(",")}`;
    const rule = rules.get(key) ??
      { apiGroup: need.apiGroup, resources: [...need.resources], verbs: new Set<string>() };
    for (const verb of need.verbs) rule.verbs.add(verb);
    rules.set(key, rule);
  }
  return [...rules.values()].map((r) => rule(r.apiGroup, r.resources, [...r.verbs].sort()));
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

/**
 * ServiceAccount, ClusterRole, ClusterRoleBinding, and the Role (leases in our namespace:
 * the sidecars' leader election, the node servers' liveness leases) with its RoleBinding.
 */
export function rbacObjects(args: RbacArgs): Array<ServiceAccount | ClusterRole | RoleBinding> {
  const clusterRole: ClusterRole = {
    apiVersion: `${RBAC_API}/v1`,
    kind: "ClusterRole",
    metadata: rbacMeta({ namespaced: false }),
    rules: clusterRoleRules(args),
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
