/**
 * The `node-server` and `node-controller` roles. The node server prepares `<app>/mnt` and the
 * read-only tmpfs `<app>/tmp`, syncs drives with devices (through the reconcile module)
 * before it reports ready, runs the drive and volume reconcilers, serves CSI Identity + Node,
 * readiness and metrics, and when asked registers itself with the kubelet and serves its own
 * liveness check (no node-driver-registrar or livenessprobe sidecar needed). The node
 * controller runs the node and init-request reconcilers.
 */
import { errorMessage, NotFoundError } from "../lib/errors/mod.ts";
import { readDeviceStats } from "../lib/device/mod.ts";
import { Informer, type KubeClient, type ResourceClient } from "../lib/k8s/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { Host } from "../lib/sys/mod.ts";
import {
  CONTROLLER_NAME,
  type DirectPVDrive,
  type DirectPVVolume,
  type KubeObject,
  LABELS,
  toLabelValue,
  type TopologyKeys,
} from "../lib/types/mod.ts";
import type { QuotaPolicy } from "../lib/xfs/mod.ts";
import { type CsiServer, parseEndpoint, serveCsi } from "./csi/grpc_server.ts";
import { identityHandlers } from "./csi/identity.ts";
import { nodeHandlers, type NodeServiceDeps } from "./csi/node.ts";
import { findDriveMount, volumeUsedBytes } from "./csi/node_drive.ts";
import { EventRecorder } from "./events.ts";
import {
  healthzHandler,
  type HttpServer,
  metricsHandler,
  readinessHandler,
  serveHttp,
} from "./http.ts";
import { csiSocketProbe } from "./liveness.ts";
import { startNodeLease } from "./node_lease.ts";
import { createNodeMetrics, type DriveStatsResult } from "./metrics.ts";
import { readinessCheck } from "./readiness.ts";
import {
  deviceNameOf,
  loopBackingDirFilter,
  readDeviceErrorCount,
  startNodeControllers,
  startNodeServerControllers,
} from "./reconcile/mod.ts";
import type { RunningServer } from "./controller_server.ts";
import { registrationSocketPath, startKubeletRegistration } from "./registration.ts";

/** What both node roles share. */
export interface NodeRoleOptions {
  kube: KubeClient;
  host: Host;
  logger: Logger;
  nodeName: string;
  /** CSI driver name, the topology's identity. */
  identity: string;
  rack: string;
  zone: string;
  region: string;
  quota: QuotaPolicy;
  allowLoop: boolean;
  /** The kubelet's root directory; staging and target paths must be below it. */
  kubeletDir: string;
  /** Only loop devices backed by files under this directory are visible (test clusters). */
  loopBackingDir?: string;
}

/** What a process serving CSI Identity + Node needs (the node server and its legacy twin). */
export interface NodeCsiOptions extends NodeRoleOptions {
  endpoint: string;
  version: string;
  listenAddress: string;
  readinessPort: number;
  removeStaleSocket: (path: string) => Promise<void>;
  /** Narrows the CSI socket to its owner once it listens. */
  restrictSocket?: (path: string) => Promise<void>;
  /** Register with the kubelet (`--kubelet-registration-path`); not registered when omitted. */
  kubeletRegistration?: KubeletRegistrationSettings;
  /** Serve `/healthz` on this port (`--health-port`); not served when omitted. */
  healthPort?: number;
}

/** Options of {@linkcode startNodeServer}. */
export interface NodeServerOptions extends NodeCsiOptions {
  metricsPort: number;
  /** Period of the drive health check (default 30 s). */
  healthIntervalMs?: number;
  /** Export process metrics too (off in tests). */
  processMetrics: boolean;
  /** Called when the node cannot work (the drive sync failed); the caller stops and exits. */
  onFatal: (err: unknown) => void;
}

/** Where the node server registers itself with the kubelet. */
export interface KubeletRegistrationSettings {
  /** The CSI socket path the kubelet dials, as the host sees it. */
  endpoint: string;
  /** The kubelet's plugin registration directory (`<kubelet dir>/plugins_registry`). */
  registrationDir: string;
}

function nodeInformer<T extends KubeObject>(
  client: ResourceClient<T>,
  o: NodeRoleOptions,
): Informer<T> {
  const labelSelector = { [LABELS.node]: toLabelValue(o.nodeName) };
  return new Informer(client, { labelSelector, logger: o.logger });
}

/** Creates `<app>/mnt` and mounts the read-only tmpfs at `<app>/tmp` (failure only logged). */
export async function prepareAppDirs(host: Host, logger: Logger): Promise<void> {
  await host.fs.mkdir(host.paths.app("mnt"), { recursive: true, mode: 0o755 });
  const tmp = host.paths.app("tmp");
  try {
    await host.fs.mkdir(tmp, { recursive: true, mode: 0o755 });
    const mounted = (await host.mounter.mountInfo()).some((m) =>
      m.mountPoint === tmp && m.fsType === "tmpfs"
    );
    if (!mounted) {
      await host.mounter.mount("tmpfs", tmp, { fsType: "tmpfs", options: ["ro", "size=1"] });
    }
  } catch (err) {
    logger.error("Cannot mount the read-only tmpfs for suspended volumes", {
      path: host.paths.unmap(tmp),
      error: errorMessage(err),
    });
  }
}

/** Block-device statistics of a drive, its device found through the drive's mount. */
export async function driveStats(
  deps: NodeServiceDeps,
  drive: DirectPVDrive,
): Promise<DriveStatsResult> {
  const mount = await findDriveMount(deps, drive.status.fsuuid);
  if (!mount) return { found: false, reason: "the drive is not mounted" };
  const name = await deviceNameOf(deps.host, mount.entry.majorMinor) ??
    drive.metadata.labels?.[LABELS.driveName];
  if (!name) return { found: false, reason: `no device has number ${mount.entry.majorMinor}` };
  const stats = await readDeviceStats(deps.host, name).catch(() => undefined);
  if (!stats) return { found: true, stats: undefined };
  return {
    found: true,
    stats: {
      readBytes: stats.readSectors * 512,
      writeBytes: stats.writeSectors * 512,
      readLatencySeconds: stats.readTicks / 1000,
      writeLatencySeconds: stats.writeTicks / 1000,
      waitTimeSeconds: stats.timeInQueue / 1000,
      ...await readDeviceErrorCount(deps.host, name).then(
        (ioErrors) => ioErrors === undefined ? {} : { ioErrors },
        () => ({}),
      ),
    },
  };
}

async function volumeUsage(deps: NodeServiceDeps, v: DirectPVVolume, logger: Logger) {
  const mount = await findDriveMount(deps, v.status.fsuuid);
  if (!mount) throw new NotFoundError(`Drive of volume "${v.metadata.name}" is not mounted`);
  const input = {
    mount,
    dir: deps.host.paths.host(v.status.dataPath),
    volume: v.metadata.name ?? "",
    capacity: v.status.totalCapacity,
  };
  return (await volumeUsedBytes(deps, input, logger)).bytes;
}

/** The Node service's dependencies for a node role. */
export function serviceDeps(
  o: NodeRoleOptions,
  events: EventRecorder,
  keys?: TopologyKeys,
): NodeServiceDeps {
  return {
    nodeName: o.nodeName,
    topology: {
      identity: o.identity,
      rack: o.rack,
      zone: o.zone,
      region: o.region,
      ...(keys ? { keys } : {}),
    },
    kube: o.kube,
    host: o.host,
    kubeletDir: o.kubeletDir,
    quota: o.quota,
    allowLoop: o.allowLoop,
    ...(o.loopBackingDir ? { deviceFilter: loopBackingDirFilter(o.host, o.loopBackingDir) } : {}),
    events,
  };
}

function controllerOptions(o: NodeRoleOptions, deps: NodeServiceDeps, logger: Logger) {
  return {
    kube: o.kube,
    host: o.host,
    nodeId: o.nodeName,
    identity: o.identity,
    topology: { rack: o.rack, zone: o.zone, region: o.region },
    quota: o.quota,
    allowLoop: o.allowLoop,
    ...(deps.deviceFilter ? { deviceFilter: deps.deviceFilter } : {}),
    logger,
    events: deps.events,
  };
}

function startHttp(
  o: NodeServerOptions,
  ready: () => Promise<boolean>,
  deps: NodeServiceDeps,
  logger: Logger,
) {
  const drives = nodeInformer<DirectPVDrive>(o.kube.drives, o);
  const volumes = nodeInformer<DirectPVVolume>(o.kube.volumes, o);
  drives.start();
  volumes.start();
  const metrics = createNodeMetrics({
    nodeName: toLabelValue(o.nodeName),
    drives,
    volumes,
    volumeUsedBytes: (v) => volumeUsage(deps, v, logger),
    driveStats: (d) => driveStats(deps, d),
    logger,
    events: deps.events,
  }, { processMetrics: o.processMetrics });
  const servers: HttpServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.shutdown()));
    await drives.stop();
    await volumes.stop();
  };
  try {
    const base = { hostname: o.listenAddress, logger };
    servers.push(
      serveHttp({
        ...base,
        port: o.readinessPort,
        handler: readinessHandler(ready),
        name: "readiness",
      }),
    );
    servers.push(
      serveHttp({
        ...base,
        port: o.metricsPort,
        handler: metricsHandler(metrics, logger),
        name: "metrics",
      }),
    );
  } catch (err) {
    void stop();
    throw err;
  }
  return { ports: { readiness: servers[0]?.port ?? 0, metrics: servers[1]?.port ?? 0 }, stop };
}

/** CSI Identity and Node on the endpoint. */
export function serveNodeCsi(
  o: NodeCsiOptions,
  deps: NodeServiceDeps,
  ready: () => Promise<boolean>,
  logger: Logger,
): Promise<CsiServer> {
  return serveCsi({
    endpoint: o.endpoint,
    logger,
    identity: identityHandlers({
      name: o.identity,
      version: o.version,
      controllerService: false,
      readiness: ready,
    }),
    node: nodeHandlers(deps),
    removeStaleSocket: o.removeStaleSocket,
    ...(o.restrictSocket ? { restrictSocket: o.restrictSocket } : {}),
  });
}

/** Serves `/healthz` (the CSI Probe on our own socket) when a health port is set. */
export function serveHealthz(o: NodeCsiOptions, logger: Logger): HttpServer | undefined {
  if (o.healthPort === undefined) return undefined;
  return serveHttp({
    hostname: o.listenAddress,
    port: o.healthPort,
    handler: healthzHandler(csiSocketProbe(parseEndpoint(o.endpoint)), logger),
    logger,
    name: "healthz",
  });
}

/** Starts the kubelet registration when asked for; a no-op stopper otherwise. */
export async function registerWithKubelet(
  o: NodeCsiOptions,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const settings = o.kubeletRegistration;
  if (!settings) return { stop: () => Promise.resolve() };
  return await startKubeletRegistration({
    driverName: o.identity,
    endpoint: settings.endpoint,
    socketPath: o.host.paths.host(registrationSocketPath(settings.registrationDir, o.identity)),
    fs: o.host.fs,
    logger,
  });
}

/** Starts the node-server role. */
export async function startNodeServer(o: NodeServerOptions): Promise<RunningServer> {
  const logger = o.logger.with({ component: "node-server", node: o.nodeName });
  await prepareAppDirs(o.host, logger);
  const events = new EventRecorder(o.kube, {
    component: CONTROLLER_NAME,
    logger,
    host: o.nodeName,
  });
  const deps = serviceDeps(o, events);
  const controllers = startNodeServerControllers({
    ...controllerOptions(o, deps, logger),
    ...(o.healthIntervalMs ? { healthIntervalMs: o.healthIntervalMs } : {}),
  });
  let synced = false;
  let stopping = false;
  controllers.synced.then(() => {
    synced = true;
    logger.info("Drives synced; node server is ready");
  }, (err) => {
    if (!stopping) o.onFatal(err);
  });
  const ready = readinessCheck({ kube: o.kube, conditions: [() => synced] });
  // Started in order, stopped in reverse: the kubelet registration goes first, the drive
  // controllers last.
  const parts: Array<{ stop(): Promise<void> }> = [controllers];
  parts.push(startNodeLease(o.kube, o.nodeName, logger));
  const ports: Record<string, number> = {};
  const stop = async () => {
    stopping = true;
    for (const part of [...parts].reverse()) await part.stop();
  };
  try {
    const http = startHttp(o, ready, deps, logger);
    parts.push(http);
    Object.assign(ports, http.ports);
    const csi = await serveNodeCsi(o, deps, ready, logger);
    parts.push(csi);
    // Stopped before the CSI server, so no probe of ours is connected while it shuts down.
    const healthz = serveHealthz(o, logger);
    if (healthz) {
      parts.push({ stop: () => healthz.shutdown() });
      ports["healthz"] = healthz.port;
    }
    // Registered only once the CSI socket listens: the kubelet dials it right away.
    parts.push(await registerWithKubelet(o, logger));
    return { ports, socketPath: csi.socketPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A running node controller. */
export interface RunningNodeController {
  stop(): Promise<void>;
}

/** Starts the node-controller role: `<app>/mnt`, then the node and init-request reconcilers. */
export async function startNodeController(o: NodeRoleOptions): Promise<RunningNodeController> {
  const logger = o.logger.with({ component: "node-controller", node: o.nodeName });
  await o.host.fs.mkdir(o.host.paths.app("mnt"), { recursive: true, mode: 0o755 });
  const events = new EventRecorder(o.kube, {
    component: CONTROLLER_NAME,
    logger,
    host: o.nodeName,
  });
  const deps = serviceDeps(o, events);
  const controllers = startNodeControllers(controllerOptions(o, deps, logger));
  controllers.synced.then(
    () => logger.info("Node controllers synced"),
    (err) => logger.error("Node controllers failed to start", { error: errorMessage(err) }),
  );
  return { stop: () => controllers.stop() };
}
