/** Timed CreateVolume/DeleteVolume calls over the controller's socket for the benchmark. */
import type * as grpc from "@grpc/grpc-js";
import {
  type ControllerClient,
  CreateVolumeRequest,
  DeleteVolumeRequest,
} from "../../proto/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { benchNode } from "./controller_seed.ts";
import { latencyFigures } from "../lib/mod.ts";

const GIB = 1024 ** 3;

/** The figures of one run of calls. */
export interface CallFigures {
  op: "create" | "delete";
  callers: number;
  calls: number;
  ok: number;
  failed: number;
  perSecond: number;
  /** Latencies in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** The first few failures, for the log. */
  errors: string[];
}

/** What to call. */
export interface CallPlan {
  /** Volume names are `<prefix>-<i>`. */
  prefix: string;
  calls: number;
  callers: number;
  /** Nodes of the seeded drives; call i asks for node i % nodes. */
  nodes: number;
}

function createRequest(plan: CallPlan, i: number): CreateVolumeRequest {
  const topology = [{ segments: { [LABELS.node]: benchNode(i, plan.nodes) } }];
  return CreateVolumeRequest.fromPartial({
    name: `${plan.prefix}-${i}`,
    capacityRange: { requiredBytes: GIB },
    volumeCapabilities: [{ mount: { fsType: "xfs" }, accessMode: { mode: 1 } }],
    accessibilityRequirements: { requisite: topology, preferred: topology },
  });
}

function unary<Res>(
  start: (callback: (err: grpc.ServiceError | null, res: Res) => void) => void,
): Promise<{ res?: Res; err?: grpc.ServiceError }> {
  return new Promise((resolve) => start((err, res) => resolve(err ? { err } : { res })));
}

/**
 * Runs `plan.calls` calls of `op` with `plan.callers` callers in parallel. A create returns
 * the ids of the volumes it made; a delete deletes the volumes ids[i] (as created before).
 */
export async function runCalls(
  client: ControllerClient,
  op: "create" | "delete",
  plan: CallPlan,
  ids: readonly string[] = [],
): Promise<{ figures: CallFigures; ids: string[] }> {
  const latencies: number[] = [];
  const made: string[] = [];
  const errors: string[] = [];
  const total = op === "create" ? plan.calls : ids.length;
  let next = 0;
  const caller = async () => {
    while (next < total) {
      const i = next++;
      const started = performance.now();
      const { res, err } = op === "create"
        ? await unary((cb) => client.createVolume(createRequest(plan, i), cb))
        : await unary((cb) =>
          client.deleteVolume(DeleteVolumeRequest.fromPartial({ volumeId: ids[i] ?? "" }), cb)
        );
      latencies.push(performance.now() - started);
      if (err) errors.push(`${op} ${i}: ${err.code} ${err.details}`);
      const id = (res as { volume?: { volumeId: string } } | undefined)?.volume?.volumeId;
      if (id) made.push(id);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: plan.callers }, caller));
  const seconds = (performance.now() - started) / 1000;
  const latency = latencyFigures(latencies);
  const figures: CallFigures = {
    op,
    callers: plan.callers,
    calls: total,
    ok: total - errors.length,
    failed: errors.length,
    perSecond: total / seconds,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    errors: errors.slice(0, 5),
  };
  return { figures, ids: made };
}
