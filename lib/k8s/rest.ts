/**
 * The real KubeClient: HTTP with `fetch` over a `Deno.createHttpClient` carrying the
 * kubeconfig's CA and client certificate, credentials from the kubeconfig (token, basic,
 * exec and auth-provider plugins through `@kubernetes/client-node`).
 */
import {
  AbortedError,
  DeadlineExceededError,
  errorMessage,
  InvalidArgumentError,
  UnavailableError,
} from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import { type KindInfo, resolveKind, type TypedClients, typedClients } from "./kinds.ts";
import { type KubeConfigOptions, type KubeConnection, loadKubeConfig } from "./kubeconfig.ts";
import { type RestRequest, RestResource, type Transport } from "./rest_resource.ts";
import {
  type ApiStatus,
  describeRequest,
  errorFromNetwork,
  errorFromStatus,
} from "./status_errors.ts";
import type {
  AnyObject,
  KubeClient,
  ResourceClient,
  ResourceScope,
  ServerVersion,
} from "./types.ts";

/** Options of the REST client. */
export interface RestOptions {
  /** Time limit of one non-watch request in milliseconds (default 60000). */
  requestTimeoutMs?: number;
  /** User-Agent header (default "directpv"). */
  userAgent?: string;
}

/** Where to connect and how. */
export type ConnectOptions = KubeConfigOptions & RestOptions;

async function statusOf(res: Response): Promise<ApiStatus | undefined> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body && typeof body === "object") return body as ApiStatus;
  } catch {
    // Not JSON: use the text as the message.
  }
  return text.trim() ? { message: text.trim().slice(0, 500) } : undefined;
}

/** fetch-based transport; maps every failure through status_errors. */
export class FetchTransport implements Transport {
  readonly #conn: KubeConnection;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  #client: Deno.HttpClient;
  #clientKey: string;

  constructor(conn: KubeConnection, options: RestOptions = {}) {
    if (conn.skipTlsVerify) {
      throw new InvalidArgumentError(
        `Cannot connect to cluster "${conn.cluster}": insecure-skip-tls-verify is not supported; ` +
          "set certificate-authority or certificate-authority-data in the kubeconfig",
      );
    }
    this.#conn = conn;
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#userAgent = options.userAgent ?? "directpv";
    this.#clientKey = `${conn.cert ?? ""}\n${conn.key ?? ""}`;
    this.#client = this.#makeClient(conn.cert, conn.key);
  }

  #makeClient(cert: string | undefined, key: string | undefined): Deno.HttpClient {
    return Deno.createHttpClient({
      caCerts: this.#conn.caCerts,
      ...(cert && key ? { cert, key } : {}),
      ...(this.#conn.proxyUrl ? { proxy: { url: this.#conn.proxyUrl } } : {}),
    });
  }

  /** Releases the connection pool. */
  close(): void {
    this.#client.close();
  }

  async json(request: RestRequest): Promise<unknown> {
    const res = await this.#send(request, { stream: false });
    const text = await res.text();
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new UnavailableError(
        `Cannot ${describeRequest(request.ctx)}: the API server sent a body that is not JSON`,
      );
    }
  }

  async stream(request: RestRequest): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#send(request, { stream: true });
    if (!res.body) {
      throw new UnavailableError(`Cannot ${describeRequest(request.ctx)}: empty response`);
    }
    return res.body;
  }

  async #send(request: RestRequest, how: { stream: boolean }): Promise<Response> {
    const auth = await this.#conn.auth();
    if (auth.cert && auth.key && `${auth.cert}\n${auth.key}` !== this.#clientKey) {
      this.#client.close();
      this.#client = this.#makeClient(auth.cert, auth.key);
      this.#clientKey = `${auth.cert}\n${auth.key}`;
    }
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": this.#userAgent,
      ...auth.headers,
    };
    if (request.body !== undefined) {
      headers["Content-Type"] = request.contentType ?? "application/json";
    }
    const timeout = how.stream ? undefined : AbortSignal.timeout(this.#timeoutMs);
    const signals = [request.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    let res: Response;
    try {
      res = await fetch(this.#conn.server + request.path, {
        method: request.method,
        headers,
        client: this.#client,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (err) {
      throw this.#failure(err, request, timeout);
    }
    if (!res.ok) throw errorFromStatus(res.status, await statusOf(res), request.ctx);
    return res;
  }

  #failure(err: unknown, request: RestRequest, timeout: AbortSignal | undefined): Error {
    const what = `Cannot ${describeRequest(request.ctx)}`;
    const reason = request.signal?.reason as { name?: string } | undefined;
    if (request.signal?.aborted) {
      return reason?.name === "TimeoutError"
        ? new DeadlineExceededError(`${what}: timed out`, { cause: err })
        : new AbortedError(`${what}: cancelled`, { cause: err });
    }
    if (timeout?.aborted) {
      return new UnavailableError(
        `${what}: the API server did not answer within ${this.#timeoutMs / 1000}s`,
        { cause: err },
      );
    }
    return errorFromNetwork(err, request.ctx);
  }
}

// The per-kind clients are assigned in the constructor from one table (typedClients).
export interface RestKube extends TypedClients {}

/** KubeClient over a transport. */
export class RestKube implements KubeClient {
  readonly #transport: Transport;
  readonly #kinds = new Map<string, RestResource<AnyObject>>();

  constructor(transport: Transport) {
    this.#transport = transport;
    Object.assign(this, typedClients((info) => this.#typed(info)));
  }

  resource(apiVersion: string, kind: string, scope?: ResourceScope): ResourceClient<AnyObject> {
    const id = `${apiVersion}/${kind}`;
    const existing = this.#kinds.get(id);
    if (existing && scope === undefined) return existing;
    const info = resolveKind(apiVersion, kind, scope);
    const client = new RestResource<AnyObject>(this.#transport, info, { discover: info.guessed });
    this.#kinds.set(id, client);
    return client;
  }

  async serverVersion(): Promise<ServerVersion> {
    const ctx = { verb: "get", kind: "version", name: "/version" };
    const body = await this.#transport.json({ method: "GET", path: "/version", ctx });
    const { major = "", minor = "", gitVersion = "" } = body as Partial<ServerVersion>;
    return { major, minor, gitVersion };
  }

  #typed<T extends KubeObject>(info: KindInfo): ResourceClient<T> {
    const client = new RestResource<AnyObject>(this.#transport, info);
    this.#kinds.set(`${info.apiVersion}/${info.kind}`, client);
    return client as unknown as ResourceClient<T>;
  }
}

/** A KubeClient for an already resolved connection. */
export function restKube(conn: KubeConnection, options: RestOptions = {}): KubeClient {
  return new RestKube(new FetchTransport(conn, options));
}

/**
 * Resolves the kubeconfig like kubectl and returns a client for its context. Nothing is
 * sent until the first call.
 *
 * @throws {NotFoundError} when no kubeconfig or context is found
 * @throws {InvalidArgumentError} when the kubeconfig cannot be used
 */
export function connectKube(options: ConnectOptions = {}): Promise<KubeClient> {
  try {
    const { requestTimeoutMs, userAgent, ...where } = options;
    const conn = loadKubeConfig(where);
    return Promise.resolve(restKube(conn, {
      ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
    }));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(errorMessage(err)));
  }
}
