/**
 * Kubernetes events for the important transitions (reference §3.2 event reasons). Recording an
 * event never fails the caller: errors are logged and dropped.
 */
import type { KubeClient } from "../lib/k8s/mod.ts";
import type { KubeObject } from "../lib/types/mod.ts";
import type { Logger } from "../lib/log/mod.ts";

/** The event reasons DirectPV uses. */
export const EVENT_REASONS = {
  stageVolume: "StageVolume",
  volumeMoved: "VolumeMoved",
  metrics: "Metrics",
  volumeProvisioned: "VolumeProvisioned",
  volumeAdded: "VolumeAdded",
  volumeExpanded: "VolumeExpanded",
  volumeReleased: "VolumeReleased",
  driveHasMountError: "DriveHasMountError",
  driveMounted: "DriveMounted",
  driveHasMultipleMatches: "DriveHasMultipleMatches",
  driveHasIOError: "DriveHasIOError",
  driveHasRelabelError: "DriveHasRelabelError",
  initError: "InitError",
  deviceNotFoundError: "DeviceNotFoundError",
  /** Not a DirectPV reason: removing a drive that still holds volumes was refused. */
  driveRemoveRefused: "DriveRemoveRefused",
  /** Not DirectPV reasons: what the drive health check found (the condition reasons). */
  driveIsReadOnly: "DriveIsReadOnly",
  driveHasDeviceErrors: "DriveHasDeviceErrors",
  driveFailsSmartCheck: "DriveFailsSmartCheck",
  /** Not DirectPV reasons: the device under a drive grew (its XFS was grown) or shrank. */
  driveGrown: "DriveGrown",
  driveDeviceShrunk: "DriveDeviceShrunk",
  /** Not a DirectPV reason: the health check found a troubled drive healthy again. */
  driveRecovered: "DriveRecovered",
} as const;

export type EventReason = typeof EVENT_REASONS[keyof typeof EVENT_REASONS];

export interface EventInput {
  object: KubeObject;
  type: "Normal" | "Warning";
  reason: EventReason;
  message: string;
}

/** Where Kubernetes events go; recording never fails the caller. */
export interface EventSink {
  record(input: EventInput): Promise<void>;
}

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
