/**
 * Node-side controllers: a generic watch + work queue (`controller.ts`, `queue.ts`) and the
 * reconcilers built on it. `startNodeServerControllers` runs the drive sync at start, then the
 * drive reconciler (with the periodic health check), the volume reconciler (with the copies
 * of clones and restores) and the snapshot reconciler;
 * `startNodeControllers` runs the DirectPVNode and init-request reconcilers.
 *
 * May import: lib/k8s, lib/sys, lib/device, lib/xfs, lib/types, lib/errors, lib/log, lib/node_init, driver/events, driver/node_context.
 * @module
 */
import { Informer, type ResourceClient } from "../../lib/k8s/mod.ts";
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
import type { NodeContext } from "../node_context.ts";
import type { NodeDeps } from "./deps.ts";
import { DriveReconciler } from "./drive.ts";
import { syncDrives } from "./drive_sync.ts";
import { createNodeOps } from "./host_ops.ts";
import { coalesce, informerSource } from "./kube_util.ts";
import { reconcileInitRequest, reconcileNode } from "../../lib/node_init/mod.ts";
import type { NodeOps } from "./node_ops.ts";
import type { Timers } from "./queue.ts";
import { reconcileSnapshot } from "./snapshot.ts";
import { reconcileVolume } from "./volume.ts";

export { Controller, type ControllerOptions, type ObjectSource } from "./controller.ts";
export { type Timers, WorkQueue } from "./queue.ts";
export { loopBackingDirFilter } from "./loop_filter.ts";
export { createNodeOps, type NodeOpsContext, type NodeOpsTuning } from "./host_ops.ts";
export type { NodeOps, ProbedDevice } from "./node_ops.ts";
export { deviceNotFoundMessage } from "./drive_health.ts";
export { stillContainsMessage } from "./drive.ts";
export { deviceNameOf, readDeviceErrorCount } from "./health_probe.ts";
export { notReleasedMessage } from "./volume.ts";

/** What tests replace in the node controllers. */
export interface NodeControllersSeams {
  /** Replaces the Host-backed operations. */
  ops?: NodeOps;
  timers?: Timers;
}

/** Running controllers. */
export interface RunningControllers {
  /** Resolves once caches are loaded (and, on the node server, drives are synced). */
  synced: Promise<void>;
  /** Stops everything and waits for in-flight handlers. */
  stop(): Promise<void>;
}

/** An informer on the objects of `client` labelled as this node's. */
export function nodeInformer<T extends KubeObject>(
  client: ResourceClient<T>,
  ctx: NodeContext,
): Informer<T> {
  const labelSelector = { [LABELS.node]: toLabelValue(ctx.nodeId) };
  return new Informer(client, { labelSelector, logger: ctx.logger });
}

function baseDeps(ctx: NodeContext, seams: NodeControllersSeams, component: string): NodeDeps {
  return {
    ...ctx,
    ops: seams.ops ?? createNodeOps(ctx),
    logger: ctx.logger.with({ component }),
  };
}

function timersOf(seams: NodeControllersSeams): { timers?: Timers } {
  return seams.timers ? { timers: seams.timers } : {};
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
export function startNodeServerControllers(
  ctx: NodeContext,
  seams: NodeControllersSeams = {},
): RunningControllers {
  const deps = baseDeps(ctx, seams, "node-server");
  const drives = nodeInformer<DirectPVDrive>(ctx.kube.drives, ctx);
  const volumes = nodeInformer<DirectPVVolume>(ctx.kube.volumes, ctx);
  const scan = coalesce(() => deps.ops.devicesByFsuuid());
  const driveReconciler = new DriveReconciler({ ...deps, scan });
  const driveController = new Controller<DirectPVDrive>({
    name: "drive",
    source: informerSource(drives),
    reconcile: (key, drive) => driveReconciler.reconcile(key, drive),
    logger: deps.logger,
    workers: 10,
    resyncMs: ctx.healthIntervalMs,
    ...timersOf(seams),
  });
  const volumeController = new Controller<DirectPVVolume>({
    name: "volume",
    source: informerSource(volumes),
    reconcile: (_key, volume) =>
      reconcileVolume({ ...deps, getDrive: (name) => drives.get(name) }, volume),
    logger: deps.logger,
    workers: 40,
    resyncMs: 10 * 60_000,
    ...timersOf(seams),
  });
  const snapshots = nodeInformer<DirectPVSnapshot>(ctx.kube.snapshots, ctx);
  const snapshotController = new Controller<DirectPVSnapshot>({
    name: "snapshot",
    source: informerSource(snapshots),
    reconcile: (_key, snapshot) => reconcileSnapshot(deps, snapshot),
    logger: deps.logger,
    workers: 10,
    resyncMs: 10 * 60_000,
    ...timersOf(seams),
  });
  return run(
    [drives, volumes, snapshots],
    [driveController, volumeController, snapshotController],
    async () => void (await syncDrives(deps, scan)),
  );
}

/** Node controller: the DirectPVNode reconciler and the (serialised) init-request reconciler. */
export function startNodeControllers(
  ctx: NodeContext,
  seams: NodeControllersSeams = {},
): RunningControllers {
  const deps = baseDeps(ctx, seams, "node-controller");
  const nodes = nodeInformer<DirectPVNode>(ctx.kube.nodes, ctx);
  const drives = nodeInformer<DirectPVDrive>(ctx.kube.drives, ctx);
  const requests = nodeInformer<DirectPVInitRequest>(ctx.kube.initRequests, ctx);
  const driveExists = (fsuuid: string) => drives.get(fsuuid) !== undefined;
  const nodeController = new Controller<DirectPVNode>({
    name: "node",
    source: informerSource(nodes),
    reconcile: (key, node) => reconcileNode({ ...deps, driveExists }, key, node),
    logger: deps.logger,
    resyncMs: 5 * 60_000,
    ...timersOf(seams),
  });
  const initController = new Controller<DirectPVInitRequest>({
    name: "initrequest",
    source: informerSource(requests),
    reconcile: (_key, request) => reconcileInitRequest({ ...deps, driveExists }, request),
    logger: deps.logger,
    workers: 1,
    resyncMs: 5 * 60_000,
    ...timersOf(seams),
  });
  const running = run(
    [nodes, drives, requests],
    [nodeController, initController],
    () => Promise.resolve(),
  );
  void running.synced.then(() => nodeController.enqueue(ctx.nodeId), () => {});
  return running;
}
