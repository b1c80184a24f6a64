/**
 * Create-or-update of installed objects, so that running `install` again upgrades what it
 * installed: create; on AlreadyExists read the object and update it (keeping labels,
 * annotations and finalizers others added); objects whose changed fields are immutable are
 * deleted and created again.
 */
import {
  type AnyObject,
  KNOWN_KINDS,
  type KubeClient,
  type ResourceClient,
  sleep,
} from "../k8s/mod.ts";
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";

/** What applying one object did. */
export type ApplyAction = "created" | "updated" | "replaced" | "unchanged";

/** The client of an object's kind: a typed one when KubeClient has it, else a dynamic one. */
export function clientFor(kube: KubeClient, object: KubeObject): ResourceClient<AnyObject> {
  for (const [key, info] of Object.entries(KNOWN_KINDS)) {
    if (info.apiVersion === object.apiVersion && info.kind === object.kind) {
      return kube[key as keyof typeof KNOWN_KINDS] as unknown as ResourceClient<AnyObject>;
    }
  }
  return kube.resource(object.apiVersion ?? "", object.kind ?? "", {
    namespaced: object.metadata.namespace !== undefined,
  });
}

/**
 * Whether every field of `want` is equal in `have` (fields only `have` carries, such as
 * server defaults, are ignored). Arrays must have the same length.
 */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && want.length === have.length &&
      want.every((w, i) => isSubset(w, have[i]));
  }
  if (want !== null && typeof want === "object") {
    if (have === null || typeof have !== "object" || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want).every(([k, v]) => isSubset(v, h[k]));
  }
  return want === have;
}

/** Top-level fields (or `spec` members) the API server refuses to change, per kind. */
const IMMUTABLE: Record<string, (o: AnyObject) => unknown> = {
  StorageClass: (o) => ({
    provisioner: o.provisioner,
    parameters: o.parameters,
    reclaimPolicy: o.reclaimPolicy,
    volumeBindingMode: o.volumeBindingMode,
    allowedTopologies: o.allowedTopologies,
  }),
  // storageCapacity is the one CSIDriver field the API server lets an update change.
  CSIDriver: (o) => ({ ...o.spec, storageCapacity: undefined }),
  ClusterRoleBinding: (o) => o.roleRef,
  RoleBinding: (o) => o.roleRef,
  DaemonSet: (o) => o.spec?.selector,
  Deployment: (o) => o.spec?.selector,
};

/** Whether updating `existing` to `desired` would change an immutable field. */
export function needsReplace(existing: AnyObject, desired: AnyObject): boolean {
  const pick = IMMUTABLE[desired.kind ?? ""];
  return pick !== undefined && !isSubset(pick(desired), pick(existing));
}

/** The object to send as an update: desired content over the existing object's metadata. */
export function updatedObject(existing: AnyObject, desired: AnyObject): AnyObject {
  const meta = existing.metadata;
  const next: AnyObject = structuredClone(desired);
  const labels = { ...meta.labels, ...next.metadata.labels };
  const annotations = { ...meta.annotations, ...next.metadata.annotations };
  next.metadata = {
    ...next.metadata,
    ...(meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const finalizers = [
    ...new Set([...(meta.finalizers ?? []), ...(next.metadata.finalizers ?? [])]),
  ];
  if (finalizers.length > 0) next.metadata.finalizers = finalizers;
  if (desired.kind === "ServiceAccount" && existing.secrets) next.secrets = existing.secrets;
  if (desired.kind === "CustomResourceDefinition" && existing.status) next.status = existing.status;
  return next;
}

/** Options of {@link applyObject}. */
export interface ApplyOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * Creates the object, or brings an existing one up to date. Returns what it did and the
 * object as written (as desired, in a dry run).
 */
export async function applyObject(
  kube: KubeClient,
  desired: AnyObject,
  options: ApplyOptions = {},
): Promise<{ action: ApplyAction; object: AnyObject }> {
  const client = clientFor(kube, desired);
  const ns = desired.metadata.namespace;
  const opts = {
    ...(ns !== undefined ? { namespace: ns } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  try {
    return { action: "created", object: await client.create(desired, opts) };
  } catch (err) {
    // A dry run creates no namespace, so its namespaced objects meet a missing namespace.
    if (options.dryRun && ns !== undefined && err instanceof NotFoundError) {
      return { action: "created", object: desired };
    }
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  const existing = await client.get(desired.metadata.name ?? "", opts);
  if (existing.metadata.deletionTimestamp) {
    throw new FailedPreconditionError(
      `Cannot apply ${desired.kind} "${desired.metadata.name}": it is being deleted; retry when it is gone`,
    );
  }
  if (needsReplace(existing, desired)) {
    if ((existing.metadata.finalizers ?? []).length > 0) {
      // Finalizers such as foregroundDeletion would keep the old object around.
      await client.update(
        { ...existing, metadata: { ...existing.metadata, finalizers: [] } },
        opts,
      );
    }
    await client.delete(desired.metadata.name ?? "", opts);
    if (options.dryRun) return { action: "replaced", object: desired };
    return { action: "replaced", object: await createAfterDelete(client, desired, opts) };
  }
  const next = updatedObject(existing, desired);
  if (isSubset(next, existing)) return { action: "unchanged", object: existing };
  return { action: "updated", object: await client.update(next, opts) };
}

/** Creates an object whose previous version is still being deleted (finalizers). */
async function createAfterDelete(
  client: ResourceClient<AnyObject>,
  desired: AnyObject,
  opts: { namespace?: string; signal?: AbortSignal },
): Promise<AnyObject> {
  for (let attempt = 0;; attempt++) {
    try {
      return await client.create(desired, opts);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError) || attempt >= 50) throw err;
      await sleep(100, opts.signal);
    }
  }
}

/** Deletes an object; a missing one is not an error. Returns whether it existed. */
export async function deleteIfExists(
  client: ResourceClient<AnyObject>,
  name: string,
  options: { namespace?: string; dryRun?: boolean; signal?: AbortSignal; foreground?: boolean },
): Promise<boolean> {
  try {
    await client.delete(name, {
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.foreground ? { propagationPolicy: "Foreground" as const } : {}),
    });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
