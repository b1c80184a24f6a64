/**
 * `init` (reference §1.6): ask each node to format the drives selected in `drives.yaml`, wait
 * for the answers, and always delete the requests afterwards.
 */
import type { KubeClient } from "../k8s/mod.ts";
import { FailedPreconditionError } from "../errors/mod.ts";
import { type InitConfig, type NodeInitDevices, selectedDevices } from "../init_config/mod.ts";
import {
  API_VERSION,
  CREATED_BY,
  type DirectPVInitRequest,
  KINDS,
  LABELS,
  toLabelValue,
  VERSION,
} from "../types/mod.ts";
import { signalOption, silentReporter, type WriteRunOptions } from "./types.ts";
import { waitForEach } from "./wait.ts";

/** Outcome of one drive. */
export type InitDriveStatus = "Success" | "Failed" | "Error" | "Timeout";

/** One row of the `init` result. */
export interface InitDriveResult {
  /** Name of the DirectPVInitRequest that carried the drive. */
  request: string;
  node: string;
  drive: string;
  status: InitDriveStatus;
  /** The node's error for `Failed`. */
  error?: string;
}

/** Everything `init` learned. */
export interface InitOutcome {
  requestId: string;
  results: InitDriveResult[];
}

/** Arguments of {@link initDrives}. */
export interface InitArgs extends Omit<WriteRunOptions, "dryRun"> {
  config: InitConfig;
  /** How long to wait for the nodes, in milliseconds. */
  timeoutMs: number;
  /** Makes request ids and object names (default `crypto.randomUUID`). */
  uuid?: () => string;
}

/** The DirectPVInitRequest for one node's selected devices. */
export function newInitRequest(
  name: string,
  requestId: string,
  entry: NodeInitDevices,
): DirectPVInitRequest {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.initRequest,
    metadata: {
      name,
      labels: {
        [LABELS.node]: toLabelValue(entry.node),
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.nodeController,
        [LABELS.requestId]: requestId,
      },
    },
    spec: { devices: entry.devices.map((d) => ({ ...d })) },
    status: { status: "Pending", results: [] },
  };
}

function resultsOf(
  request: DirectPVInitRequest,
  entry: NodeInitDevices,
  final: DirectPVInitRequest | undefined,
): InitDriveResult[] {
  const name = request.metadata.name ?? "";
  return entry.devices.map((device): InitDriveResult => {
    const base = { request: name, node: entry.node, drive: device.name };
    if (!final) return { ...base, status: "Timeout" };
    if (final.status?.status === "Error") return { ...base, status: "Error" };
    const error = final.status?.results?.find((r) => r.name === device.name)?.error;
    return error ? { ...base, status: "Failed", error } : { ...base, status: "Success" };
  });
}

/**
 * Creates one DirectPVInitRequest per node with selected drives, waits until each is no
 * longer Pending (or the timeout), then deletes every request of this run. Failed drives are
 * reported in the results, not thrown.
 *
 * @throws {FailedPreconditionError} when no drive is selected
 */
export async function initDrives(kube: KubeClient, args: InitArgs): Promise<InitOutcome> {
  const reporter = args.reporter ?? silentReporter;
  const uuid = args.uuid ?? (() => crypto.randomUUID());
  const entries = selectedDevices(args.config);
  if (entries.length === 0) throw new FailedPreconditionError("No drives are available to init");
  const requestId = uuid();
  const selector = `${LABELS.requestId}=${requestId}`;
  const requests = entries.map((entry) => newInitRequest(uuid(), requestId, entry));
  reporter.begin?.(requests.length);
  try {
    for (const request of requests) {
      await kube.initRequests.create(request, signalOption(args.signal));
      const node = entries[requests.indexOf(request)]?.node ?? "";
      reporter.update?.(
        request.metadata.name ?? "",
        "active",
        `Processing initialization request '${request.metadata.name}' for node '${node}'`,
      );
    }
    const waited = await waitForEach(kube.initRequests, {
      names: requests.map((r) => r.metadata.name ?? ""),
      labelSelector: selector,
      done: (r) => r.status?.status !== undefined && r.status.status !== "Pending",
      onDone: (r) => {
        const node = r.metadata.labels?.[LABELS.node] ?? "";
        const ok = r.status?.status === "Processed" &&
          !(r.status.results ?? []).some((x) => x.error);
        reporter.update?.(
          r.metadata.name ?? "",
          ok ? "done" : "failed",
          `Processed initialization request '${r.metadata.name}' for node '${node}'`,
        );
      },
      timeoutMs: args.timeoutMs,
      ...signalOption(args.signal),
    });
    const results = requests.flatMap((request, i) =>
      resultsOf(
        request,
        entries[i] as NodeInitDevices,
        waited.objects.get(request.metadata.name ?? ""),
      )
    );
    return { requestId, results };
  } finally {
    reporter.end?.();
    await kube.initRequests.deleteCollection({ labelSelector: selector }).catch((err) =>
      reporter.warn(`Unable to delete the initialization requests of ${requestId}: ${err}`)
    );
  }
}
