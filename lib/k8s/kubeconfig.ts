/**
 * Kubeconfig resolution the way kubectl does it: `--kubeconfig` path, else the files of
 * `KUBECONFIG` (colon-separated, merged, first definition wins), else `~/.kube/config`, else
 * the in-cluster service account; `--context` overrides the current context.
 *
 * Entries are read with `@kubernetes/client-node`'s kubeconfig parsers. Exec and
 * auth-provider plugins run through its `KubeConfig`, loaded only when a plugin is used
 * (the full package costs about 70 MB of memory). `tls-server-name` is not supported.
 */
import {
  type Cluster,
  type Context,
  newClusters,
  newContexts,
  newUsers,
  type User,
} from "@kubernetes/client-node/dist/config_types.js";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import {
  errorMessage,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from "../errors/mod.ts";

/** Where to find the kubeconfig; both are optional, like kubectl's flags. */
export interface KubeConfigOptions {
  /** Explicit kubeconfig file (`--kubeconfig`); KUBECONFIG is then ignored. */
  kubeconfig?: string;
  /** Context to use instead of the current context (`--context`). */
  context?: string;
  /** Environment lookup (defaults to the process environment). */
  env?: (name: string) => string | undefined;
}

/** Per-request credentials: headers, plus a client certificate when a plugin returns one. */
export interface RequestAuth {
  headers: Record<string, string>;
  cert?: string;
  key?: string;
}

/** The cluster and credentials of one context. */
export interface KubeConnection {
  /** API server URL without a trailing slash. */
  server: string;
  context: string;
  cluster: string;
  user: string;
  /** The context's namespace, if any. */
  namespace?: string;
  /** The files merged, or "in-cluster". */
  sources: string[];
  /** Extra root CAs in PEM. */
  caCerts: string[];
  /** Client certificate and key in PEM. */
  cert?: string;
  key?: string;
  skipTlsVerify: boolean;
  proxyUrl?: string;
  /** Credentials for the next request (reads rotating tokens, runs exec plugins). */
  auth(): Promise<RequestAuth>;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_REFRESH_MS = 60_000;

interface RawEntry {
  name?: string;
  [k: string]: unknown;
}

interface Merged {
  clusters: Map<string, RawEntry>;
  users: Map<string, RawEntry>;
  contexts: Map<string, RawEntry>;
  currentContext?: string;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Rewrites relative file references of one kubeconfig to absolute, against its directory. */
function absolutize(entry: RawEntry, field: "cluster" | "user", dir: string): RawEntry {
  const keys = field === "cluster"
    ? ["certificate-authority"]
    : ["client-certificate", "client-key", "token-file"];
  const inner = { ...(entry[field] as Record<string, unknown> | undefined) };
  for (const key of keys) {
    const value = inner[key];
    if (typeof value === "string" && value !== "" && !isAbsolute(value)) {
      inner[key] = join(dir, value);
    }
  }
  return { ...entry, [field]: inner };
}

function mergeFile(merged: Merged, path: string): void {
  let doc: Record<string, unknown> | null;
  try {
    doc = parse(Deno.readTextFileSync(path)) as Record<string, unknown> | null;
  } catch (err) {
    throw new InvalidArgumentError(`Cannot load kubeconfig "${path}": ${errorMessage(err)}`);
  }
  if (!doc || typeof doc !== "object") return;
  const dir = dirname(path);
  const add = (key: "clusters" | "users" | "contexts", map: Map<string, RawEntry>) => {
    const list = Array.isArray(doc?.[key]) ? doc[key] as RawEntry[] : [];
    for (const entry of list) {
      if (!entry?.name || map.has(entry.name)) continue;
      const fixed = key === "clusters"
        ? absolutize(entry, "cluster", dir)
        : key === "users"
        ? absolutize(entry, "user", dir)
        : entry;
      map.set(entry.name, fixed);
    }
  };
  add("clusters", merged.clusters);
  add("users", merged.users);
  add("contexts", merged.contexts);
  const current = doc["current-context"];
  if (!merged.currentContext && typeof current === "string" && current) {
    merged.currentContext = current;
  }
}

/** The kubeconfig files to merge, or "in-cluster"; throws when there is nothing to use. */
export function kubeconfigSources(
  options: KubeConfigOptions,
  env: (name: string) => string | undefined,
): string[] | "in-cluster" {
  if (options.kubeconfig) {
    if (!exists(options.kubeconfig)) {
      throw new NotFoundError(`Cannot load kubeconfig "${options.kubeconfig}": no such file`);
    }
    return [options.kubeconfig];
  }
  const list = env("KUBECONFIG");
  if (list) {
    const files = list.split(":").filter((f) => f !== "" && exists(f));
    if (files.length === 0) {
      throw new NotFoundError(`Cannot load kubeconfig: no file of KUBECONFIG "${list}" exists`);
    }
    return files;
  }
  const home = env("HOME");
  if (home && exists(join(home, ".kube", "config"))) return [join(home, ".kube", "config")];
  if (env("KUBERNETES_SERVICE_HOST") && exists(join(SA_DIR, "token"))) return "in-cluster";
  throw new NotFoundError(
    "Cannot find a kubeconfig: use --kubeconfig, set KUBECONFIG, create ~/.kube/config " +
      "or run inside a cluster",
  );
}

function pick<T extends { name: string }>(
  normalize: (a: unknown) => T[],
  map: Map<string, RawEntry>,
  name: string,
  what: string,
): T {
  const raw = map.get(name);
  if (!raw) throw new NotFoundError(`Cannot use kubeconfig: ${what} "${name}" not found`);
  try {
    return normalize([raw])[0] as T;
  } catch (err) {
    throw new InvalidArgumentError(`Cannot use kubeconfig ${what} "${name}": ${errorMessage(err)}`);
  }
}

function fileOrData(
  file: string | undefined,
  data: string | undefined,
  what: string,
): string | undefined {
  if (file) {
    try {
      return Deno.readTextFileSync(file);
    } catch (err) {
      throw new NotFoundError(`Cannot read ${what} "${file}": ${errorMessage(err)}`);
    }
  }
  if (data) return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  return undefined;
}

/** A token read from a file and re-read every minute (service account tokens rotate). */
function fileToken(path: string): () => string {
  let token = "";
  let readAt = 0;
  return () => {
    if (Date.now() - readAt > TOKEN_REFRESH_MS) {
      try {
        token = Deno.readTextFileSync(path).trim();
      } catch (err) {
        throw new PermissionDeniedError(
          `Cannot read service account token "${path}": ${errorMessage(err)}`,
        );
      }
      readAt = Date.now();
    }
    return token;
  };
}

function inCluster(env: (name: string) => string | undefined): KubeConnection {
  const host = env("KUBERNETES_SERVICE_HOST") ?? "";
  const port = env("KUBERNETES_SERVICE_PORT") ?? "443";
  const token = fileToken(join(SA_DIR, "token"));
  const nsFile = join(SA_DIR, "namespace");
  const namespace = exists(nsFile) ? Deno.readTextFileSync(nsFile).trim() : undefined;
  const ca = join(SA_DIR, "ca.crt");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    context: "in-cluster",
    cluster: "in-cluster",
    user: "service-account",
    ...(namespace ? { namespace } : {}),
    sources: ["in-cluster"],
    caCerts: exists(ca) ? [Deno.readTextFileSync(ca)] : [],
    skipTlsVerify: false,
    auth: () => {
      try {
        return Promise.resolve({ headers: { Authorization: `Bearer ${token()}` } });
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

/** Credentials of a user: static token, basic auth, or a client-node plugin. */
function userAuth(
  user: User | undefined,
  cluster: Cluster,
  context: Context,
): () => Promise<RequestAuth> {
  const base: Record<string, string> = {};
  if (user?.impersonateUser) base["Impersonate-User"] = user.impersonateUser;
  if (user?.username) {
    base.Authorization = `Basic ${btoa(`${user.username}:${user.password ?? ""}`)}`;
  }
  if (user?.token) base.Authorization = `Bearer ${user.token.trim()}`;
  if (!user?.exec && !user?.authProvider) return () => Promise.resolve({ headers: base });
  let plugin: Promise<{ applyToHTTPSOptions(opts: never): Promise<void> }> | undefined;
  const load = async () => {
    const { KubeConfig } = await import("@kubernetes/client-node/dist/config.js");
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [user],
      contexts: [context],
      currentContext: context.name,
    });
    return kc;
  };
  return async () => {
    plugin ??= load();
    const kc = await plugin;
    const opts: { headers?: Record<string, string>; cert?: unknown; key?: unknown } = {};
    try {
      await kc.applyToHTTPSOptions(opts as never);
    } catch (err) {
      throw new PermissionDeniedError(
        `Cannot get credentials of user "${user.name}" from its plugin: ${errorMessage(err)}`,
      );
    }
    const pem = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    const cert = pem(opts.cert);
    const key = pem(opts.key);
    return {
      headers: { ...base, ...opts.headers },
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    };
  };
}

function connectionOf(merged: Merged, contextName: string, sources: string[]): KubeConnection {
  const context = pick(newContexts, merged.contexts, contextName, "context");
  const cluster = pick(newClusters, merged.clusters, context.cluster, "cluster");
  const user = context.user ? pick(newUsers, merged.users, context.user, "user") : undefined;
  const ca = fileOrData(
    cluster.caFile,
    cluster.caData,
    `certificate authority of cluster "${cluster.name}"`,
  );
  const cert = fileOrData(
    user?.certFile,
    user?.certData,
    `client certificate of user "${user?.name}"`,
  );
  const key = fileOrData(user?.keyFile, user?.keyData, `client key of user "${user?.name}"`);
  return {
    server: cluster.server,
    context: context.name,
    cluster: cluster.name,
    user: user?.name ?? "",
    ...(context.namespace ? { namespace: context.namespace } : {}),
    sources,
    caCerts: ca ? [ca] : [],
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    skipTlsVerify: cluster.skipTLSVerify,
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    auth: userAuth(user, cluster, context),
  };
}

/**
 * Resolves the kubeconfig like kubectl and returns the chosen context's connection.
 *
 * @throws {NotFoundError} when no kubeconfig exists or the context, cluster or user is missing
 * @throws {InvalidArgumentError} when a file does not parse or has no current context
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConnection {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const sources = kubeconfigSources(options, env);
  if (sources === "in-cluster") {
    if (options.context) {
      throw new NotFoundError(`Cannot use context "${options.context}": running in-cluster`);
    }
    return inCluster(env);
  }
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of sources) mergeFile(merged, file);
  const contextName = options.context ?? merged.currentContext;
  if (!contextName) {
    throw new InvalidArgumentError(
      `Cannot use kubeconfig "${sources.join(":")}": current-context is not set; use --context`,
    );
  }
  return connectionOf(merged, contextName, sources);
}
