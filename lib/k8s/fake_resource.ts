/** One kind of the in-memory fake: every ResourceClient call goes through the fake's reactions. */
import type { KubeObject } from "../types/mod.ts";
import type { FakeStore } from "./fake_store.ts";
import { type WatchHandle, watchStore } from "./fake_watch.ts";
import type { KindInfo } from "./kinds.ts";
import type {
  AnyObject,
  DeleteOptions,
  ListOptions,
  ListResult,
  NamespaceOption,
  PatchOptions,
  ResourceClient,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from "./types.ts";
import { listAllPages } from "./list_pages.ts";

/** Verbs recorded in `FakeKube.calls` and matched by injected reactions. */
export type FakeVerb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "updateStatus"
  | "patch"
  | "delete"
  | "deleteCollection"
  | "serverVersion";

/** One recorded client call. */
export interface FakeCall {
  verb: FakeVerb;
  /** Plural resource name (`directpvdrives`, `pods`); empty for serverVersion. */
  resource: string;
  kind: string;
  apiVersion: string;
  name?: string;
  namespace?: string;
  /** A copy of the object written (create, update) or the patch body (patch). */
  object?: unknown;
}

/** What a FakeResource needs from its FakeKube. */
export interface FakeRunner {
  readonly store: FakeStore;
  readonly watches: Set<WatchHandle>;
  run<R>(call: FakeCall, op: () => R): Promise<R>;
}

/** ResourceClient over the fake store. */
export class FakeResource<T extends KubeObject> implements ResourceClient<T> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly #info: KindInfo;
  readonly #fake: FakeRunner;

  constructor(fake: FakeRunner, info: KindInfo) {
    this.#fake = fake;
    this.#info = info;
    this.apiVersion = info.apiVersion;
    this.kind = info.kind;
    this.namespaced = info.namespaced;
  }

  #call(
    verb: FakeVerb,
    extra: { name?: string | undefined; namespace?: string | undefined; object?: unknown } = {},
  ): FakeCall {
    const call: FakeCall = {
      verb,
      resource: this.#info.plural,
      kind: this.kind,
      apiVersion: this.apiVersion,
    };
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined) (call as unknown as Record<string, unknown>)[k] = v;
    }
    if (!this.namespaced) delete call.namespace;
    return call;
  }

  get(name: string, options: NamespaceOption & { signal?: AbortSignal } = {}): Promise<T> {
    const call = this.#call("get", { name, namespace: options.namespace });
    return this.#fake.run(call, () => this.#store.get(this.#info, name, options.namespace) as T);
  }

  list(options: ListOptions = {}): Promise<ListResult<T>> {
    const call = this.#call("list", { namespace: options.namespace });
    return this.#fake.run(call, () => this.#store.list(this.#info, options) as ListResult<T>);
  }

  listAll(options: ListOptions = {}): Promise<T[]> {
    return listAllPages((o) => this.list(o), options);
  }

  create(object: T, options: WriteOptions = {}): Promise<T> {
    const call = this.#write("create", object, options);
    return this.#fake.run(
      call,
      () => this.#store.create(this.#info, call.object as AnyObject, options) as T,
    );
  }

  update(object: T, options: WriteOptions = {}): Promise<T> {
    const call = this.#write("update", object, options);
    return this.#fake.run(
      call,
      () => this.#store.update(this.#info, call.object as AnyObject, options) as T,
    );
  }

  updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    const call = this.#write("updateStatus", object, options);
    return this.#fake.run(
      call,
      () =>
        this.#store.update(this.#info, call.object as AnyObject, { ...options, status: true }) as T,
    );
  }

  patch(name: string, patch: unknown, options: PatchOptions = {}): Promise<T> {
    const body = structuredClone(patch);
    const call = this.#call("patch", { name, namespace: options.namespace, object: body });
    return this.#fake.run(call, () => this.#store.patch(this.#info, name, body, options) as T);
  }

  delete(name: string, options: DeleteOptions = {}): Promise<void> {
    const call = this.#call("delete", { name, namespace: options.namespace });
    return this.#fake.run(call, () => this.#store.delete(this.#info, name, options));
  }

  deleteCollection(options: ListOptions & WriteOptions): Promise<void> {
    const call = this.#call("deleteCollection", { namespace: options.namespace });
    return this.#fake.run(call, () => {
      const { limit: _l, continue: _c, ...scope } = options;
      for (const obj of this.#store.list(this.#info, scope).items) {
        const ns = obj.metadata.namespace;
        this.#store.delete(this.#info, obj.metadata.name ?? "", {
          ...(ns ? { namespace: ns } : {}),
          ...(options.dryRun ? { dryRun: true } : {}),
        });
      }
    });
  }

  async *watch(options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const call = this.#call("watch", { namespace: options.namespace });
    await this.#fake.run(call, () => undefined);
    const events = watchStore(this.#store, this.#info, options, this.#fake.watches);
    yield* events as AsyncGenerator<WatchEvent<T>>;
  }

  get #store(): FakeStore {
    return this.#fake.store;
  }

  #write(verb: FakeVerb, object: T, options: WriteOptions): FakeCall {
    const copy = structuredClone(object) as AnyObject;
    return this.#call(verb, {
      name: copy.metadata?.name ?? copy.metadata?.generateName,
      namespace: options.namespace ?? copy.metadata?.namespace,
      object: copy,
    });
  }
}
