/**
 * The node server's HTTP endpoints: readiness, and the metrics of this node's drives and
 * volumes (read from informers on its own objects, device statistics from the drives' mounts).
 */
import { NotFoundError } from "../lib/errors/mod.ts";
import { readDeviceStats } from "../lib/device/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import { type DirectPVDrive, type DirectPVVolume, LABELS, toLabelValue } from "../lib/types/mod.ts";
import { findDriveMount, volumeUsedBytes } from "./csi/node_drive.ts";
import { type HttpServer, metricsHandler, readinessHandler, serveHttp } from "./http.ts";
import { createNodeMetrics, type DriveStatsResult } from "./metrics.ts";
import type { NodeContext } from "./node_context.ts";
import { deviceNameOf, nodeInformer, readDeviceErrorCount } from "./reconcile/mod.ts";

/** Where the node server's HTTP endpoints listen. */
export interface NodeHttpSettings {
  listenAddress: string;
  readinessPort: number;
  metricsPort: number;
  /** Export process metrics too (off in tests). */
  processMetrics: boolean;
}

/** The readiness and metrics servers, their ports and how to stop them. */
export interface NodeHttp {
  ports: { readiness: number; metrics: number };
  stop(): Promise<void>;
}

/** Block-device statistics of a drive, its device found through the drive's mount. */
export async function driveStats(
  ctx: NodeContext,
  drive: DirectPVDrive,
): Promise<DriveStatsResult> {
  const mount = await findDriveMount(ctx, drive.status.fsuuid);
  if (!mount) return { found: false, reason: "the drive is not mounted" };
  const name = await deviceNameOf(ctx.host, mount.entry.majorMinor) ??
    drive.metadata.labels?.[LABELS.driveName];
  if (!name) return { found: false, reason: `no device has number ${mount.entry.majorMinor}` };
  const stats = await readDeviceStats(ctx.host, name).catch(() => undefined);
  if (!stats) return { found: true, stats: undefined };
  return {
    found: true,
    stats: {
      readBytes: stats.readSectors * 512,
      writeBytes: stats.writeSectors * 512,
      readLatencySeconds: stats.readTicks / 1000,
      writeLatencySeconds: stats.writeTicks / 1000,
      waitTimeSeconds: stats.timeInQueue / 1000,
      ...await readDeviceErrorCount(ctx.host, name).then(
        (ioErrors) => ioErrors === undefined ? {} : { ioErrors },
        () => ({}),
      ),
    },
  };
}

async function volumeUsage(ctx: NodeContext, v: DirectPVVolume, logger: Logger) {
  const mount = await findDriveMount(ctx, v.status.fsuuid);
  if (!mount) throw new NotFoundError(`Drive of volume "${v.metadata.name}" is not mounted`);
  const input = {
    mount,
    dir: ctx.host.paths.host(v.status.dataPath),
    volume: v.metadata.name ?? "",
    capacity: v.status.totalCapacity,
  };
  return (await volumeUsedBytes(ctx, input, logger)).bytes;
}

/** Starts the readiness and metrics servers (and the informers the metrics read). */
export function startNodeHttp(
  ctx: NodeContext,
  settings: NodeHttpSettings,
  ready: () => Promise<boolean>,
  logger: Logger,
): NodeHttp {
  const drives = nodeInformer<DirectPVDrive>(ctx.kube.drives, ctx);
  const volumes = nodeInformer<DirectPVVolume>(ctx.kube.volumes, ctx);
  drives.start();
  volumes.start();
  const metrics = createNodeMetrics({
    nodeId: toLabelValue(ctx.nodeId),
    drives,
    volumes,
    volumeUsedBytes: (v) => volumeUsage(ctx, v, logger),
    driveStats: (d) => driveStats(ctx, d),
    logger,
    events: ctx.events,
  }, { processMetrics: settings.processMetrics });
  const servers: HttpServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.shutdown()));
    await drives.stop();
    await volumes.stop();
  };
  try {
    const base = { hostname: settings.listenAddress, logger };
    servers.push(serveHttp({
      ...base,
      port: settings.readinessPort,
      handler: readinessHandler(ready),
      name: "readiness",
    }));
    servers.push(serveHttp({
      ...base,
      port: settings.metricsPort,
      handler: metricsHandler(metrics, logger),
      name: "metrics",
    }));
  } catch (err) {
    void stop();
    throw err;
  }
  return { ports: { readiness: servers[0]?.port ?? 0, metrics: servers[1]?.port ?? 0 }, stop };
}
