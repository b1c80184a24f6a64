/**
 * The `controller` role: CSI Identity + Controller on the endpoint, watch caches of every
 * DirectPVDrive (drive selection) and DirectPVVolume (ListVolumes, ControllerGetVolume), and
 * the readiness endpoint.
 */
import { Informer, type InformerHandlers, type KubeClient } from "../lib/k8s/mod.ts";
import { capacityProblem } from "../lib/scheduling/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import { CONTROLLER_NAME, type DirectPVVolume } from "../lib/types/mod.ts";
import {
  BusyDrives,
  type CachedDrive,
  compactDrive,
  controllerHandlers,
  indexedDriveCache,
  informerVolumeCache,
} from "./csi/controller.ts";
import { serveCsi } from "./csi/grpc_server.ts";
import { identityHandlers } from "./csi/identity.ts";
import { legacyControllerHandlers } from "./csi/legacy.ts";
import { EventRecorder } from "./events.ts";
import { readinessHandler, serveHttp } from "./http.ts";
import { startNodeRetirer } from "./node_retirer.ts";
import { readinessCheck } from "./readiness.ts";

/** Options of {@linkcode startControllerServer}. */
export interface ControllerServerOptions {
  kube: KubeClient;
  logger: Logger;
  /** CSI endpoint (`unix:///csi/csi.sock`). */
  endpoint: string;
  /** CSI driver name. */
  identity: string;
  version: string;
  /** Address the HTTP endpoints bind. */
  listenAddress: string;
  readinessPort: number;
  /** Removes a socket file left by an earlier process (a no-op when there is none). */
  removeStaleSocket: (path: string) => Promise<void>;
  /** Narrows the CSI socket to its owner once it listens. */
  restrictSocket?: (path: string) => Promise<void>;
  /** Retire nodes whose Node object is deleted (`--retire-deleted-nodes`). */
  retireDeletedNodes?: boolean;
  /** Serve as the legacy controller: existing volumes only, CreateVolume refused. */
  legacy?: boolean;
}

/** A running role. */
export interface RunningServer {
  /** Bound ports by endpoint name (`readiness`, `metrics`). */
  readonly ports: Readonly<Record<string, number>>;
  /** The CSI socket path. */
  readonly socketPath: string;
  /** Stops serving, then stops caches and controllers. */
  stop(): Promise<void>;
}

/**
 * Warns about a drive that no volume is placed on because its capacity figures are not
 * sound (written by someone else), once per stored change rather than at every resync.
 */
function unsoundDriveWarnings(logger: Logger): InformerHandlers<CachedDrive> {
  const warn = (drive: CachedDrive) => {
    const problem = capacityProblem(drive);
    if (problem === undefined) return;
    logger.warn("Drive skipped for new volumes: fix or remove its capacity figures", {
      drive: drive.metadata.name,
      problem,
    });
  };
  return {
    onAdd: warn,
    onUpdate: (before, after) => {
      if (before !== after) warn(after);
    },
  };
}

/** Starts the controller role. */
export async function startControllerServer(o: ControllerServerOptions): Promise<RunningServer> {
  const logger = o.logger.with({ component: o.legacy ? "legacy-controller" : "controller" });
  const informer = new Informer(o.kube.drives, { logger, transform: compactDrive });
  const drives = indexedDriveCache(informer);
  informer.addHandlers(unsoundDriveWarnings(logger));
  informer.start();
  const volumeInformer = new Informer<DirectPVVolume>(o.kube.volumes, { logger });
  volumeInformer.start();
  const stopCaches = async () => {
    await informer.stop();
    await volumeInformer.stop();
  };
  const events = new EventRecorder(o.kube, { component: CONTROLLER_NAME, logger });
  const ready = readinessCheck({ kube: o.kube, conditions: [() => informer.hasSynced()] });
  const csi = await serveCsi({
    endpoint: o.endpoint,
    logger,
    identity: identityHandlers({
      name: o.identity,
      version: o.version,
      controllerService: true,
      readiness: ready,
    }),
    controller: (o.legacy ? legacyControllerHandlers : controllerHandlers)({
      kube: o.kube,
      drives,
      events,
      busy: new BusyDrives(),
      synced: () => informer.hasSynced(),
      volumes: informerVolumeCache(volumeInformer),
    }),
    removeStaleSocket: o.removeStaleSocket,
    ...(o.restrictSocket ? { restrictSocket: o.restrictSocket } : {}),
  }).catch(async (err) => {
    await stopCaches();
    throw err;
  });
  let http: ReturnType<typeof serveHttp>;
  try {
    http = serveHttp({
      hostname: o.listenAddress,
      port: o.readinessPort,
      handler: readinessHandler(ready),
      logger,
      name: "readiness",
    });
  } catch (err) {
    await csi.stop();
    await stopCaches();
    throw err;
  }
  const retirer = o.retireDeletedNodes ? startNodeRetirer(o.kube, logger) : undefined;
  return {
    ports: { readiness: http.port },
    socketPath: csi.socketPath,
    stop: async () => {
      await retirer?.stop();
      await csi.stop();
      await http.shutdown();
      logger.debug("Stopping the drive and volume caches");
      await stopCaches();
      logger.debug("Drive and volume caches stopped");
    },
  };
}
