/** Kubernetes event reasons (reference §3.2) and where the node's events go. */
import type { KubeObject } from "../types/mod.ts";

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
