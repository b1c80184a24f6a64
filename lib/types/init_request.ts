/** DirectPVInitRequest (reference §2.4): a request to format devices on one node. */
import type { KubeObject } from "./meta.ts";

export const INIT_STATUSES = ["Pending", "Processed", "Error"] as const;
export type InitStatus = typeof INIT_STATUSES[number];

export interface InitDevice {
  id: string;
  name: string;
  /** Erase what the device holds; without it only an empty device is formatted. */
  force: boolean;
}

/** Ends the node's refusal of a device that holds something when the request does not force it. */
export const NOT_FORCED = "and it is not forced";

export interface InitDeviceResult {
  name: string;
  error?: string;
}

export interface InitRequestSpec {
  devices: InitDevice[];
}

export interface InitRequestStatusFields {
  status: InitStatus;
  /** Required by the CRD; DirectPV creates requests with an empty list. */
  results: InitDeviceResult[];
}

export interface DirectPVInitRequest extends KubeObject {
  spec: InitRequestSpec;
  status: InitRequestStatusFields;
}
