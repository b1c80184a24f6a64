/**
 * The typed Kubernetes client: one `KubeClient` interface with a REST implementation over
 * the API server (`connectKube`) and an in-memory fake (`testing.ts`), label selectors,
 * conflict retries, and a list+watch informer cache for controllers.
 *
 * The REST client and kubeconfig loading are imported lazily, so modules that only use the
 * interface, the fake or the informer do not load `@kubernetes/client-node`.
 *
 * May import: lib/types, lib/errors, lib/log.
 * @module
 */
export {
  type AnyObject,
  type DeleteOptions,
  type KubeClient,
  type ListOptions,
  type ListResult,
  type NamespaceOption,
  type PatchOptions,
  type PatchType,
  type ResourceClient,
  type ResourceScope,
  type Selector,
  type ServerVersion,
  type WatchEvent,
  type WatchEventType,
  type WatchOptions,
  type WriteOptions,
} from "./types.ts";
export {
  type FieldRequirement,
  formatSelector,
  matchesFieldSelector,
  matchesSelector,
  parseFieldSelector,
  parseSelector,
  type Requirement,
  type SelectorOperator,
} from "./selector.ts";
export { type KindInfo, kindInfo, KNOWN_KINDS, pluralOf } from "./kinds.ts";
export {
  applyJsonPatch,
  applyMergePatch,
  deepEqual,
  type JsonPatchOperation,
  mergePatchBetween,
} from "./patch.ts";
export {
  type ApiStatus,
  describeRequest,
  errorFromNetwork,
  errorFromStatus,
  type RequestContext,
} from "./status_errors.ts";
export { backoffDelay, type BackoffOptions, sleep } from "./backoff.ts";
export {
  type Mutator,
  retryOnConflict,
  type RetryOptions,
  UNCHANGED,
  updateByPatch,
  updateIfExists,
  type UpdateOutcome,
  updateOutcome,
  updateWithRetry,
  type UpdateWithRetryOptions,
} from "./retry.ts";
export { Informer, type InformerHandlers, type InformerOptions } from "./informer.ts";
export { deepFreeze, isNewerVersion, objectKey } from "./informer_cache.ts";
export {
  connectKube,
  type ConnectOptions,
  type KubeConfigOptions,
  type KubeConnection,
  loadKubeConfig,
  type RequestAuth,
  restKube,
  type RestOptions,
} from "./connect.ts";
