/** The typed Kubernetes client interface, implemented over the API server and in memory. */
import type {
  DirectPVDrive,
  DirectPVInitRequest,
  DirectPVNode,
  DirectPVSnapshot,
  DirectPVVolume,
  KubeObject,
} from "../types/mod.ts";

/** Label selector: `k=v,k2 in (a,b),!k3` text, or a map of equalities. */
export type Selector = string | Record<string, string>;

export interface NamespaceOption {
  /** Namespace of a namespaced kind; ignored for cluster-scoped kinds. */
  namespace?: string;
}

export interface ListOptions extends NamespaceOption {
  labelSelector?: Selector;
  fieldSelector?: string;
  /** Page size; the server returns `continue` when more remain. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WriteOptions extends NamespaceOption {
  /** Server-side dry run: validated, not persisted. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  /** Seconds before the object is deleted; 0 deletes at once (a pod without a kubelet). */
  gracePeriodSeconds?: number;
  /** Only delete when the object still has this resourceVersion. */
  resourceVersion?: string;
}

export type PatchType = "merge" | "json" | "strategic";

export interface PatchOptions extends WriteOptions {
  type?: PatchType;
}

export interface WatchOptions extends NamespaceOption {
  labelSelector?: Selector;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/**
 * One kind of object. Every method throws domain errors: NotFoundError (404),
 * AlreadyExistsError (409 AlreadyExists), ConflictError (409 stale resourceVersion),
 * InvalidArgumentError (400/422), PermissionDeniedError (401/403), ExpiredError (410),
 * UnavailableError (5xx, connection failures).
 */
export interface ResourceClient<T extends KubeObject> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  get(name: string, options?: NamespaceOption & { signal?: AbortSignal }): Promise<T>;
  /** One page. */
  list(options?: ListOptions): Promise<ListResult<T>>;
  /** Every page, following `continue` tokens. */
  listAll(options?: ListOptions): Promise<T[]>;
  create(object: T, options?: WriteOptions): Promise<T>;
  /** Replaces the object; fails with ConflictError when `metadata.resourceVersion` is stale. */
  update(object: T, options?: WriteOptions): Promise<T>;
  /** Replaces the status subresource (only for kinds that have one). */
  updateStatus(object: T, options?: WriteOptions): Promise<T>;
  patch(name: string, patch: unknown, options?: PatchOptions): Promise<T>;
  delete(name: string, options?: DeleteOptions): Promise<void>;
  deleteCollection(options: ListOptions & WriteOptions): Promise<void>;
  /** Streams events until the signal aborts, the server closes, or an error (ExpiredError on 410). */
  watch(options?: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** Where a kind unknown to the client lives in the API. */
export interface ResourceScope {
  /** Lowercase plural used in REST paths. */
  plural?: string;
  namespaced?: boolean;
  /** Whether the kind has a `/status` subresource. */
  statusSubresource?: boolean;
}

/** Minimal shapes of the core kinds; unknown fields pass through untouched. */
// deno-lint-ignore no-explicit-any
export type AnyObject = KubeObject & Record<string, any>;

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

/** Every kind DirectPV reads or writes. */
export interface KubeClient {
  readonly drives: ResourceClient<DirectPVDrive>;
  readonly volumes: ResourceClient<DirectPVVolume>;
  readonly nodes: ResourceClient<DirectPVNode>;
  readonly initRequests: ResourceClient<DirectPVInitRequest>;
  readonly snapshots: ResourceClient<DirectPVSnapshot>;
  readonly coreNodes: ResourceClient<AnyObject>;
  readonly csiNodes: ResourceClient<AnyObject>;
  readonly persistentVolumes: ResourceClient<AnyObject>;
  readonly persistentVolumeClaims: ResourceClient<AnyObject>;
  readonly pods: ResourceClient<AnyObject>;
  readonly storageClasses: ResourceClient<AnyObject>;
  readonly csiDrivers: ResourceClient<AnyObject>;
  readonly namespaces: ResourceClient<AnyObject>;
  readonly serviceAccounts: ResourceClient<AnyObject>;
  readonly clusterRoles: ResourceClient<AnyObject>;
  readonly clusterRoleBindings: ResourceClient<AnyObject>;
  readonly roles: ResourceClient<AnyObject>;
  readonly roleBindings: ResourceClient<AnyObject>;
  readonly daemonSets: ResourceClient<AnyObject>;
  readonly deployments: ResourceClient<AnyObject>;
  readonly jobs: ResourceClient<AnyObject>;
  readonly customResourceDefinitions: ResourceClient<AnyObject>;
  readonly events: ResourceClient<AnyObject>;
  /**
   * A client for any other kind, by apiVersion and kind (e.g. legacy DirectCSI objects).
   * Without `scope`, a kind the client does not know is taken as cluster-scoped with the
   * plural `lowercase(kind) + "s"` (the REST client asks API discovery when it can).
   */
  resource(apiVersion: string, kind: string, scope?: ResourceScope): ResourceClient<AnyObject>;
  serverVersion(): Promise<ServerVersion>;
}
