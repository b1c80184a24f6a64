/** Where each kind lives in the API: group/version, plural, scope and status subresource. */
import { API_VERSION, KINDS, RESOURCES } from "../types/mod.ts";
import type { KubeClient, ResourceScope } from "./types.ts";

/** API coordinates of one kind. */
export interface KindInfo {
  apiVersion: string;
  kind: string;
  /** Lowercase plural resource name used in REST paths (`directpvdrives`, `pods`). */
  plural: string;
  namespaced: boolean;
  /** Whether `/status` is a separate subresource (updates to the main resource ignore status). */
  statusSubresource: boolean;
}

/** The typed resource properties of KubeClient. */
export type KubeClientResource = Exclude<keyof KubeClient, "resource" | "serverVersion">;

function info(
  apiVersion: string,
  kind: string,
  plural: string,
  flags: { namespaced?: boolean; status?: boolean } = {},
): KindInfo {
  return {
    apiVersion,
    kind,
    plural,
    namespaced: flags.namespaced ?? false,
    statusSubresource: flags.status ?? false,
  };
}

const NS = { namespaced: true };
const NS_STATUS = { namespaced: true, status: true };
const STATUS = { status: true };

/** Every kind KubeClient exposes by property. */
export const KNOWN_KINDS: Readonly<Record<KubeClientResource, KindInfo>> = {
  drives: info(API_VERSION, KINDS.drive, RESOURCES.drive),
  volumes: info(API_VERSION, KINDS.volume, RESOURCES.volume),
  nodes: info(API_VERSION, KINDS.node, RESOURCES.node),
  initRequests: info(API_VERSION, KINDS.initRequest, RESOURCES.initRequest),
  snapshots: info(API_VERSION, KINDS.snapshot, RESOURCES.snapshot),
  coreNodes: info("v1", "Node", "nodes", STATUS),
  csiNodes: info("storage.k8s.io/v1", "CSINode", "csinodes"),
  persistentVolumes: info("v1", "PersistentVolume", "persistentvolumes", STATUS),
  persistentVolumeClaims: info("v1", "PersistentVolumeClaim", "persistentvolumeclaims", NS_STATUS),
  pods: info("v1", "Pod", "pods", NS_STATUS),
  storageClasses: info("storage.k8s.io/v1", "StorageClass", "storageclasses"),
  csiDrivers: info("storage.k8s.io/v1", "CSIDriver", "csidrivers"),
  namespaces: info("v1", "Namespace", "namespaces", STATUS),
  serviceAccounts: info("v1", "ServiceAccount", "serviceaccounts", NS),
  clusterRoles: info("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles"),
  clusterRoleBindings: info(
    "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
  ),
  roles: info("rbac.authorization.k8s.io/v1", "Role", "roles", NS),
  roleBindings: info("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", NS),
  daemonSets: info("apps/v1", "DaemonSet", "daemonsets", NS_STATUS),
  deployments: info("apps/v1", "Deployment", "deployments", NS_STATUS),
  jobs: info("batch/v1", "Job", "jobs", NS_STATUS),
  customResourceDefinitions: info(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    STATUS,
  ),
  events: info("v1", "Event", "events", NS),
};

/** Kinds not exposed by property but used by DirectPV (core events, leases, legacy CRDs). */
const EXTRA_KINDS: KindInfo[] = [
  info("events.k8s.io/v1", "Event", "events", NS),
  info("coordination.k8s.io/v1", "Lease", "leases", NS),
  info("v1", "Secret", "secrets", NS),
  info("v1", "ConfigMap", "configmaps", NS),
  info("v1", "Service", "services", NS_STATUS),
  info("v1", "Endpoints", "endpoints", NS),
  info("storage.k8s.io/v1", "VolumeAttachment", "volumeattachments", STATUS),
  info(
    "admissionregistration.k8s.io/v1",
    "ValidatingWebhookConfiguration",
    "validatingwebhookconfigurations",
  ),
  info("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", NS_STATUS),
];

/**
 * The lowercase plural of a kind, the way the API names most resources
 * (`DirectCSIDrive` → `directcsidrives`, `Policy` → `policies`, `Ingress` → `ingresses`).
 */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/** The group of an apiVersion (`""` for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * Coordinates of any kind: a known one from the table, otherwise a cluster-scoped guess with
 * the plural from `pluralOf` and no status subresource (`guessed: true`).
 */
export function kindInfo(apiVersion: string, kind: string): KindInfo & { guessed: boolean } {
  const known = [...Object.values(KNOWN_KINDS), ...EXTRA_KINDS].find((k) =>
    k.apiVersion === apiVersion && k.kind === kind
  );
  if (known) return { ...known, guessed: false };
  return { ...info(apiVersion, kind, pluralOf(kind)), guessed: true };
}

/** `kindInfo` with the caller's scope applied over the table or the guess. */
export function resolveKind(
  apiVersion: string,
  kind: string,
  scope: ResourceScope = {},
): KindInfo & { guessed: boolean } {
  const base = kindInfo(apiVersion, kind);
  const explicit = scope.plural !== undefined && scope.namespaced !== undefined;
  return {
    ...base,
    plural: scope.plural ?? base.plural,
    namespaced: scope.namespaced ?? base.namespaced,
    statusSubresource: scope.statusSubresource ?? base.statusSubresource,
    guessed: base.guessed && !explicit,
  };
}

/** The per-kind clients of a KubeClient (everything but `resource` and `serverVersion`). */
export type TypedClients = Pick<KubeClient, KubeClientResource>;

/** Builds every per-kind client of a KubeClient with `make`. */
export function typedClients(make: (info: KindInfo) => unknown): TypedClients {
  const out: Record<string, unknown> = {};
  for (const [name, kindInfo] of Object.entries(KNOWN_KINDS)) out[name] = make(kindInfo);
  return out as TypedClients;
}
