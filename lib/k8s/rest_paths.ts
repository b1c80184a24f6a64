/** REST paths, query strings and request bodies of the Kubernetes API (pure functions). */
import { groupOf, type KindInfo } from "./kinds.ts";
import { formatSelector } from "./selector.ts";
import type { DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from "./types.ts";

/** Content type of each patch type. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

/** Where the object or collection lives. */
export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: "status" | undefined;
}

/**
 * Why a name or namespace cannot address an object, or undefined when it can. The API server
 * refuses such names when objects are created (`may not be '.' or '..'`, `may not contain
 * '/' or '%'`), so no object can have one; in a URL they would address another path.
 */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === "") return "it is empty";
  if (value === "." || value === "..") return `it may not be "." or ".."`;
  if (value.includes("/") || value.includes("%")) return `it may not contain "/" or "%"`;
  return undefined;
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return groupOf(apiVersion) === "" ? `/api/${apiVersion}` : `/apis/${apiVersion}`;
}

/**
 * The REST path of a collection or an object:
 * `/api/v1/namespaces/ns/pods/p/status`, `/apis/directpv.min.io/v1beta1/directpvdrives`.
 * A namespaced kind without a namespace addresses every namespace (list and watch only).
 */
export function resourcePath(info: KindInfo, parts: PathParts = {}): string {
  let path = groupVersionPath(info.apiVersion);
  if (info.namespaced && parts.namespace) {
    path += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  }
  path += `/${info.plural}`;
  if (parts.name !== undefined) path += `/${encodeURIComponent(parts.name)}`;
  if (parts.subresource) path += `/${parts.subresource}`;
  return path;
}

function setIf(query: URLSearchParams, key: string, value: string | number | undefined): void {
  if (value !== undefined && value !== "") query.set(key, String(value));
}

function selectors(query: URLSearchParams, options: ListOptions | WatchOptions): void {
  if (options.labelSelector !== undefined) {
    setIf(query, "labelSelector", formatSelector(options.labelSelector));
  }
  setIf(query, "fieldSelector", options.fieldSelector);
}

/** Query of a LIST: selectors, `limit`, `continue`, `resourceVersion`. */
export function listQuery(options: ListOptions = {}): URLSearchParams {
  const query = new URLSearchParams();
  selectors(query, options);
  if (options.limit !== undefined && options.limit > 0) setIf(query, "limit", options.limit);
  setIf(query, "continue", options.continue);
  setIf(query, "resourceVersion", options.resourceVersion);
  return query;
}

/** Query of a WATCH: `watch=1&allowWatchBookmarks=true`, selectors, version, timeout. */
export function watchQuery(options: WatchOptions = {}): URLSearchParams {
  const query = new URLSearchParams({ watch: "1", allowWatchBookmarks: "true" });
  selectors(query, options);
  setIf(query, "resourceVersion", options.resourceVersion);
  setIf(query, "timeoutSeconds", options.timeoutSeconds);
  return query;
}

/** Query of a write: `dryRun=All` when asked. */
export function writeQuery(options: WriteOptions = {}): URLSearchParams {
  const query = new URLSearchParams();
  if (options.dryRun) query.set("dryRun", "All");
  return query;
}

/** Body of a DELETE (`metav1.DeleteOptions`), or undefined when nothing is set. */
export function deleteBody(options: DeleteOptions = {}): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
  if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
  if (options.gracePeriodSeconds !== undefined) {
    body.gracePeriodSeconds = options.gracePeriodSeconds;
  }
  if (options.resourceVersion) body.preconditions = { resourceVersion: options.resourceVersion };
  if (options.dryRun) body.dryRun = ["All"];
  return Object.keys(body).length > 2 ? body : undefined;
}

/** A path with its query string (no `?` when the query is empty). */
export function withQuery(path: string, query: URLSearchParams): string {
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
