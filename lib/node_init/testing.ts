/**
 * The node controllers for tests of discover and init: the real `reconcileNode` and
 * `reconcileInitRequest` on every node event, over fake devices instead of a Host.
 */
import { ExpiredError, NotFoundError, UnavailableError } from "../errors/mod.ts";
import { type KubeClient, type ResourceClient, sleep, type WatchEvent } from "../k8s/mod.ts";
import { nullLogger } from "../log/mod.ts";
import {
  type DirectPVInitRequest,
  IDENTITY,
  type KubeObject,
  LABELS,
  type NodeDevice,
} from "../types/mod.ts";
import type { NodeStepDeps } from "./deps.ts";
import { reconcileInitRequest } from "./init_request.ts";
import { reconcileNode } from "./node.ts";
import type { DeviceOps, DriveCapacity, ProbedDevice } from "./ops.ts";

/** What the fake machines hold and how they fail. */
export interface FakeDevicesOptions {
  /**
   * The devices of each node. A node not listed holds the devices its init requests name (as
   * discover saw them), or, on a refresh, the devices its DirectPVNode already reports.
   */
  devices?: Record<string, NodeDevice[]>;
  /** Device name → the error formatting it fails with (a busy device, a refusal). */
  failures?: Record<string, string>;
  /** Nodes whose controllers never answer. */
  ignoreNodes?: string[];
}

const MAJOR_MINOR = /^(\d+:\d+)\$/;

/** The devices an init request names, as the probe had found them. */
function requestedDevices(request: DirectPVInitRequest): NodeDevice[] {
  return request.spec.devices.map((d) => ({
    id: d.id,
    name: d.name,
    majorMinor: MAJOR_MINOR.exec(d.id)?.[1] ?? "0:0",
    size: 2 ** 30,
  }));
}

/** DeviceOps of one fake machine: formatting records the FSUUID; mounts do nothing. */
class FakeDevices implements DeviceOps {
  readonly #formatted = new Map<string, ProbedDevice>();
  constructor(
    readonly devices: () => Promise<NodeDevice[]>,
    readonly failures: Record<string, string>,
  ) {}

  probeDevices(): Promise<ProbedDevice[]> {
    return this.devices();
  }
  devicesByFsuuid(): Promise<Map<string, ProbedDevice[]>> {
    return Promise.resolve(new Map([...this.#formatted].map(([id, d]) => [id, [d]])));
  }
  format(device: ProbedDevice, options: { fsuuid: string }): Promise<DriveCapacity> {
    const failure = this.failures[device.name];
    if (failure !== undefined) return Promise.reject(new Error(failure));
    this.#formatted.set(options.fsuuid, device);
    return this.readCapacity(device.name);
  }
  readCapacity(deviceName: string): Promise<DriveCapacity> {
    const entry = [...this.#formatted].find(([, d]) => d.name === deviceName);
    if (!entry) return Promise.reject(new NotFoundError(`Device "${deviceName}" has no XFS`));
    const [fsuuid, device] = entry;
    return Promise.resolve({ fsuuid, totalCapacity: device.size, freeCapacity: device.size });
  }
  unfinishedFormat(): Promise<boolean> {
    const neverInterrupted = false;
    return Promise.resolve(neverInterrupted);
  }
  mountDrive(): Promise<void> {
    return Promise.resolve();
  }
  writeLayout(): Promise<void> {
    return Promise.resolve();
  }
  unmountDrive(): Promise<void> {
    return Promise.resolve();
  }
  hasDrive(fsuuid: string): boolean {
    return this.#formatted.has(fsuuid);
  }
}

/** Handles watch events until aborted, restarting the watch when it drops or is not served yet. */
async function watching<T extends KubeObject>(
  resource: ResourceClient<T>,
  signal: AbortSignal,
  handle: (event: WatchEvent<T>) => Promise<void>,
): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const event of resource.watch({ signal })) {
        // A bookmark carries only a resourceVersion, no object to act on.
        if (event.type !== "BOOKMARK") await handle(event);
      }
    } catch (err) {
      if (signal.aborted) return;
      const transient = err instanceof UnavailableError || err instanceof ExpiredError ||
        err instanceof NotFoundError;
      if (!transient) throw err;
    }
    await sleep(100, signal).catch(() => {});
  }
}

/** One fake node: its machine, what its steps are given, and the devices its requests named. */
interface FakeNode {
  machine: FakeDevices;
  deps: NodeStepDeps;
  asked: NodeDevice[];
}

async function reportedDevices(kube: KubeClient, node: string): Promise<NodeDevice[]> {
  const object = await kube.nodes.get(node).catch(() => undefined);
  return object?.status?.devices ?? [];
}

function fakeNode(kube: KubeClient, node: string, options: FakeDevicesOptions): FakeNode {
  const asked: NodeDevice[] = [];
  const devices = async () =>
    options.devices?.[node] ?? (asked.length > 0 ? asked : await reportedDevices(kube, node));
  const machine = new FakeDevices(devices, options.failures ?? {});
  // Events are not what these tests look at; the driver's tests check them.
  const events = { record: () => Promise.resolve() };
  const deps = { kube, ops: machine, nodeId: node, logger: nullLogger(), events };
  return { machine, deps, asked };
}

/**
 * Runs the node controllers of every node (but `ignoreNodes`) over fake devices. Stop them
 * with the returned function, which rethrows the first error the steps met.
 */
export function nodeControllers(
  kube: KubeClient,
  options: FakeDevicesOptions = {},
): () => Promise<void> {
  const controller = new AbortController();
  const ignored = new Set(options.ignoreNodes ?? []);
  const errors: unknown[] = [];
  const keep = (err: unknown) => {
    if (!controller.signal.aborted) errors.push(err);
  };
  const fakes = new Map<string, FakeNode>();
  const steps = (node: string): FakeNode => {
    const known = fakes.get(node) ?? fakeNode(kube, node, options);
    fakes.set(node, known);
    return known;
  };
  const nodes = watching(kube.nodes, controller.signal, async (event) => {
    const name = event.object.metadata.name ?? "";
    if (event.type === "DELETED" || ignored.has(name)) return;
    const { deps, machine } = steps(name);
    await reconcileNode({ ...deps, driveExists: (id) => machine.hasDrive(id) }, name, event.object);
  }).catch(keep);
  const requests = watching(kube.initRequests, controller.signal, async (event) => {
    const request = event.object;
    const node = request.metadata.labels?.[LABELS.node] ?? "";
    if (event.type === "DELETED" || ignored.has(node)) return;
    const { deps, machine, asked } = steps(node);
    if (asked.length === 0) asked.push(...requestedDevices(request));
    await reconcileInitRequest({
      ...deps,
      identity: IDENTITY,
      topology: { rack: "default", zone: "default", region: "default" },
      driveExists: (id) => machine.hasDrive(id),
    }, request);
  }).catch(keep);
  return async () => {
    controller.abort();
    await Promise.all([nodes, requests]);
    if (errors.length > 0) throw errors[0];
  };
}
