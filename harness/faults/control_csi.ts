/**
 * CSI Controller calls over a controller's unix socket for the control-plane fault scenarios,
 * as csi-provisioner and csi-resizer make them: each call's outcome is a gRPC code, never a
 * thrown error, so a scenario can tell a clean failure from a success.
 */
import * as grpc from "@grpc/grpc-js";
import {
  ControllerClient,
  ControllerExpandVolumeRequest,
  CreateVolumeRequest,
  DeleteVolumeRequest,
} from "../../proto/mod.ts";
import { NODE_TOPOLOGY } from "./control_world.ts";

/** One call's outcome. */
export interface CallOutcome {
  /** The gRPC code, 0 for OK. */
  code: number;
  /** The code's name (`OK`, `RESOURCE_EXHAUSTED`). */
  status: string;
  details: string;
  /** The volume id a CreateVolume answered, or the size an expansion answered. */
  volumeId?: string;
  capacityBytes?: number;
}

const MOUNT_CAPABILITY = { mount: { fsType: "xfs" }, accessMode: { mode: 1 } };

function outcome(err: grpc.ServiceError | null): CallOutcome {
  if (!err) return { code: 0, status: "OK", details: "" };
  return {
    code: err.code,
    status: grpc.status[err.code] ?? String(err.code),
    details: err.details,
  };
}

/** The calls of one socket. */
export class ControlCsi {
  readonly #client: ControllerClient;
  /** Deadline of each call, as the sidecars' --timeout sets it. */
  readonly #timeoutMs: number;

  constructor(socket: string, timeoutMs = 30_000) {
    this.#client = new ControllerClient(`unix:${socket}`, grpc.credentials.createInsecure());
    this.#timeoutMs = timeoutMs;
  }

  #options(): Partial<grpc.CallOptions> {
    return { deadline: Date.now() + this.#timeoutMs };
  }

  /** CreateVolume of `bytes` pinned to the control node. */
  createVolume(name: string, bytes: number): Promise<CallOutcome> {
    const req = CreateVolumeRequest.fromPartial({
      name,
      capacityRange: { requiredBytes: bytes },
      volumeCapabilities: [MOUNT_CAPABILITY],
      accessibilityRequirements: { requisite: NODE_TOPOLOGY, preferred: NODE_TOPOLOGY },
    });
    return new Promise((resolve) =>
      this.#client.createVolume(req, new grpc.Metadata(), this.#options(), (err, res) =>
        resolve({
          ...outcome(err),
          ...(res?.volume ? { volumeId: res.volume.volumeId } : {}),
          ...(res?.volume ? { capacityBytes: res.volume.capacityBytes } : {}),
        }))
    );
  }

  deleteVolume(volumeId: string): Promise<CallOutcome> {
    const req = DeleteVolumeRequest.fromPartial({ volumeId });
    return new Promise((resolve) =>
      this.#client.deleteVolume(
        req,
        new grpc.Metadata(),
        this.#options(),
        (err) => resolve(outcome(err)),
      )
    );
  }

  expandVolume(volumeId: string, bytes: number): Promise<CallOutcome> {
    const req = ControllerExpandVolumeRequest.fromPartial({
      volumeId,
      capacityRange: { requiredBytes: bytes },
      volumeCapability: MOUNT_CAPABILITY,
    });
    return new Promise((resolve) =>
      this.#client.controllerExpandVolume(
        req,
        new grpc.Metadata(),
        this.#options(),
        (err, res) =>
          resolve({
            ...outcome(err),
            ...(res ? { capacityBytes: res.capacityBytes } : {}),
          }),
      )
    );
  }

  /** Connects the channel, so the first calls do not wait behind the connection. */
  connected(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()))
    );
  }

  close(): void {
    this.#client.close();
  }
}

/** A check's detail for a list of outcomes: `OK ×3, RESOURCE_EXHAUSTED ×2`. */
export function tally(outcomes: readonly CallOutcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s} ×${n}`).join(", ");
}
