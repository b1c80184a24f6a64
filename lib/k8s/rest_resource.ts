/** ResourceClient over the REST API, given a transport that performs the HTTP requests. */
import { NotFoundError } from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import type { KindInfo } from "./kinds.ts";
import {
  deleteBody,
  groupVersionPath,
  listQuery,
  PATCH_CONTENT_TYPES,
  type PathParts,
  pathSegmentProblem,
  resourcePath,
  watchQuery,
  withQuery,
  writeQuery,
} from "./rest_paths.ts";
import type { RequestContext } from "./status_errors.ts";
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
import { decodeWatch } from "./watch_stream.ts";

/** One HTTP request to the API server. */
export interface RestRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with query string. */
  path: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
  ctx: RequestContext;
}

/** Performs requests; every failure is already a domain error. */
export interface Transport {
  /** The decoded JSON body of a successful response. */
  json(request: RestRequest): Promise<unknown>;
  /** The body stream of a successful response (watch). */
  stream(request: RestRequest): Promise<ReadableStream<Uint8Array>>;
}

interface DiscoveryList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Fills in plural, scope and status subresource of a guessed kind from API discovery. */
export async function discoverKind(transport: Transport, info: KindInfo): Promise<KindInfo> {
  const path = groupVersionPath(info.apiVersion);
  const ctx = { verb: "discover", kind: info.kind };
  const list = await transport.json({ method: "GET", path, ctx }) as DiscoveryList;
  const resources = list.resources ?? [];
  const found = resources.find((r) => r.kind === info.kind && !r.name.includes("/"));
  if (!found) return info;
  return {
    ...info,
    plural: found.name,
    namespaced: found.namespaced,
    statusSubresource: resources.some((r) => r.name === `${found.name}/status`),
  };
}

/** ResourceClient over REST. */
export class RestResource<T extends KubeObject> implements ResourceClient<T> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly #transport: Transport;
  #info: KindInfo;
  #discover: boolean;
  #discovery: Promise<void> | undefined;

  /** With `discover`, the plural and scope are looked up on first use (guessed kinds). */
  constructor(transport: Transport, info: KindInfo, options: { discover?: boolean } = {}) {
    this.#transport = transport;
    this.#info = info;
    this.#discover = options.discover ?? false;
    this.apiVersion = info.apiVersion;
    this.kind = info.kind;
  }

  /** Whether the kind is namespaced (for guessed kinds, known after the first request). */
  get namespaced(): boolean {
    return this.#info.namespaced;
  }

  async #ready(): Promise<KindInfo> {
    if (this.#discover) {
      this.#discovery ??= discoverKind(this.#transport, this.#info).then((info) => {
        this.#info = info;
        this.#discover = false;
      }, (err) => {
        // An unserved group keeps the guess; other failures are retried on the next call.
        if (err instanceof NotFoundError) this.#discover = false;
        this.#discovery = undefined;
      });
      await this.#discovery;
    }
    return this.#info;
  }

  #ns(info: KindInfo, namespace: string | undefined, object?: KubeObject): string | undefined {
    if (!info.namespaced) return undefined;
    return namespace ?? object?.metadata?.namespace ?? "default";
  }

  #ctx(verb: string, name?: string, namespace?: string): RequestContext {
    return {
      verb,
      kind: this.kind,
      ...(name !== undefined ? { name } : {}),
      ...(namespace ? { namespace } : {}),
    };
  }

  async #request(
    method: RestRequest["method"],
    parts: PathParts,
    query: URLSearchParams,
    extra: { body?: unknown; contentType?: string; signal?: AbortSignal | undefined; verb: string },
  ): Promise<unknown> {
    const info = await this.#ready();
    this.#requireAddressable(parts);
    const path = withQuery(resourcePath(info, parts), query);
    const ctx = this.#ctx(extra.verb, parts.name, parts.namespace);
    const { verb: _verb, ...rest } = extra;
    return await this.#transport.json({ method, path, ctx, ...rest });
  }

  /**
   * Refuses a name or namespace that cannot be a path segment: no object has one, and sent
   * as is it would address the collection or another object.
   *
   * @throws {NotFoundError} naming the value and what is wrong with it
   */
  #requireAddressable(parts: PathParts): void {
    for (const [what, value] of [["name", parts.name], ["namespace", parts.namespace]]) {
      if (value === undefined) continue;
      const problem = pathSegmentProblem(value);
      if (problem === undefined) continue;
      throw new NotFoundError(`${this.kind} ${what} "${value}" not found: ${problem}`);
    }
  }

  #typed(obj: unknown): T {
    const o = obj as AnyObject;
    o.apiVersion ??= this.#info.apiVersion;
    o.kind ??= this.#info.kind;
    return o as unknown as T;
  }

  async get(name: string, options: NamespaceOption & { signal?: AbortSignal } = {}): Promise<T> {
    const namespace = this.#ns(await this.#ready(), options.namespace);
    const body = await this.#request("GET", { namespace, name }, new URLSearchParams(), {
      signal: options.signal,
      verb: "get",
    });
    return this.#typed(body);
  }

  async list(options: ListOptions = {}): Promise<ListResult<T>> {
    const body = await this.#request("GET", { namespace: options.namespace }, listQuery(options), {
      signal: options.signal,
      verb: "list",
    }) as { items?: unknown[]; metadata?: { resourceVersion?: string; continue?: string } };
    const cont = body.metadata?.continue;
    return {
      items: (body.items ?? []).map((item) => this.#typed(item)),
      resourceVersion: body.metadata?.resourceVersion ?? "",
      ...(cont ? { continue: cont } : {}),
    };
  }

  listAll(options: ListOptions = {}): Promise<T[]> {
    return listAllPages((o) => this.list(o), options);
  }

  async create(object: T, options: WriteOptions = {}): Promise<T> {
    const namespace = this.#ns(await this.#ready(), options.namespace, object);
    const body = this.#withIdentity(object);
    const out = await this.#request("POST", { namespace }, writeQuery(options), {
      body,
      signal: options.signal,
      verb: "create",
    });
    return this.#typed(out);
  }

  async update(object: T, options: WriteOptions = {}): Promise<T> {
    return await this.#put(object, options, { status: false });
  }

  async updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    const info = await this.#ready();
    return await this.#put(object, options, { status: info.statusSubresource });
  }

  async #put(object: T, options: WriteOptions, how: { status: boolean }): Promise<T> {
    const namespace = this.#ns(await this.#ready(), options.namespace, object);
    const name = object.metadata.name ?? "";
    const out = await this.#request(
      "PUT",
      { namespace, name, subresource: how.status ? "status" : undefined },
      writeQuery(options),
      {
        body: this.#withIdentity(object),
        signal: options.signal,
        verb: how.status ? "update status of" : "update",
      },
    );
    return this.#typed(out);
  }

  async patch(name: string, patch: unknown, options: PatchOptions = {}): Promise<T> {
    const namespace = this.#ns(await this.#ready(), options.namespace);
    const out = await this.#request("PATCH", { namespace, name }, writeQuery(options), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[options.type ?? "merge"],
      signal: options.signal,
      verb: "patch",
    });
    return this.#typed(out);
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<void> {
    const namespace = this.#ns(await this.#ready(), options.namespace);
    const body = deleteBody(options);
    await this.#request("DELETE", { namespace, name }, new URLSearchParams(), {
      ...(body ? { body } : {}),
      signal: options.signal,
      verb: "delete",
    });
  }

  async deleteCollection(options: ListOptions & WriteOptions): Promise<void> {
    const query = listQuery(options);
    for (const [k, v] of writeQuery(options)) query.set(k, v);
    await this.#request("DELETE", { namespace: options.namespace }, query, {
      signal: options.signal,
      verb: "delete collection of",
    });
  }

  async *watch(options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const info = await this.#ready();
    const path = withQuery(
      resourcePath(info, { namespace: options.namespace }),
      watchQuery(options),
    );
    const ctx = this.#ctx("watch");
    let body: ReadableStream<Uint8Array>;
    try {
      body = await this.#transport.stream({ method: "GET", path, ctx, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    try {
      for await (const event of decodeWatch<T>(body, ctx, options.signal)) yield event;
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    } finally {
      await body.cancel().catch(() => {});
    }
  }

  #withIdentity(object: T): T {
    return {
      ...object,
      apiVersion: object.apiVersion ?? this.#info.apiVersion,
      kind: this.#info.kind,
    };
  }
}
