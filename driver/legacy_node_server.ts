/**
 * The `legacy-node-server` role: CSI Identity + Node under DirectCSI's driver name
 * `direct-csi-min-io`, for the PVs DirectCSI provisioned (their volumes were migrated to
 * DirectPVVolumes of the same name, their data stays on the drive). It reports DirectCSI's
 * topology keys, which those PVs' node affinity names, and runs no drive or volume reconciler
 * and no metrics: the `node-server` of the same node does that for every drive.
 */
import type { Logger } from "../lib/log/mod.ts";
import { CONTROLLER_NAME, LEGACY_IDENTITY, LEGACY_TOPOLOGY_KEYS } from "../lib/types/mod.ts";
import type { RunningServer } from "./controller_server.ts";
import { EventRecorder } from "./events.ts";
import { readinessHandler, serveHttp } from "./http.ts";
import {
  type NodeCsiOptions,
  prepareAppDirs,
  registerWithKubelet,
  serveHealthz,
  serveNodeCsi,
  serviceDeps,
} from "./node_server.ts";
import { readinessCheck } from "./readiness.ts";

type Part = { stop(): Promise<void> };

async function startParts(
  o: NodeCsiOptions,
  logger: Logger,
  parts: Part[],
  ports: Record<string, number>,
): Promise<string> {
  const events = new EventRecorder(o.kube, {
    component: CONTROLLER_NAME,
    logger,
    host: o.nodeName,
  });
  const deps = serviceDeps(o, events, LEGACY_TOPOLOGY_KEYS);
  const ready = readinessCheck({ kube: o.kube });
  const http = serveHttp({
    hostname: o.listenAddress,
    port: o.readinessPort,
    handler: readinessHandler(ready),
    logger,
    name: "readiness",
  });
  parts.push({ stop: () => http.shutdown() });
  ports["readiness"] = http.port;
  const csi = await serveNodeCsi(o, deps, ready, logger);
  parts.push(csi);
  const healthz = serveHealthz(o, logger);
  if (healthz) {
    parts.push({ stop: () => healthz.shutdown() });
    ports["healthz"] = healthz.port;
  }
  parts.push(await registerWithKubelet(o, logger));
  return csi.socketPath;
}

/**
 * Starts the legacy node server. The identity is always `direct-csi-min-io`, whatever
 * `o.identity` says: that is the name the PVs it serves carry.
 */
export async function startLegacyNodeServer(o: NodeCsiOptions): Promise<RunningServer> {
  const options = { ...o, identity: LEGACY_IDENTITY };
  const logger = o.logger.with({ component: "legacy-node-server", node: o.nodeName });
  await prepareAppDirs(o.host, logger);
  const parts: Part[] = [];
  const ports: Record<string, number> = {};
  const stop = async () => {
    for (const part of [...parts].reverse()) await part.stop();
  };
  try {
    const socketPath = await startParts(options, logger, parts, ports);
    logger.info("Serving volumes of the legacy driver", { identity: LEGACY_IDENTITY });
    return { ports, socketPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
