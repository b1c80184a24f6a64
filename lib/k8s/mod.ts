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
  type KubeClient,
  type ResourceClient,
  type Selector,
  type WatchEvent,
} from "./types.ts";
export { KNOWN_KINDS } from "./kinds.ts";
export { deepEqual } from "./patch.ts";
export { type ApiStatus } from "./status_errors.ts";
export { backoffDelay, type BackoffOptions, sleep } from "./backoff.ts";
export {
  type Mutator,
  UNCHANGED,
  updateByPatch,
  updateIfExists,
  type UpdateOutcome,
  updateOutcome,
  updateWithRetry,
} from "./retry.ts";
export { Informer, type InformerHandlers } from "./informer.ts";
export { connectKube, loadKubeConfig, restKube } from "./connect.ts";
