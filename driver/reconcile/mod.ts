/**
 * Node-side controllers: a generic watch + work queue (`controller.ts`, `queue.ts`) and the
 * reconcilers built on it. `startNodeServerControllers` runs the drive sync at start, then the
 * drive reconciler (with the periodic health check), the volume reconciler (with the copies
 * of clones and restores) and the snapshot reconciler;
 * `startNodeControllers` runs the DirectPVNode and init-request reconcilers.
 *
 * May import: lib/k8s, lib/sys, lib/device, lib/xfs, lib/types, lib/errors, lib/log, lib/node_init, driver/events.
 * @module
 */
import { Informer, type KubeClient, type ResourceClient } from "../../lib/k8s/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVInitRequest,
  type DirectPVNode,
  type DirectPVSnapshot,
  type DirectPVVolume,
  type KubeObject,
  LABELS,
  toLabelValue,
} from "../../lib/types/mod.ts";
import { Controller } from "./controller.ts";
import type { EventSink } from "../events.ts";
import type { NodeDeps } from "./deps.ts";
import { DriveReconciler } from "./drive.ts";
import type { NodeTopology } from "./drive_object.ts";
import { syncDrives } from "./drive_sync.ts";
import { createNodeOps, type QuotaPolicy } from "./host_ops.ts";
import { coalesce, informerSource } from "./kube_util.ts";
import type { DeviceFilter } from "./loop_filter.ts";
import { reconcileInitRequest, reconcileNode } from "../../lib/node_init/mod.ts";
import type { NodeOps } from "./node_ops.ts";
import type { Timers } from "./queue.ts";
import { reconcileSnapshot } from "./snapshot.ts";
import { reconcileVolume } from "./volume.ts";

export { Controller, type ControllerOptions, type ObjectSource } from "./controller.ts";
export { type Timers, WorkQueue } from "./queue.ts";
export { type DeviceFilter, loopBackingDirFilter } from "./loop_filter.ts";
export { createNodeOps, type NodeOpsOptions, type QuotaPolicy } from "./host_ops.ts";
export type { NodeOps, ProbedDevice } from "./node_ops.ts";
export { deviceNotFoundMessage } from "./drive_health.ts";
export { stillContainsMessage } from "./drive.ts";
export { deviceNameOf, readDeviceErrorCount } from "./health_probe.ts";
export { notReleasedMessage } from "./volume.ts";

/** What both sets of node controllers need. */
export interface NodeControllersOptions {
  kube: KubeClient;
  host: Host;
  nodeId: string;
  /** CSI identity (`directpv-min-io`), the topology's identity segment. */
  identity: string;
  topology: { rack: string; zone: string; region: string };
  quota: QuotaPolicy;
  allowLoop: boolean;
  /** Only devices it accepts are visible (see `loopBackingDirFilter`). */
  deviceFilter?: DeviceFilter;
  logger: Logger;
  events: EventSink;
  /** Replaces the Host-backed operations (tests). */
  ops?: NodeOps;
  timers?: Timers;
}

/** Options of the node-server controllers. */
export interface NodeServerControllersOptions extends NodeControllersOptions {
  /** Period of the drive health check (default 30 s). */
  healthIntervalMs?: number;
}

/** Running controllers. */
export interface RunningControllers {
  /** Resolves once caches are loaded (and, on the node server, drives are synced). */
  synced: Promise<void>;
  /** Stops everything and waits for in-flight handlers. */
  stop(): Promise<void>;
}

function nodeInformer<T extends KubeObject>(
  client: ResourceClient<T>,
  o: NodeControllersOptions,
): Informer<T> {
  const labelSelector = { [LABELS.node]: toLabelValue(o.nodeId) };
  return new Informer(client, { labelSelector, logger: o.logger });
}

function baseDeps(o: NodeControllersOptions, component: string): NodeDeps {
  const ops = o.ops ?? createNodeOps(o.host, {
    nodeId: o.nodeId,
    allowLoop: o.allowLoop,
    quota: o.quota,
    logger: o.logger,
    ...(o.deviceFilter ? { deviceFilter: o.deviceFilter } : {}),
  });
  return {
    kube: o.kube,
    ops,
    nodeId: o.nodeId,
    logger: o.logger.with({ component }),
    events: o.events,
  };
}

function topologyOf(o: NodeControllersOptions): NodeTopology {
  return { identity: o.identity, node: o.nodeId, ...o.topology };
}

function timersOf(o: NodeControllersOptions): { timers?: Timers } {
  return o.timers ? { timers: o.timers } : {};
}

interface Startable {
  start(): void;
  stop(): Promise<void>;
}

interface Syncable extends Startable {
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/** Starts the controllers once every informer has synced; `stop` undoes it all. */
function run(
  informers: Syncable[],
  controllers: Startable[],
  beforeStart: () => Promise<void>,
): RunningControllers {
  const abort = new AbortController();
  for (const i of informers) i.start();
  const synced = (async () => {
    await Promise.all(informers.map((i) => i.waitForSync(abort.signal)));
    await beforeStart();
    if (abort.signal.aborted) return;
    for (const c of controllers) c.start();
  })();
  const stop = async () => {
    abort.abort();
    await synced.catch(() => {});
    await Promise.all(controllers.map((c) => c.stop()));
    await Promise.all(informers.map((i) => i.stop()));
  };
  return { synced, stop };
}

/**
 * Node server: drive sync (awaited through `synced`), then the drive reconciler (whose resync is
 * the health check), the volume reconciler and the snapshot reconciler.
 */
export function startNodeServerControllers(o: NodeServerControllersOptions): RunningControllers {
  const deps = baseDeps(o, "node-server");
  const drives = nodeInformer<DirectPVDrive>(o.kube.drives, o);
  const volumes = nodeInformer<DirectPVVolume>(o.kube.volumes, o);
  const scan = coalesce(() => deps.ops.devicesByFsuuid());
  const driveReconciler = new DriveReconciler({ ...deps, scan });
  const driveController = new Controller<DirectPVDrive>({
    name: "drive",
    source: informerSource(drives),
    reconcile: (key, drive) => driveReconciler.reconcile(key, drive),
    logger: deps.logger,
    workers: 10,
    resyncMs: o.healthIntervalMs ?? 30_000,
    ...timersOf(o),
  });
  const volumeController = new Controller<DirectPVVolume>({
    name: "volume",
    source: informerSource(volumes),
    reconcile: (_key, volume) =>
      reconcileVolume({ ...deps, getDrive: (name) => drives.get(name) }, volume),
    logger: deps.logger,
    workers: 40,
    resyncMs: 10 * 60_000,
    ...timersOf(o),
  });
  const snapshots = nodeInformer<DirectPVSnapshot>(o.kube.snapshots, o);
  const snapshotController = new Controller<DirectPVSnapshot>({
    name: "snapshot",
    source: informerSource(snapshots),
    reconcile: (_key, snapshot) => reconcileSnapshot(deps, snapshot),
    logger: deps.logger,
    workers: 10,
    resyncMs: 10 * 60_000,
    ...timersOf(o),
  });
  return run(
    [drives, volumes, snapshots],
    [driveController, volumeController, snapshotController],
    async () => void (await syncDrives(deps, scan)),
  );
}

/** Node controller: the DirectPVNode reconciler and the (serialised) init-request reconciler. */
export function startNodeControllers(o: NodeControllersOptions): RunningControllers {
  const deps = baseDeps(o, "node-controller");
  const nodes = nodeInformer<DirectPVNode>(o.kube.nodes, o);
  const drives = nodeInformer<DirectPVDrive>(o.kube.drives, o);
  const requests = nodeInformer<DirectPVInitRequest>(o.kube.initRequests, o);
  const driveExists = (fsuuid: string) => drives.get(fsuuid) !== undefined;
  const nodeController = new Controller<DirectPVNode>({
    name: "node",
    source: informerSource(nodes),
    reconcile: (key, node) => reconcileNode({ ...deps, driveExists }, key, node),
    logger: deps.logger,
    resyncMs: 5 * 60_000,
    ...timersOf(o),
  });
  const initController = new Controller<DirectPVInitRequest>({
    name: "initrequest",
    source: informerSource(requests),
    reconcile: (_key, request) =>
      reconcileInitRequest({ ...deps, driveExists, topology: topologyOf(o) }, request),
    logger: deps.logger,
    workers: 1,
    resyncMs: 5 * 60_000,
    ...timersOf(o),
  });
  const running = run(
    [nodes, drives, requests],
    [nodeController, initController],
    () => Promise.resolve(),
  );
  void running.synced.then(() => nodeController.enqueue(o.nodeId), () => {});
  return running;
}
