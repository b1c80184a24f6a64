/**
 * The `legacy-node-server` role: CSI Identity + Node under DirectCSI's driver name
 * `direct-csi-min-io`, for the PVs DirectCSI provisioned (their volumes were migrated to
 * DirectPVVolumes of the same name, their data stays on the drive). It reports DirectCSI's
 * topology keys, which those PVs' node affinity names, and runs no drive or volume reconciler
 * and no metrics: the `node-server` of the same node does that for every drive.
 */
import { LEGACY_IDENTITY, LEGACY_TOPOLOGY_KEYS } from "../lib/types/mod.ts";
import type { RunningServer } from "./controller_server.ts";
import { readinessHandler, serveHttp } from "./http.ts";
import { checkNodeContext, type NodeContext } from "./node_context.ts";
import {
  checkCsiServing,
  type NodeCsiServing,
  prepareAppDirs,
  registerWithKubelet,
  serveHealthz,
  serveNodeCsi,
} from "./node_server.ts";
import { readinessCheck } from "./readiness.ts";

type Part = { stop(): Promise<void> };

async function startParts(
  ctx: NodeContext,
  serving: NodeCsiServing,
  parts: Part[],
  ports: Record<string, number>,
): Promise<string> {
  const logger = ctx.logger;
  const ready = readinessCheck({ kube: ctx.kube });
  const http = serveHttp({
    hostname: serving.listenAddress,
    port: serving.readinessPort,
    handler: readinessHandler(ready),
    logger,
    name: "readiness",
  });
  parts.push({ stop: () => http.shutdown() });
  ports["readiness"] = http.port;
  const csi = await serveNodeCsi(ctx, serving, ready, logger);
  parts.push(csi);
  const healthz = serveHealthz(serving, logger);
  if (healthz) {
    parts.push({ stop: () => healthz.shutdown() });
    ports["healthz"] = healthz.port;
  }
  parts.push(await registerWithKubelet(ctx, serving, logger));
  return csi.socketPath;
}

/**
 * Starts the legacy node server. The identity is always `direct-csi-min-io`, whatever
 * `node.identity` says: that is the name the PVs it serves carry.
 *
 * @throws {InvalidArgumentError} when the context or the serving settings are unusable
 */
export async function startLegacyNodeServer(
  node: NodeContext,
  serving: NodeCsiServing,
): Promise<RunningServer> {
  checkNodeContext(node);
  checkCsiServing(serving);
  const logger = node.logger.with({ component: "legacy-node-server", node: node.nodeId });
  const ctx: NodeContext = {
    ...node,
    identity: LEGACY_IDENTITY,
    topologyKeys: LEGACY_TOPOLOGY_KEYS,
    logger,
  };
  await prepareAppDirs(ctx.host, logger);
  const parts: Part[] = [];
  const ports: Record<string, number> = {};
  const stop = async () => {
    for (const part of [...parts].reverse()) await part.stop();
  };
  try {
    const socketPath = await startParts(ctx, serving, parts, ports);
    logger.info("Serving volumes of the legacy driver", { identity: LEGACY_IDENTITY });
    return { ports, socketPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
