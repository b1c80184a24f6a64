/**
 * FakeKube: an in-memory KubeClient with API-server semantics, a call log and injectable
 * failures, for unit tests of everything that talks to Kubernetes.
 *
 * @example
 * const kube = new FakeKube();
 * kube.seed(drive);
 * kube.inject({ verb: "update", resource: "directpvdrives", times: 2, error: () => new ConflictError("stale") });
 */
import { InvalidArgumentError } from "../errors/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import { type FakeCall, FakeResource, type FakeRunner, type FakeVerb } from "./fake_resource.ts";
import { FakeStore } from "./fake_store.ts";
import type { WatchHandle } from "./fake_watch.ts";
import { groupOf, type KindInfo, resolveKind, type TypedClients, typedClients } from "./kinds.ts";
import type {
  AnyObject,
  KubeClient,
  ResourceClient,
  ResourceScope,
  ServerVersion,
} from "./types.ts";

export type { FakeCall, FakeVerb };

/** A failure or hook attached to matching calls, like a client-go reactor. */
export interface FakeReaction {
  /** Verb(s) to match, or "*" for every verb. */
  verb: FakeVerb | readonly FakeVerb[] | "*";
  /** Plural (`directpvdrives`), kind (`DirectPVDrive`) or `plural.group`; any when omitted. */
  resource?: string;
  /** Object name to match; any when omitted. */
  name?: string;
  /** How many matching calls react; unlimited when omitted. */
  times?: number;
  /** Thrown instead of performing the call (a factory gets a fresh error each time). */
  error?: Error | ((call: FakeCall) => Error);
  /**
   * Runs before the call is performed; it may throw, change the store through the client
   * (a concurrent writer), or change `call.object`, which is what will be written.
   */
  hook?: (call: FakeCall) => void | Promise<void>;
}

/** Options of FakeKube. */
export interface FakeKubeOptions {
  /** Version reported by serverVersion() (default "1.35.4"). */
  version?: string;
  /** Events kept for watch replay (default 10000). */
  historyLimit?: number;
  /** Clock for creation and deletion timestamps. */
  now?: () => Date;
}

interface ActiveReaction {
  spec: FakeReaction;
  left: number;
  running: boolean;
}

function matchesResource(spec: FakeReaction, call: FakeCall): boolean {
  if (spec.resource === undefined) return true;
  const group = groupOf(call.apiVersion);
  return [call.resource, call.kind, group ? `${call.resource}.${group}` : call.resource]
    .includes(spec.resource);
}

function matches(spec: FakeReaction, call: FakeCall): boolean {
  const verbs = spec.verb === "*"
    ? undefined
    : typeof spec.verb === "string"
    ? [spec.verb]
    : spec.verb;
  return (verbs === undefined || verbs.includes(call.verb)) && matchesResource(spec, call) &&
    (spec.name === undefined || spec.name === call.name);
}

// The per-kind clients are assigned in the constructor from one table (typedClients).
export interface FakeKube extends TypedClients {}

/** In-memory KubeClient; see the module doc. */
export class FakeKube implements KubeClient, FakeRunner {
  /** The object store; tests rarely need it directly. */
  readonly store: FakeStore;
  /** Every call made through the client, in order. */
  readonly calls: FakeCall[] = [];
  /** Live watches. */
  readonly watches: Set<WatchHandle> = new Set();
  /** Version reported by serverVersion(). */
  version: string;
  readonly #reactions: ActiveReaction[] = [];
  readonly #kinds = new Map<string, { info: KindInfo; client: FakeResource<AnyObject> }>();

  constructor(options: FakeKubeOptions = {}) {
    this.store = new FakeStore({
      ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.version = options.version ?? "1.35.4";
    Object.assign(this, typedClients((info) => this.#typed(info)));
  }

  resource(apiVersion: string, kind: string, scope?: ResourceScope): ResourceClient<AnyObject> {
    const id = `${apiVersion}/${kind}`;
    const existing = this.#kinds.get(id);
    if (existing && scope === undefined) return existing.client;
    const info = resolveKind(apiVersion, kind, scope);
    const client = new FakeResource<AnyObject>(this, info);
    this.#kinds.set(id, { info, client });
    return client;
  }

  serverVersion(): Promise<ServerVersion> {
    const call: FakeCall = { verb: "serverVersion", resource: "", kind: "", apiVersion: "" };
    return this.run(call, () => {
      const [major = "1", minor = "0"] = this.version.replace(/^v/, "").split(".");
      return { major, minor, gitVersion: `v${this.version.replace(/^v/, "")}` };
    });
  }

  /**
   * Stores objects as they are (status included), without reactions or call records. Each
   * needs `apiVersion`, `kind` and `metadata.name`; resourceVersion, uid and
   * creationTimestamp are filled in. Returns the stored copies.
   */
  seed(...objects: KubeObject[]): AnyObject[] {
    return objects.map((object) => {
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        throw new InvalidArgumentError(
          `Cannot seed object "${
            object.metadata?.name ?? ""
          }": apiVersion, kind and metadata.name are required`,
        );
      }
      return this.store.seed(this.#info(object.apiVersion, object.kind), object as AnyObject);
    });
  }

  /** Adds a reaction; returns a function that removes it. */
  inject(reaction: FakeReaction): () => void {
    const active = { spec: reaction, left: reaction.times ?? Infinity, running: false };
    this.#reactions.push(active);
    return () => {
      const i = this.#reactions.indexOf(active);
      if (i >= 0) this.#reactions.splice(i, 1);
    };
  }

  /** Removes every reaction. */
  clearInjections(): void {
    this.#reactions.length = 0;
  }

  /** Calls matching a verb and, optionally, a resource (plural or kind). */
  callsOf(verb: FakeVerb, resource?: string): FakeCall[] {
    return this.calls.filter((c) =>
      c.verb === verb && (resource === undefined || c.resource === resource || c.kind === resource)
    );
  }

  /** Ends every live watch, as when the server closes them (with `error`, as a failure). */
  closeWatches(error?: Error): void {
    for (const handle of [...this.watches]) handle.close(error);
  }

  /** Drops the event history: watches and continue tokens from older versions get 410. */
  compact(): void {
    this.store.compact();
  }

  /** Records the call, runs matching reactions, then performs the operation. */
  async run<R>(call: FakeCall, op: () => R): Promise<R> {
    this.calls.push(call);
    for (const active of [...this.#reactions]) {
      if (active.running || active.left <= 0 || !matches(active.spec, call)) continue;
      active.left -= 1;
      if (active.left <= 0) this.#reactions.splice(this.#reactions.indexOf(active), 1);
      const { hook, error } = active.spec;
      if (hook) {
        active.running = true;
        try {
          await hook(call);
        } finally {
          active.running = false;
        }
      }
      if (error) throw typeof error === "function" ? error(call) : error;
    }
    await Promise.resolve();
    return op();
  }

  #info(apiVersion: string, kind: string): KindInfo {
    return this.#kinds.get(`${apiVersion}/${kind}`)?.info ?? resolveKind(apiVersion, kind);
  }

  #typed<T extends KubeObject>(info: KindInfo): ResourceClient<T> {
    const client = new FakeResource<AnyObject>(this, info);
    this.#kinds.set(`${info.apiVersion}/${info.kind}`, { info, client });
    return client as unknown as ResourceClient<T>;
  }
}
