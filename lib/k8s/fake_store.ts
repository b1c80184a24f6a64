/**
 * The object store behind FakeKube: API-server semantics (resourceVersions, conflicts,
 * finalizers, paging, selectors, patches, dry run) over plain maps, plus an event history.
 */
import { groupOf, type KindInfo } from "./kinds.ts";
import { applyJsonPatch, applyMergePatch, deepEqual } from "./patch.ts";
import { pruneObject } from "./fake_prune.ts";
import { pathSegmentProblem } from "./rest_paths.ts";
import { matchesFieldSelector, matchesSelector } from "./selector.ts";
import {
  conflictError,
  decodeContinue,
  encodeContinue,
  invalidError,
  isCustom,
  keyOf,
  randomSuffix,
  stripVolatile,
  timestamp,
} from "./fake_support.ts";
import { errorFromStatus, qualifiedResource, type RequestContext } from "./status_errors.ts";
import type {
  AnyObject,
  DeleteOptions,
  ListOptions,
  ListResult,
  PatchOptions,
  WriteOptions,
} from "./types.ts";

/** One change kept in the history for watches. */
export interface StoreEvent {
  rv: number;
  resource: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: AnyObject;
  previous?: AnyObject;
}

/** Options of the fake store. */
export interface FakeStoreOptions {
  /** Events kept for watches that start from an older resourceVersion (default 10000). */
  historyLimit?: number;
  /** Clock for creation and deletion timestamps. */
  now?: () => Date;
}

/** In-memory objects of every kind with the API server's write rules. */
/** What error messages say of a request on one object. */
function requestOn(verb: string, info: KindInfo, name: string, ns?: string): RequestContext {
  return { verb, kind: info.kind, name, ...(ns ? { namespace: ns } : {}) };
}

export class FakeStore {
  #rv = 0;
  #compactedRv = 0;
  readonly #objects = new Map<string, Map<string, AnyObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #historyLimit: number;
  now: () => Date;

  constructor(options: FakeStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 10000;
    this.now = options.now ?? (() => new Date());
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Forgets the event history: watches and continue tokens from older versions get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedRv = this.#rv;
  }

  /** Calls `listener` for every change from now on; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Events of one resource after `rv`.
   * @throws {ExpiredError} when the history no longer reaches back to `rv`
   */
  eventsSince(info: KindInfo, rv: number, ctx: RequestContext): StoreEvent[] {
    if (rv < this.#compactedRv) {
      throw errorFromStatus(410, {
        reason: "Expired",
        message: `too old resource version: ${rv} (${this.#compactedRv})`,
      }, ctx);
    }
    const resource = this.resourceKey(info);
    return this.#history.filter((e) => e.rv > rv && e.resource === resource);
  }

  /** Deep copies of every stored object of a kind, sorted by namespace and name. */
  snapshot(info: KindInfo): AnyObject[] {
    const map = this.#bucket(info);
    return [...map.keys()].sort().map((k) => structuredClone(map.get(k) as AnyObject));
  }

  /**
   * Stores an object as is (pruned to its CRD schema, as every stored object is), giving it a
   * resourceVersion, uid and creationTimestamp if absent.
   */
  seed(info: KindInfo, object: AnyObject): AnyObject {
    const obj = pruneObject(info, structuredClone(object));
    obj.apiVersion ??= info.apiVersion;
    obj.kind ??= info.kind;
    const meta = obj.metadata;
    if (info.namespaced) meta.namespace ??= "default";
    else delete meta.namespace;
    meta.uid ??= crypto.randomUUID();
    meta.creationTimestamp ??= timestamp(this.now());
    meta.generation ??= 1;
    const key = keyOf(meta.namespace, meta.name ?? "");
    const previous = this.#bucket(info).get(key);
    return this.#commit(info, key, previous ? "MODIFIED" : "ADDED", obj, previous);
  }

  get(info: KindInfo, name: string, namespace: string | undefined): AnyObject {
    const ns = this.#namespace(info, namespace);
    return structuredClone(this.#existing(info, name, ns, { verb: "get", kind: info.kind }));
  }

  list(info: KindInfo, options: ListOptions = {}): ListResult<AnyObject> {
    const ctx = { verb: "list", kind: info.kind };
    const token = options.continue
      ? decodeContinue(options.continue, this.#compactedRv, ctx)
      : undefined;
    const map = this.#bucket(info);
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const items: AnyObject[] = [];
    let more = false;
    for (const key of [...map.keys()].sort()) {
      if (token !== undefined && key <= token.k) continue;
      const obj = map.get(key) as AnyObject;
      if (!this.#matches(info, obj, options)) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(structuredClone(obj));
    }
    const rv = token?.rv ?? this.#rv;
    const last = items.at(-1);
    const cont = more && last
      ? encodeContinue(keyOf(last.metadata.namespace, last.metadata.name ?? ""), rv)
      : undefined;
    return { items, resourceVersion: String(rv), ...(cont ? { continue: cont } : {}) };
  }

  create(info: KindInfo, object: AnyObject, options: WriteOptions = {}): AnyObject {
    const obj = pruneObject(info, structuredClone(object));
    const meta = obj.metadata ?? {};
    obj.metadata = meta;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    const ctx = { verb: "create", kind: info.kind, name: meta.name ?? "" };
    this.#checkIdentity(info, obj, ctx);
    const ns = this.#namespace(info, options.namespace ?? meta.namespace);
    if (info.namespaced && meta.namespace !== undefined && meta.namespace !== ns) {
      throw invalidError(
        ctx,
        "the namespace of the object does not match the namespace of the request",
      );
    }
    if (meta.resourceVersion) {
      // kube-apiserver answers this from its storage layer, as a 500.
      throw errorFromStatus(500, {
        reason: "InternalError",
        message:
          "Internal error occurred: resourceVersion should not be set on objects to be created",
      }, ctx);
    }
    const key = keyOf(ns, meta.name as string);
    if (this.#bucket(info).has(key)) {
      throw errorFromStatus(409, {
        reason: "AlreadyExists",
        message: `${this.resourceKey(info)} "${meta.name}" already exists`,
      }, { ...ctx, ...(ns ? { namespace: ns } : {}) });
    }
    obj.apiVersion ??= info.apiVersion;
    obj.kind = info.kind;
    if (ns === undefined) delete meta.namespace;
    else meta.namespace = ns;
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = timestamp(this.now());
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (options.dryRun) return obj;
    return this.#commit(info, key, "ADDED", obj, undefined);
  }

  update(
    info: KindInfo,
    object: AnyObject,
    options: WriteOptions & { status?: boolean } = {},
  ): AnyObject {
    const name = object.metadata?.name ?? "";
    const status = options.status === true && info.statusSubresource;
    const verb = status ? "update status of" : "update";
    const ns = this.#namespace(info, options.namespace ?? object.metadata?.namespace);
    const ctx = requestOn(verb, info, name, ns);
    this.#checkIdentity(info, object, ctx);
    const existing = this.#existing(info, name, ns, ctx);
    const rv = object.metadata.resourceVersion;
    if (!rv && isCustom(info)) {
      // Custom resources allow no unconditional update (core kinds do).
      throw invalidError(
        ctx,
        `${info.kind}.${
          groupOf(info.apiVersion)
        } "${name}" is invalid: metadata.resourceVersion: ` +
          "Invalid value: 0x0: must be specified for an update",
      );
    }
    if (rv && rv !== existing.metadata.resourceVersion) {
      throw conflictError(this.resourceKey(info), ctx);
    }
    let next = structuredClone(object);
    if (info.statusSubresource) {
      if (status) next = { ...structuredClone(existing), status: next.status };
      else next.status = structuredClone(existing.status);
      if (next.status === undefined) delete next.status;
    }
    return this.#replace(info, existing, next, options, ctx);
  }

  patch(info: KindInfo, name: string, patch: unknown, options: PatchOptions = {}): AnyObject {
    const ns = this.#namespace(info, options.namespace);
    const ctx = requestOn("patch", info, name, ns);
    const existing = this.#existing(info, name, ns, ctx);
    const type = options.type ?? "merge";
    if (type === "strategic" && isCustom(info)) {
      throw errorFromStatus(415, {
        reason: "UnsupportedMediaType",
        message: "the body of the request was in an unknown format - accepted media types " +
          "include: application/json-patch+json, application/merge-patch+json, " +
          "application/apply-patch+yaml",
      }, ctx);
    }
    const next =
      (type === "json"
        ? applyJsonPatch(existing, patch)
        : applyMergePatch(existing, patch)) as AnyObject;
    if (next === null || typeof next !== "object" || typeof next.metadata !== "object") {
      throw invalidError(ctx, "the patch removes the object metadata");
    }
    const rv = next.metadata.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) {
      throw conflictError(this.resourceKey(info), ctx);
    }
    if (info.statusSubresource) next.status = structuredClone(existing.status);
    if (next.status === undefined) delete next.status;
    return this.#replace(info, existing, next, options, ctx);
  }

  delete(info: KindInfo, name: string, options: DeleteOptions = {}): void {
    const ns = this.#namespace(info, options.namespace);
    const ctx = requestOn("delete", info, name, ns);
    const existing = this.#existing(info, name, ns, ctx);
    const rv = options.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) {
      throw conflictError(this.resourceKey(info), ctx);
    }
    if (options.dryRun) return;
    const key = keyOf(ns, name);
    if ((existing.metadata.finalizers ?? []).length === 0) {
      this.#commit(info, key, "DELETED", structuredClone(existing), existing);
      return;
    }
    if (existing.metadata.deletionTimestamp) return;
    const next = structuredClone(existing);
    next.metadata.deletionTimestamp = timestamp(this.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    this.#commit(info, key, "MODIFIED", next, existing);
  }

  /** Shared tail of update and patch: pruning, immutable fields, finalizer rules, no-op detection. */
  #replace(
    info: KindInfo,
    existing: AnyObject,
    next: AnyObject,
    options: WriteOptions,
    ctx: RequestContext,
  ): AnyObject {
    pruneObject(info, next);
    const old = existing.metadata;
    const meta = next.metadata;
    for (const f of ["uid", "creationTimestamp", "deletionTimestamp", "namespace"] as const) {
      if (old[f] === undefined) delete meta[f];
      else meta[f] = old[f];
    }
    if (old.deletionGracePeriodSeconds !== undefined) {
      meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    }
    next.apiVersion ??= existing.apiVersion ?? info.apiVersion;
    next.kind = existing.kind ?? info.kind;
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (old.deletionTimestamp && added.length > 0) {
      throw invalidError(ctx, "no new finalizers can be added if the object is being deleted");
    }
    meta.generation = old.generation ?? 1;
    const body = (o: AnyObject) => {
      const { metadata: _m, status: _s, ...rest } = o;
      return info.statusSubresource ? rest : { ...rest, status: o.status };
    };
    if (!deepEqual(body(existing), body(next))) meta.generation += 1;
    meta.resourceVersion = old.resourceVersion as string;
    if (deepEqual(stripVolatile(existing), stripVolatile(next))) return structuredClone(existing);
    if (options.dryRun) return next;
    const key = keyOf(old.namespace, old.name ?? "");
    if (old.deletionTimestamp && (meta.finalizers ?? []).length === 0) {
      return this.#commit(info, key, "DELETED", structuredClone(existing), existing);
    }
    return this.#commit(info, key, "MODIFIED", next, existing);
  }

  #commit(
    info: KindInfo,
    key: string,
    type: StoreEvent["type"],
    object: AnyObject,
    previous: AnyObject | undefined,
  ): AnyObject {
    this.#rv += 1;
    object.metadata.resourceVersion = String(this.#rv);
    const bucket = this.#bucket(info);
    if (type === "DELETED") bucket.delete(key);
    else bucket.set(key, object);
    const event: StoreEvent = {
      rv: this.#rv,
      resource: this.resourceKey(info),
      type,
      object,
      ...(previous ? { previous } : {}),
    };
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift() as StoreEvent;
      this.#compactedRv = dropped.rv;
    }
    for (const listener of this.#listeners) listener(event);
    return structuredClone(object);
  }

  #matches(info: KindInfo, obj: AnyObject, options: ListOptions): boolean {
    if (info.namespaced && options.namespace && obj.metadata.namespace !== options.namespace) {
      return false;
    }
    return matchesSelector(obj.metadata.labels, options.labelSelector) &&
      matchesFieldSelector(obj, options.fieldSelector);
  }

  /** Whether an object is in the scope of a list or watch (namespace and selectors). */
  inScope(info: KindInfo, obj: AnyObject, options: ListOptions): boolean {
    return this.#matches(info, obj, options);
  }

  #checkIdentity(info: KindInfo, obj: AnyObject, ctx: RequestContext): void {
    if (!obj?.metadata?.name) {
      throw invalidError(ctx, "metadata.name: Required value: name is required");
    }
    const problem = pathSegmentProblem(obj.metadata.name);
    if (problem !== undefined) {
      throw invalidError(ctx, `metadata.name: Invalid value: "${obj.metadata.name}": ${problem}`);
    }
    if (obj.kind !== undefined && obj.kind !== info.kind) {
      throw invalidError(ctx, `kind "${obj.kind}" does not match "${info.kind}"`);
    }
  }

  #existing(info: KindInfo, name: string, ns: string | undefined, ctx: RequestContext): AnyObject {
    const obj = this.#bucket(info).get(keyOf(ns, name));
    if (obj) return obj;
    throw errorFromStatus(404, {
      reason: "NotFound",
      message: `${this.resourceKey(info)} "${name}" not found`,
    }, { ...ctx, name, ...(ns ? { namespace: ns } : {}) });
  }

  #namespace(info: KindInfo, namespace: string | undefined): string | undefined {
    return info.namespaced ? namespace ?? "default" : undefined;
  }

  /** The group-qualified resource name of a kind (`directpvdrives.directpv.min.io`). */
  resourceKey(info: KindInfo): string {
    return qualifiedResource(info.plural, groupOf(info.apiVersion));
  }

  #bucket(info: KindInfo): Map<string, AnyObject> {
    const key = this.resourceKey(info);
    let map = this.#objects.get(key);
    if (!map) {
      map = new Map();
      this.#objects.set(key, map);
    }
    return map;
  }
}
