/**
 * Kubernetes events for the important transitions (reference §3.2 event reasons). Recording an
 * event never fails the caller: errors are logged and dropped.
 */
import type { KubeClient } from "../lib/k8s/mod.ts";
import type { Logger } from "../lib/log/mod.ts";

export {
  EVENT_REASONS,
  type EventInput,
  type EventReason,
  type EventSink,
} from "../lib/node_init/mod.ts";
import type { EventInput } from "../lib/node_init/mod.ts";

/** Writes core/v1 Events about DirectPV objects. */
export class EventRecorder {
  readonly #kube: KubeClient;
  readonly #component: string;
  readonly #namespace: string;
  readonly #logger: Logger;
  readonly #host: string | undefined;

  constructor(
    kube: KubeClient,
    options: { component: string; logger: Logger; namespace?: string; host?: string },
  ) {
    this.#kube = kube;
    this.#component = options.component;
    this.#namespace = options.namespace ?? "default";
    this.#logger = options.logger;
    this.#host = options.host;
  }

  /** Records one event; resolves once written (or dropped after logging the failure). */
  async record(input: EventInput): Promise<void> {
    const { object } = input;
    const now = new Date().toISOString();
    const name = `${object.metadata.name ?? "object"}.${Date.now().toString(16)}${
      Math.floor(Math.random() * 0xffff).toString(16)
    }`;
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: this.#namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason: input.reason,
      message: input.message,
      type: input.type,
      source: { component: this.#component, ...(this.#host ? { host: this.#host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.#kube.events.create(event, { namespace: this.#namespace });
    } catch (err) {
      this.#logger.warn("Cannot record event", {
        reason: input.reason,
        object: object.metadata.name,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
